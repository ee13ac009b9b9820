/* The periodic re-sync (core/resync.c) with a fake `aws` script on PATH:
 * pages followed by nextToken and handed over a batch at a time, a failing
 * CLI's own message (made safe) as the error and a retry at the next
 * interval, a missing CLI, one run at a time, and a running child killed
 * and reaped by resync_destroy. */
#include "check.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/resync.h"
#include "core/timefmt.h"
#include "core/xalloc.h"

static char dir[] = "/tmp/thingtop-test-resync-XXXXXX";
static char mode_path[300], count_path[300], pid_path[300];

static const char fake[] =
	"#!/bin/sh\n"
	"echo run >>\"$FAKE_DIR/count\"\n"
	"case $(cat \"$FAKE_DIR/mode\") in\n"
	"fail) printf 'boom: \\033[31mred\\n' >&2; exit 3 ;;\n"
	"slow) echo $$ >\"$FAKE_DIR/pid\"; exec sleep 30 ;;\n"
	"esac\n"
	"for a; do [ \"$prev\" = --next-token ] && token=$a; prev=$a; done\n"
	"if [ \"$token\" = token-2 ]; then\n"
	"  echo '{\"things\": [{\"thingName\": \"c\", \"connectivity\": {\"connected\": false}}]}'\n"
	"else\n"
	"  echo '{\"things\": [{\"thingName\": \"a\"}, {\"thingName\": \"b\"}], \"nextToken\": \"token-2\"}'\n"
	"fi\n";

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static int count_runs(void)
{
	FILE *f = fopen(count_path, "r");
	int n = 0;
	if (!f)
		return 0;
	for (int c; (c = fgetc(f)) != EOF;)
		n += c == '\n';
	fclose(f);
	return n;
}

struct seen {
	char names[16];
	size_t count;
	size_t calls;
};

static void collect(void *ctx, const struct baseline_item *item)
{
	struct seen *s = ctx;
	if (s->count + 1 < sizeof s->names)
		s->names[s->count++] = item->event.client_id[0];
}

/* One turn of a poll loop like live.c's, handing over one thing a turn. */
static void turn(struct resync *r, struct seen *s)
{
	struct pollfd fds[1];
	size_t n = resync_pollfds(r, fds, 1);
	int wait = resync_next_timeout_ms(r);
	poll(fds, n, wait > 50 ? 50 : wait);
	if (resync_pending(r)) {
		CHECK(resync_take(r, 1, collect, s) <= 1);
		s->calls++;
	}
	resync_dispatch(r, true);
}

static struct resync *start(int64_t interval_ms, const char *mode)
{
	write_text(mode_path, mode);
	unlink(count_path);
	struct config c;
	config_defaults(&c);
	c.aws.sync_interval_ms = interval_ms;
	struct resync *r = resync_create(&c);
	config_finish(&c);
	return r;
}

static void test_pages(void)
{
	struct config c;
	config_defaults(&c);
	CHECK(resync_create(&c) == NULL);   /* off by default */
	config_finish(&c);

	struct resync *r = start(60000, "ok");
	struct seen s = {0};
	uint64_t things = 0;
	int64_t until = time_mono_ms() + 5000;
	while (resync_done(r, NULL) == 0 && time_mono_ms() < until)
		turn(r, &s);
	CHECK_INT(resync_done(r, &things), 1);
	CHECK_INT(things, 3);
	CHECK_STR(s.names, "abc");          /* page 2 came by its token */
	CHECK(s.calls >= 3);                /* one thing a turn */
	CHECK_STR(resync_error(r), "");
	CHECK_INT(count_runs(), 2);
	resync_destroy(r);
}

static void test_failure_and_retry(void)
{
	struct resync *r = start(300, "fail");
	struct seen s = {0};
	int64_t until = time_mono_ms() + 5000;
	while (!*resync_error(r) && time_mono_ms() < until)
		turn(r, &s);
	const char *e = resync_error(r);
	CHECK(strstr(e, "re-sync from AWS failed: aws iot search-index failed (exit status 3): boom: "));
	CHECK(strstr(e, "next try in"));
	CHECK(strchr(e, '\033') == NULL);   /* its message is made safe */
	CHECK_INT(resync_done(r, NULL), 0);
	write_text(mode_path, "ok");
	until = time_mono_ms() + 5000;
	while (resync_done(r, NULL) == 0 && time_mono_ms() < until)
		turn(r, &s);
	CHECK_INT(resync_done(r, NULL), 1);
	CHECK_STR(resync_error(r), "");
	resync_destroy(r);

	const char *path = getenv("PATH");
	char *saved = xstrdup(path ? path : "");
	setenv("PATH", "/nonexistent", 1);
	r = start(60000, "ok");
	turn(r, &s);
	CHECK(strstr(resync_error(r), "the AWS CLI (aws) is not installed or not on PATH"));
	resync_destroy(r);
	setenv("PATH", saved, 1);
	free(saved);
}

static void test_one_at_a_time_and_stop(void)
{
	struct resync *r = start(150, "slow");
	struct seen s = {0};
	int64_t until = time_mono_ms() + 1000;   /* several intervals */
	while (time_mono_ms() < until)
		turn(r, &s);
	CHECK_INT(count_runs(), 1);
	FILE *f = fopen(pid_path, "r");
	int pid = 0;
	CHECK(f && fscanf(f, "%d", &pid) == 1);
	if (f)
		fclose(f);
	CHECK(pid > 0 && kill(pid, 0) == 0);
	resync_destroy(r);
	/* Killed and reaped: not even a zombie answers. */
	CHECK(pid > 0 && kill(pid, 0) == -1 && errno == ESRCH);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	char script[300];
	snprintf(script, sizeof script, "%s/aws", dir);
	snprintf(mode_path, sizeof mode_path, "%s/mode", dir);
	snprintf(count_path, sizeof count_path, "%s/count", dir);
	snprintf(pid_path, sizeof pid_path, "%s/pid", dir);
	write_text(script, fake);
	chmod(script, 0755);
	setenv("FAKE_DIR", dir, 1);
	const char *path = getenv("PATH");
	char *with = xasprintf("%s:%s", dir, path ? path : "");
	setenv("PATH", with, 1);
	free(with);

	test_pages();
	test_failure_and_retry();
	test_one_at_a_time_and_stop();

	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return check_summary();
}
