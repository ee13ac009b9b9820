/* core/session: the one way every command opens config, journal path,
 * journal, fleet and view: $THINGTOP_CONFIG's journal.path, -j over it, a
 * reader that never creates a journal, sizes like "1.5G" in the config,
 * the fleet as of a time, and a replay's range errors. */
#include "check.h"
#include "temp_dir.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"
#include "ndjson.h"
#include "replay.h"
#include "session.h"

static char *write_config(const char *name, const char *text)
{
	char *path = new_path(name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Two connects, received at 1000 and 5000 ms. */
static void add_events(struct session *s)
{
	static const char *const lines[] = {
		"{\"topic\":\"$aws/events/presence/connected/a\",\"receivedAt\":1767225601000,\"payload\":"
		"{\"clientId\":\"a\",\"timestamp\":1767225601000,\"eventType\":\"connected\","
		"\"sessionIdentifier\":\"s1\"}}",
		"{\"topic\":\"$aws/events/presence/connected/b\",\"receivedAt\":1767225605000,\"payload\":"
		"{\"clientId\":\"b\",\"timestamp\":1767225605000,\"eventType\":\"connected\","
		"\"sessionIdentifier\":\"s2\"}}",
	};
	struct ingest in;
	ingest_init(&in, s->journal, s->fleet);
	for (size_t i = 0; i < 2; i++) {
		struct event ev;
		struct ndjson_message msg;
		ndjson_decode_line(lines[i], strlen(lines[i]), &ev, &msg);
		ingest_event(&in, msg.topic, msg.raw, msg.raw_len, &ev, msg.received_ms);
		ndjson_message_finish(&msg);
	}
	char *cause = NULL;
	CHECK(ingest_checkpoint(&in, &cause));
	free(cause);
}

static void test_configured_journal(void)
{
	char *journal = new_path("configured.db");
	char text[512];
	snprintf(text, sizeof text, "journal: { path = \"%s\"; max_size = \"1.5G\"; };\n", journal);
	char *config = write_config("tt.conf", text);
	setenv("THINGTOP_CONFIG", config, 1);

	/* A reader: no journal there yet, one message naming the configured path. */
	struct session s;
	char *cause = NULL;
	struct session_options o = { .journal = SESSION_JOURNAL_READ, .fleet = SESSION_FLEET_REBUILT };
	CHECK(!session_open(&s, &o, &cause));
	CHECK(cause && strncmp(cause, "no journal at ", 14) == 0 && strstr(cause, journal));
	free(cause);
	cause = NULL;
	session_close(&s);
	CHECK(access(journal, F_OK) != 0);

	/* A writer makes it, with the config's 1.5G. */
	o.journal = SESSION_JOURNAL_WRITE;
	CHECK(session_open(&s, &o, &cause));
	CHECK_STR(s.journal_path, journal);
	CHECK_INT(s.config.journal.max_size, 1536LL * 1024 * 1024);
	CHECK(s.fleet && fleet_count(s.fleet) == 0);
	CHECK(s.view != NULL);
	add_events(&s);
	session_close(&s);

	/* Now a reader finds it and rebuilds the fleet. */
	o.journal = SESSION_JOURNAL_READ;
	CHECK(session_open(&s, &o, &cause));
	CHECK_INT(s.fleet ? fleet_count(s.fleet) : 0, 2);
	session_close(&s);

	/* -j wins over journal.path. */
	char *other = new_path("other.db");
	o.journal_path = other;
	CHECK(!session_open(&s, &o, &cause));
	CHECK(cause && strstr(cause, other));
	free(cause);
	session_close(&s);

	unsetenv("THINGTOP_CONFIG");
	free(other);
	free(config);
	free(journal);
}

static void test_fleet_at(void)
{
	char *journal = new_path("at.db");
	struct session s;
	char *cause = NULL;
	struct session_options o = { .config_path = "/dev/null", .journal_path = journal,
	                             .journal = SESSION_JOURNAL_WRITE,
	                             .fleet = SESSION_FLEET_REBUILT };
	CHECK(session_open(&s, &o, &cause));
	add_events(&s);
	session_close(&s);

	o.journal = SESSION_JOURNAL_READ;
	o.fleet = SESSION_FLEET_AT;
	o.at_ms = 1767225603000;  /* between the two */
	CHECK(session_open(&s, &o, &cause));
	CHECK_INT(s.fleet ? fleet_count(s.fleet) : 0, 1);
	CHECK_INT(s.fleet ? fleet_clock(s.fleet) : 0, 1767225603000);
	session_close(&s);

	o.at_ms = 1767225600000;  /* before the first */
	CHECK(session_open(&s, &o, &cause));
	CHECK_INT(s.fleet ? fleet_count(s.fleet) : 1, 0);
	session_close(&s);

	/* A replay from a time that is none: a usage error, told apart. */
	o.fleet = SESSION_FLEET_REPLAY;
	o.replay_from = "yesterday-ish";
	CHECK(!session_open(&s, &o, &cause));
	CHECK(s.bad_range);
	CHECK(cause && strstr(cause, "--from"));
	free(cause);
	cause = NULL;
	session_close(&s);

	o.replay_from = NULL;
	CHECK(session_open(&s, &o, &cause));
	CHECK(s.replay != NULL && s.fleet == replay_fleet(s.replay));
	session_close(&s);   /* the replay owns the fleet: no double free */
	free(journal);
}

static void test_bad_config(void)
{
	struct session s;
	char *cause = NULL;
	char *config = write_config("bad.conf", "journal: { max_size = \"1.5X\"; };\n");
	struct session_options o = { .config_path = config, .journal = SESSION_JOURNAL_NONE };
	CHECK(!session_open(&s, &o, &cause));
	CHECK(cause && strstr(cause, "max_size") && strstr(cause, "bad.conf:1"));
	free(cause);
	session_close(&s);

	/* Journal NONE: the config and the resolved path only. */
	o.config_path = "/dev/null";
	o.journal_path = "/nonexistent/j.db";
	CHECK(session_open(&s, &o, &cause));
	CHECK_STR(s.journal_path, "/nonexistent/j.db");
	CHECK(s.journal == NULL && s.fleet == NULL);
	session_close(&s);
	free(config);
}

int main(void)
{
	if (temp_dir_create("session") != 0)
		return 1;
	test_configured_journal();
	test_fleet_at();
	test_bad_config();
	temp_dir_remove();
	return check_summary();
}
