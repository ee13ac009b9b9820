/* The alerts' outside world: the `alerts` list of a real config file,
 * rows in a real journal, real /bin/sh commands (exit codes, timeouts,
 * output), and the metrics file. */
#include "build_config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert_delivery.h"
#include "alert_service.h"
#include "check.h"
#include "config.h"
#include "journal_alerts.h"
#include "metrics.h"
#include "temp_dir.h"
#include "timefmt.h"

#define SEC INT64_C(1000)

static char *write_file(const char *name, const char *text)
{
	char *path = new_path(name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_config(void)
{
	char *path = write_file("a.conf",
		"alerts = (\n"
		"  { name = \"device-offline\"; filter = \"status:disconnected !reason:CLIENT_INITIATED_DISCONNECT\";\n"
		"    for = \"5m\"; command = \"cat > /dev/null\"; },\n"
		"  { name = \"quick\"; filter = \"status:unknown\"; for = 2; group_wait = \"1s\";\n"
		"    group_interval = \"2s\"; repeat_interval = \"1h\"; max_alerts = 7; timeout = \"500ms\"; }\n"
		");\n"
		"metrics = { file = \"/tmp/x.prom\"; interval = \"30s\"; };\n");
	struct config c;
	char *cause = NULL;
	config_defaults(&c);
	CHECK_INT(c.alert_count, 0);
	CHECK(c.metrics.file == NULL);
	CHECK(config_read_path(&c, path, &cause));
	if (cause)
		fprintf(stderr, "%s\n", cause);
	CHECK_INT(c.alert_count, 2);
	if (c.alert_count == 2) {
		CHECK_STR(c.alerts[0].name, "device-offline");
		CHECK_INT(c.alerts[0].for_ms, 300 * SEC);
		CHECK_INT(c.alerts[0].group_wait_ms, 10 * SEC);
		CHECK_INT(c.alerts[0].group_interval_ms, 60 * SEC);
		CHECK_INT(c.alerts[0].repeat_interval_ms, 4 * 3600 * SEC);
		CHECK_INT(c.alerts[0].max_alerts, 100);
		CHECK_STR(c.alerts[0].command, "cat > /dev/null");
		CHECK_INT(c.alerts[1].for_ms, 2 * SEC);
		CHECK_INT(c.alerts[1].group_wait_ms, SEC);
		CHECK_INT(c.alerts[1].group_interval_ms, 2 * SEC);
		CHECK_INT(c.alerts[1].repeat_interval_ms, 3600 * SEC);
		CHECK_INT(c.alerts[1].max_alerts, 7);
		CHECK_INT(c.alerts[1].timeout_ms, 500);
		CHECK(c.alerts[1].command == NULL);
	}
	CHECK_STR(c.metrics.file, "/tmp/x.prom");
	CHECK_INT(c.metrics.interval_ms, 30 * SEC);
	config_finish(&c);
	free(path);

	static const struct { const char *text, *want; } bad[] = {
		{ "alerts = ( { name = \"x\"; filter = \"stauts:up\"; } );\n", ":1: alerts rule x: filter" },
		{ "alerts = ( { name = \"x\"; filter = \"a\"; fro = \"1m\"; } );\n", "unknown setting fro" },
		{ "alerts = ( { filter = \"a\"; } );\n", "needs a name" },
		{ "alerts = ( { name = \"x\"; filter = \"a\"; for = \"soon\"; } );\n", "for: expected a duration" },
		{ "alerts = ( { name = \"x\"; filter = \"a\"; },\n { name = \"x\"; filter = \"b\"; } );\n",
		  ":2: alerts: two rules named x" },
		{ "alerts = { name = \"x\"; };\n", "expected a list" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		path = write_file("bad.conf", bad[i].text);
		config_defaults(&c);
		cause = NULL;
		CHECK(!config_read_path(&c, path, &cause));
		CHECK(cause && strstr(cause, bad[i].want));
		if (cause && !strstr(cause, bad[i].want))
			fprintf(stderr, "got: %s\n", cause);
		free(cause);
		config_finish(&c);
		free(path);
	}
}

/* Runs the delivery until the first result. */
static bool wait_result(struct alert_delivery *d, struct alert_delivery_result *r)
{
	for (int i = 0; i < 1000; i++) {
		alert_delivery_poll(d, time_mono_ms());
		if (alert_delivery_take_result(d, r))
			return true;
		usleep(10000);
	}
	return false;
}

static void test_delivery(void)
{
	struct alert_delivery *d = alert_delivery_create();
	char *out = new_path("stdin.json");
	/* A payload larger than a pipe's buffer arrives whole. */
	size_t len = 300000;
	char *payload = malloc(len + 1);
	for (size_t i = 0; i < len; i++)
		payload[i] = (char)('a' + i % 26);
	payload[len] = '\0';
	char *expect = strdup(payload);
	char *cmd = NULL;
	CHECK(asprintf(&cmd, "cat > '%s'; echo done", out) > 0);
	alert_delivery_submit(d, 0, cmd, payload, 5000, time_mono_ms());
	struct alert_delivery_result r;
	CHECK(wait_result(d, &r));
	CHECK(r.ok && r.final);
	CHECK_INT(r.attempt, 1);
	char *got = read_all(out);
	CHECK(got && strcmp(got, expect) == 0);
	free(got);
	free(cmd);

	/* A failure is retried after a back-off, and its output is kept. */
	alert_delivery_submit(d, 1, "echo 'no route' >&2; exit 7", strdup("[]"), 5000, time_mono_ms());
	CHECK(wait_result(d, &r));
	CHECK(!r.ok && !r.final);
	CHECK_INT(r.rule, 1);
	CHECK_INT(r.retry_in_ms, 1000);
	CHECK(strstr(r.message, "exit status 7") && strstr(r.message, "no route"));
	CHECK_INT(alert_delivery_active(d), 1);
	int64_t due = alert_delivery_next_due(d, time_mono_ms());
	CHECK(due > time_mono_ms() + 500);
	CHECK(wait_result(d, &r));
	CHECK_INT(r.attempt, 2);
	CHECK_INT(r.retry_in_ms, 2000);
	alert_delivery_destroy(d);

	/* A hanging command (and what it started) is killed at the timeout. */
	d = alert_delivery_create();
	int64_t start = time_mono_ms();
	alert_delivery_submit(d, 0, "sleep 30; echo late", strdup("[]"), 300, start);
	CHECK(wait_result(d, &r));
	CHECK(!r.ok);
	CHECK(strstr(r.message, "timeout") != NULL);
	CHECK(time_mono_ms() - start < 5000);
	alert_delivery_destroy(d);
	free(out);
	free(expect);
}

static bool collect(void *ctx, const struct journal_alert_row *row)
{
	struct journal_alert_row *rows = ctx;
	for (int i = 0; i < 8; i++) {
		if (rows[i].rule == NULL) {
			rows[i] = *row;
			rows[i].rule = strdup(row->rule);
			rows[i].client_id = strdup(row->client_id);
			return true;
		}
	}
	return false;
}

static void free_rows(struct journal_alert_row *rows)
{
	for (int i = 0; i < 8; i++) {
		free((char *)rows[i].rule);
		free((char *)rows[i].client_id);
	}
	memset(rows, 0, 8 * sizeof *rows);
}

static void append_event(struct journal *j, struct fleet *f, enum event_type type,
                         const char *client, int version, int64_t at)
{
	struct event ev;
	char payload[256];
	snprintf(payload, sizeof payload,
	         "{\"clientId\":\"%s\",\"timestamp\":%lld,\"eventType\":\"%s\",\"sessionIdentifier\":\"s-%s-%d\","
	         "\"versionNumber\":%d%s}", client, (long long)at, type == EVENT_CONNECTED ? "connected" : "disconnected",
	         client, version, version, type == EVENT_DISCONNECTED ? ",\"disconnectReason\":\"CONNECTION_LOST\"" : "");
	event_parse(NULL, payload, strlen(payload), &ev);
	struct fleet_event fe;
	struct fleet_result res;
	uint64_t seq = journal_next_seq(j);
	fleet_event_from_event(&ev, at, seq, &fe);
	fleet_apply(f, &fe, &res);
	struct journal_record rec = {
		.received_ms = at, .payload = payload, .payload_len = strlen(payload), .event = &ev,
		.thing_id = res.thing_id, .new_thing = res.new_thing,
	};
	journal_append(j, &rec);
}

/* The service end to end on a real journal: fires, runs the command,
 * journals; a second service on the same journal (a restart) knows the
 * alert fires and does not send it again. */
static void test_service_restart(void)
{
	char *jpath = new_path("j.db");
	char *out = new_path("sent.json");
	char *cmd = NULL;
	CHECK(asprintf(&cmd, "cat >> '%s'; echo >> '%s'", out, out) > 0);
	struct config c;
	config_defaults(&c);
	c.reconcile.settle_ms = 0;
	c.alerts = calloc(1, sizeof *c.alerts);
	c.alert_count = 1;
	c.alerts[0] = (struct config_alert){
		.name = strdup("offline"), .filter = strdup("status:disconnected"), .command = cmd,
		.for_ms = 2 * SEC, .group_wait_ms = 0, .group_interval_ms = SEC,
		.repeat_interval_ms = 3600 * SEC, .timeout_ms = 5 * SEC, .max_alerts = 100,
	};
	struct journal *j = open_rw(jpath);
	struct fleet *f = fleet_create(&c.reconcile);
	int64_t t0 = time_now_ms() - 60 * SEC;
	append_event(j, f, EVENT_CONNECTED, "dev-a", 1, t0);
	append_event(j, f, EVENT_DISCONNECTED, "dev-a", 1, t0 + SEC);
	append_event(j, f, EVENT_CONNECTED, "dev-b", 1, t0);
	CHECK(journal_flush(j, NULL));
	char *cause = NULL;
	struct alert_service *s = alert_service_create(&c, f, j, true, &cause);
	CHECK(s != NULL);
	for (int i = 0; i < 300 && s; i++) {
		alert_service_tick(s, time_now_ms());
		if (alert_service_stats(s)->runs > 0)
			break;
		usleep(10000);
	}
	CHECK_INT(alerts_firing_count(alert_service_alerts(s)), 1);
	CHECK_INT(alert_service_stats(s)->runs, 1);
	CHECK_INT(alert_service_stats(s)->failures, 0);
	char line[512];
	CHECK(alert_service_take_log(s, line, sizeof line, NULL) && strstr(line, "sending 1 firing"));
	alert_service_destroy(s);
	char *sent = read_all(out);
	CHECK(sent && strstr(sent, "\"client_id\":\"dev-a\"") && !strstr(sent, "dev-b"));
	struct journal_alert_row rows[8] = {{0}};
	CHECK(journal_alerts_scan(j, true, 0, 0, collect, rows, NULL));
	CHECK_STR(rows[0].rule, "offline");
	CHECK_STR(rows[0].client_id, "dev-a");
	CHECK_INT(rows[0].started_ms, t0 + SEC);
	CHECK(rows[0].fired_ms >= t0 + 3 * SEC && rows[0].sent_ms >= rows[0].fired_ms);
	CHECK_INT(rows[0].resolved_ms, 0);
	CHECK(rows[1].rule == NULL);
	free_rows(rows);

	/* Restart: still firing, nothing sent again. */
	s = alert_service_create(&c, f, j, true, &cause);
	for (int i = 0; i < 50 && s; i++) {
		alert_service_tick(s, time_now_ms());
		usleep(10000);
	}
	CHECK_INT(alerts_firing_count(alert_service_alerts(s)), 1);
	CHECK_INT(alert_service_stats(s)->runs, 0);
	/* It reconnects: resolved, sent, journaled. */
	append_event(j, f, EVENT_CONNECTED, "dev-a", 2, time_now_ms());
	alert_service_event(s, fleet_find(f, "dev-a")->id, time_now_ms());
	for (int i = 0; i < 300 && alert_service_stats(s)->runs == 0; i++) {
		alert_service_tick(s, time_now_ms());
		usleep(10000);
	}
	CHECK_INT(alerts_firing_count(alert_service_alerts(s)), 0);
	CHECK_INT(alert_service_stats(s)->runs, 1);
	alert_service_destroy(s);
	free(sent);
	sent = read_all(out);
	CHECK(sent && strstr(sent, "\"endsAt\""));
	CHECK(journal_alerts_scan(j, false, 0, 0, collect, rows, NULL));
	CHECK(rows[0].resolved_ms > rows[0].fired_ms);
	free_rows(rows);
	CHECK(journal_alerts_scan(j, true, 0, 0, collect, rows, NULL));
	CHECK(rows[0].rule == NULL);
	free(sent);
	fleet_destroy(f);
	journal_close(j);
	config_finish(&c);
	free(jpath);
	free(out);
}

static void test_metrics(void)
{
	struct fleet *f = fleet_create(NULL);
	struct metrics *m = metrics_create();
	const char *events[] = {
		"{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\",\"sessionIdentifier\":\"s\",\"versionNumber\":1}",
		"{\"clientId\":\"a\",\"timestamp\":2,\"eventType\":\"disconnected\",\"sessionIdentifier\":\"s\",\"versionNumber\":1,\"disconnectReason\":\"CONNECTION_LOST\"}",
		"{\"clientId\":\"b\",\"timestamp\":2,\"eventType\":\"connected\",\"sessionIdentifier\":\"t\",\"versionNumber\":1}",
		"{\"clientId\":\"c\\\"\\n\",\"timestamp\":2,\"eventType\":\"disconnected\",\"sessionIdentifier\":\"u\",\"versionNumber\":1,\"disconnectReason\":\"we\\\"ird\\n\"}",
		"not json",
	};
	for (size_t i = 0; i < 5; i++) {
		struct event ev;
		event_parse(NULL, events[i], strlen(events[i]), &ev);
		struct fleet_event fe;
		fleet_event_from_event(&ev, 1000 + (int64_t)i, i + 1, &fe);
		fleet_apply(f, &fe, NULL);
		metrics_count(m, &ev, 1000 + (int64_t)i);
	}
	char *path = new_path("m.prom");
	struct metrics_input in = { .fleet = f, .broker = "h:1", .mqtt_connected = true };
	char *cause = NULL;
	CHECK(metrics_write(m, &in, path, &cause));
	char *text = read_all(path);
	CHECK(text && strstr(text, "thingtop_things{status=\"connected\"} 1\n"));
	CHECK(text && strstr(text, "thingtop_things{status=\"disconnected\"} 2\n"));
	CHECK(text && strstr(text, "thingtop_events_total{type=\"connected\"} 2\n"));
	CHECK(text && strstr(text, "thingtop_events_total{type=\"reject\"} 1\n"));
	CHECK(text && strstr(text, "thingtop_rejects_total{reason=\"bad_json\"} 1\n"));
	CHECK(text && strstr(text, "thingtop_disconnects_total{reason=\"CONNECTION_LOST\"} 1\n"));
	CHECK(text && strstr(text, "thingtop_disconnects_total{reason=\"we\\\"ird\\n\"} 1\n"));
	CHECK(text && strstr(text, "thingtop_thing_disconnects 2\n"));
	CHECK(text && strstr(text, "thingtop_mqtt_connected{broker=\"h:1\"} 1\n"));
	CHECK(text && strstr(text, "thingtop_last_event_timestamp_seconds 1.004\n"));
	free(text);
	/* No temp file is left behind. */
	char *tmp = NULL;
	CHECK(asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) > 0);
	CHECK(access(tmp, F_OK) != 0);
	free(tmp);
	free(path);
	metrics_destroy(m);
	fleet_destroy(f);
}

int main(void)
{
	if (temp_dir_create("alert-io") != 0)
		return 1;
	RUN(test_config);
	RUN(test_delivery);
	RUN(test_service_restart);
	RUN(test_metrics);
	temp_dir_remove();
	return check_summary();
}
