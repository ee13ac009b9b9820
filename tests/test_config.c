/* Config: defaults, every kind of setting, the lookup order, the aws
 * shortcut, --broker parsing, and error messages with file, line, setting
 * and a "did you mean". */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"

static char dir[] = "/tmp/thingtop-test-config-XXXXXX";

static char *write_file(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_defaults(void)
{
	struct config c;
	config_defaults(&c);
	CHECK_STR(c.broker.host, "localhost");
	CHECK_INT(c.broker.port, 1883);
	CHECK_INT(c.broker.qos, 1);
	CHECK_INT(c.broker.keepalive, 60);
	CHECK_INT(c.broker.protocol, CONFIG_MQTT_311);
	CHECK(!c.broker.clean_session);
	CHECK(!c.tls.enabled);
	CHECK_INT(c.topic_count, 2);
	CHECK_STR(c.topics[0], "$aws/events/presence/#");
	CHECK_STR(c.topics[1], "$aws/events/subscriptions/#");
	CHECK_INT(c.reconcile.order_window_ms, 30 * 60 * 1000);
	CHECK_INT(c.reconcile.settle_ms, 10 * 1000);
	CHECK_INT(c.reconcile.flap_sessions, 5);
	CHECK_INT(c.reconcile.flap_window_ms, 10 * 60 * 1000);
	CHECK(!c.ui.mouse);
	CHECK(c.broker.client_id == NULL);
	CHECK_INT(c.journal.mode, 0600);
	config_finish(&c);
}

static void test_full_file(void)
{
	const char *path = write_file("full.conf",
		"broker: {\n"
		"  host = \"mqtt.example.net\";\n"
		"  port = 8884;\n"
		"  client_id = \"me\";\n"
		"  keepalive = 30;\n"
		"  protocol = \"5\";\n"
		"  qos = 0;\n"
		"  username = \"u\";\n"
		"  password = \"p\";\n"
		"  clean_session = true;\n"
		"};\n"
		"tls: { ca_file = \"/ca.pem\"; alpn = \"mqtt\"; version = \"tlsv1.3\"; insecure = true; };\n"
		"topics = [ \"a/#\", \"b/+\" ];\n"
		"journal: { path = \"/j.db\"; retain = \"30d\"; max_size = \"2G\"; mode = \"0640\"; };\n"
		"reconcile: { order_window = \"20m\"; settle = 5; flap_sessions = 3; flap_window = \"5m\"; };\n"
		"ui: { theme = \"light\"; refresh_hz = 20; mouse = true; ascii = true; color = \"never\"; };\n");
	struct config c;
	char *cause = NULL;
	config_defaults(&c);
	CHECK(config_read_path(&c, path, &cause));
	CHECK(cause == NULL);
	CHECK_STR(c.broker.host, "mqtt.example.net");
	CHECK_INT(c.broker.port, 8884);
	CHECK_STR(c.broker.client_id, "me");
	CHECK_INT(c.broker.keepalive, 30);
	CHECK_INT(c.broker.protocol, CONFIG_MQTT_5);
	CHECK_INT(c.broker.qos, 0);
	CHECK_STR(c.broker.username, "u");
	CHECK_STR(c.broker.password, "p");
	CHECK(c.broker.clean_session);
	CHECK(c.tls.enabled); /* implied by tls settings */
	CHECK_STR(c.tls.ca_file, "/ca.pem");
	CHECK_STR(c.tls.alpn, "mqtt");
	CHECK_STR(c.tls.version, "tlsv1.3");
	CHECK(c.tls.insecure);
	CHECK_INT(c.topic_count, 2);
	CHECK_STR(c.topics[1], "b/+");
	CHECK_STR(c.journal.path, "/j.db");
	CHECK_INT(c.journal.retain_ms, 30LL * 24 * 3600 * 1000);
	CHECK_INT(c.journal.max_size, 2LL << 30);
	CHECK_INT(c.journal.mode, 0640);
	CHECK_INT(c.reconcile.order_window_ms, 20 * 60 * 1000);
	CHECK_INT(c.reconcile.settle_ms, 5000);
	CHECK_INT(c.reconcile.flap_sessions, 3);
	CHECK_INT(c.reconcile.flap_window_ms, 5 * 60 * 1000);
	CHECK_STR(c.ui.theme, "light");
	CHECK_INT(c.ui.refresh_hz, 20);
	CHECK(c.ui.mouse);
	CHECK(c.ui.ascii);
	CHECK_INT(c.ui.color, CONFIG_COLOR_NEVER);
	CHECK_STR(c.source_path, path);
	config_finish(&c);
}

static void test_tls_port_and_aws(void)
{
	struct config c;
	config_defaults(&c);
	CHECK(config_read_path(&c, write_file("tls.conf", "tls: { ca_file = \"/x.pem\"; };\n"), NULL));
	CHECK_INT(c.broker.port, 8883); /* TLS without a port: the MQTT TLS port */
	config_finish(&c);

	config_defaults(&c);
	CHECK(config_read_path(&c, write_file("aws.conf", "aws: { endpoint = \"abc-ats.iot.eu-west-1.amazonaws.com\"; };\n"), NULL));
	CHECK_STR(c.broker.host, "abc-ats.iot.eu-west-1.amazonaws.com");
	CHECK_INT(c.broker.port, 443);
	CHECK_STR(c.tls.alpn, "x-amzn-mqtt-ca");
	CHECK_STR(c.tls.ca_file, "/etc/ssl/certs/Amazon_Root_CA_1.pem");
	CHECK(c.tls.enabled);
	config_finish(&c);

	/* An explicit port wins over the shortcut; port 8883 needs no ALPN. */
	config_defaults(&c);
	CHECK(config_read_path(&c, write_file("aws2.conf",
		"aws: { endpoint = \"abc-ats.iot.eu-west-1.amazonaws.com\"; };\nbroker: { port = 8883; };\n"), NULL));
	CHECK_INT(c.broker.port, 8883);
	CHECK(c.tls.alpn == NULL);
	config_finish(&c);
}

static void expect_error(const char *name, const char *text, const char *want)
{
	struct config c;
	char *cause = NULL;
	config_defaults(&c);
	const char *path = write_file(name, text);
	CHECK(!config_read_path(&c, path, &cause));
	char full[512];
	snprintf(full, sizeof full, "%s:%s", path, want);
	CHECK_STR(cause, full);
	free(cause);
	config_finish(&c);
}

/* The AWS CLI settings of `thingtop sync`. */
static void test_aws_cli(void)
{
	struct config c;
	char *cause = NULL;
	config_defaults(&c);
	CHECK(c.aws.profile == NULL && c.aws.region == NULL);
	CHECK_INT(c.aws.cli_arg_count, 0);
	const char *path = write_file("aws.conf",
		"aws: {\n"
		"  profile = \"ops\";\n"
		"  region = \"eu-west-1\";\n"
		"  cli_args = [ \"--endpoint-url\", \"http://localhost:4566\" ];\n"
		"};\n");
	CHECK(config_read_path(&c, path, &cause));
	CHECK_STR(c.aws.profile, "ops");
	CHECK_STR(c.aws.region, "eu-west-1");
	CHECK_INT(c.aws.cli_arg_count, 2);
	CHECK_STR(c.aws.cli_args[1], "http://localhost:4566");
	free(cause);
	cause = NULL;
	path = write_file("aws-bad.conf", "aws: { cli_args = \"--endpoint-url x\"; };\n");
	CHECK(!config_read_path(&c, path, &cause));
	CHECK(cause && strstr(cause, "aws-bad.conf:1: aws.cli_args: expected a list of strings"));
	/* The earlier value is kept. */
	CHECK_INT(c.aws.cli_arg_count, 2);
	free(cause);
	cause = NULL;
	path = write_file("aws-bad2.conf", "aws: { cli_args = ( \"a\", 3 ); };\n");
	CHECK(!config_read_path(&c, path, &cause));
	CHECK(cause && strstr(cause, "element 2 is not a string"));
	free(cause);
	cause = NULL;
	/* The re-sync of record and the monitor: off unless set. */
	CHECK_INT(c.aws.sync_interval_ms, 0);
	path = write_file("aws-sync.conf", "aws: { sync_interval = \"15m\"; };\n");
	CHECK(config_read_path(&c, path, &cause));
	CHECK(c.aws.sync_interval_ms == 15 * 60 * 1000);
	path = write_file("aws-sync-bad.conf", "aws: { sync_interval = \"often\"; };\n");
	CHECK(!config_read_path(&c, path, &cause));
	CHECK(cause && strstr(cause, "aws.sync_interval: \"often\" is not a duration"));
	free(cause);
	config_finish(&c);
}

static void test_errors(void)
{
	expect_error("e1.conf", "broker: {\n  host = \"h\";\n  hots = \"x\";\n};\n",
	             "3: unknown setting broker.hots (did you mean broker.host?)");
	expect_error("e2.conf", "\nbroker: { port = \"1883\"; };\n",
	             "2: broker.port: expected an integer, got a string");
	expect_error("e3.conf", "brokre: { port = 1; };\n",
	             "1: unknown section brokre (did you mean broker?)");
	expect_error("e4.conf", "broker: { qos = 3; };\n",
	             "1: broker.qos: 3 is out of range (0 to 2)");
	expect_error("e5.conf", "reconcile: {\n settle = \"soon\";\n};\n",
	             "2: reconcile.settle: \"soon\" is not a duration (like \"30s\", \"10m\", \"2h\", \"30d\")");
	expect_error("e6.conf", "ui: { mouse = 1; };\n",
	             "1: ui.mouse: expected true or false, got an integer");
	expect_error("e7.conf", "zzzzzz = 1;\n", "1: unknown setting zzzzzz");
	expect_error("m1.conf", "journal: { mode = 640; };\n",
	             "1: journal.mode: expected an octal file mode in quotes, like \"0640\"");
	expect_error("m2.conf", "journal: { mode = \"0698\"; };\n",
	             "1: journal.mode: expected an octal file mode in quotes, like \"0640\"");
	expect_error("m3.conf", "journal: { mode = \"0666\"; };\n",
	             "1: journal.mode: \"0666\": the owner needs read and write, and nobody may "
	             "write or execute a journal (like \"0600\" or \"0640\")");
	expect_error("m4.conf", "journal: { mode = \"0440\"; };\n",
	             "1: journal.mode: \"0440\": the owner needs read and write, and nobody may "
	             "write or execute a journal (like \"0600\" or \"0640\")");
	/* A syntax error comes with libconfig's line. */
	struct config c;
	char *cause = NULL;
	config_defaults(&c);
	CHECK(!config_read_path(&c, write_file("e8.conf", "broker: {\n host = \"h\";\n port = ;\n};\n"), &cause));
	CHECK(cause && strstr(cause, "e8.conf:3: ") != NULL);
	free(cause);
	config_finish(&c);
}

static char *read_error(const char *path)
{
	struct config c;
	char *cause = NULL;
	config_defaults(&c);
	CHECK(!config_read_path(&c, path, &cause));
	config_finish(&c);
	return cause ? cause : strdup("(no error)");
}

/* Files libconfig must never see: a folder (its scanner would end the
 * program), an include of one, a missing include, over 1 MiB, too many
 * settings; each a one-line error naming the file. */
static void test_file_checks(void)
{
	char path[300], want[700];
	snprintf(path, sizeof path, "%s/folder.conf", dir);
	CHECK(mkdir(path, 0700) == 0);
	char *cause = read_error(path);
	snprintf(want, sizeof want, "%s: is a folder, not a config file", path);
	CHECK_STR(cause, want);
	free(cause);

	char text[400];
	snprintf(text, sizeof text, "broker: { qos = 0; };\n\n@include \"%s\"\n", path);
	const char *inc = write_file("inc.conf", text);
	cause = read_error(inc);
	snprintf(want, sizeof want, "%s:3: @include \"%s\": is a folder, not a config file", inc, path);
	CHECK_STR(cause, want);
	free(cause);

	snprintf(text, sizeof text, "# \"quoted\" @include \"nowhere\" in a comment\n"
	         "@include \"%s/missing.conf\"\n", dir);
	inc = write_file("inc2.conf", text);
	cause = read_error(inc);
	snprintf(want, sizeof want, "%s:2: @include \"%s/missing.conf\": No such file or directory",
	         inc, dir);
	CHECK_STR(cause, want);
	free(cause);

	/* An include that includes itself: stopped, not a crash. */
	snprintf(path, sizeof path, "%s/loop.conf", dir);
	snprintf(text, sizeof text, "@include \"%s\"\n", path);
	write_file("loop.conf", text);
	cause = read_error(path);
	CHECK(strstr(cause, "nested more than 10 deep") != NULL);
	free(cause);

	/* A good include still works. */
	write_file("part.conf", "ui: { refresh_hz = 7; };\n");
	snprintf(text, sizeof text, "@include \"%s/part.conf\"\nbroker: { qos = 2; };\n", dir);
	struct config c;
	config_defaults(&c);
	CHECK(config_read_path(&c, write_file("good.conf", text), NULL));
	CHECK_INT(c.ui.refresh_hz, 7);
	CHECK_INT(c.broker.qos, 2);
	config_finish(&c);

	/* A syntax error inside an include names the included file. */
	write_file("part-bad.conf", "\nui: { mouse = ; };\n");
	snprintf(text, sizeof text, "# main\n@include \"%s/part-bad.conf\"\n", dir);
	cause = read_error(write_file("main-bad.conf", text));
	snprintf(want, sizeof want, "%s/part-bad.conf:2: syntax error", dir);
	CHECK_STR(cause, want);
	free(cause);
}

/* Size and setting limits; a large file of a legal shape parses. */
static void test_file_limits(void)
{
	size_t big = CONFIG_FILE_MAX + 1;
	char *text = malloc(big + 1);
	memset(text, '#', big);
	text[big] = '\0';
	const char *path = write_file("huge.conf", text);
	char *cause = read_error(path);
	char want[400];
	snprintf(want, sizeof want, "%s: %zu bytes, over the %d-byte limit for a config file", path,
	         big, CONFIG_FILE_MAX);
	CHECK_STR(cause, want);
	free(cause);

	/* 80,000 settings (libconfig alone takes half a minute on them). */
	size_t len = 0;
	for (int i = 0; i < 80000; i++)
		len += (size_t)snprintf(text + len, big + 1 - len, "s%d=1;\n", i);
	path = write_file("many.conf", text);
	cause = read_error(path);
	snprintf(want, sizeof want, "%s:%d: more than %d settings: not a thingtop config", path,
	         CONFIG_SETTINGS_MAX + 1, CONFIG_SETTINGS_MAX);
	CHECK_STR(cause, want);
	free(cause);

	/* Just under 1 MiB: comments, then real settings; '=' in comments
	 * and strings is not counted. */
	len = 0;
	while (len < CONFIG_FILE_MAX - 4096)
		len += (size_t)snprintf(text + len, big + 1 - len, "# a = b; c: d = e\n");
	snprintf(text + len, big + 1 - len,
	         "broker: { host = \"a=b:c\"; qos = 0; };\nui: { refresh_hz = 5; };\n");
	struct config c;
	config_defaults(&c);
	CHECK(config_read_path(&c, write_file("large.conf", text), NULL));
	CHECK_STR(c.broker.host, "a=b:c");
	CHECK_INT(c.ui.refresh_hz, 5);
	config_finish(&c);
	free(text);
}

static void test_suggest(void)
{
	CHECK_STR(config_suggest("broker.hots"), "broker.host");
	CHECK_STR(config_suggest("keepalvie"), "broker.keepalive");
	CHECK_STR(config_suggest("tls.cafile"), "tls.ca_file");
	CHECK(config_suggest("completely.different") == NULL);
}

static void test_lookup(void)
{
	struct config c;
	char *cause = NULL;
	char xdg[300];
	snprintf(xdg, sizeof xdg, "%s/xdg", dir);
	mkdir(xdg, 0700);
	char sub[320];
	snprintf(sub, sizeof sub, "%s/thingtop", xdg);
	mkdir(sub, 0700);
	char file[340];
	snprintf(file, sizeof file, "%s/thingtop.conf", sub);
	FILE *f = fopen(file, "w");
	fputs("broker: { port = 1111; };\n", f);
	fclose(f);
	const char *env_path = write_file("env.conf", "broker: { port = 2222; };\n");
	char env_copy[256];
	snprintf(env_copy, sizeof env_copy, "%s", env_path);
	const char *explicit_path = write_file("explicit.conf", "broker: { port = 3333; };\n");
	char explicit_copy[256];
	snprintf(explicit_copy, sizeof explicit_copy, "%s", explicit_path);

	setenv("XDG_CONFIG_HOME", xdg, 1);
	unsetenv("THINGTOP_CONFIG");
	CHECK(config_load(&c, NULL, &cause));
	CHECK_INT(c.broker.port, 1111);
	config_finish(&c);

	setenv("THINGTOP_CONFIG", env_copy, 1);
	CHECK(config_load(&c, NULL, &cause));
	CHECK_INT(c.broker.port, 2222);
	config_finish(&c);

	CHECK(config_load(&c, explicit_copy, &cause));
	CHECK_INT(c.broker.port, 3333);
	config_finish(&c);

	/* A file named by the user must exist; the default one need not. */
	setenv("THINGTOP_CONFIG", "/nonexistent/x.conf", 1);
	CHECK(!config_load(&c, NULL, &cause));
	CHECK(cause && strstr(cause, "/nonexistent/x.conf") != NULL);
	free(cause);
	cause = NULL;
	config_finish(&c);
	unsetenv("THINGTOP_CONFIG");
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	CHECK(config_load(&c, NULL, &cause));
	CHECK_INT(c.broker.port, 1883);
	config_finish(&c);
}

static void test_broker_arg(void)
{
	struct config c;
	char *cause = NULL;
	config_defaults(&c);
	CHECK(config_apply_broker_arg(&c, "10.0.0.1:1999", &cause));
	CHECK_STR(c.broker.host, "10.0.0.1");
	CHECK_INT(c.broker.port, 1999);
	CHECK(config_apply_broker_arg(&c, "example.org", &cause));
	CHECK_STR(c.broker.host, "example.org");
	CHECK_INT(c.broker.port, 1999);
	CHECK(config_apply_broker_arg(&c, "[::1]:1884", &cause));
	CHECK_STR(c.broker.host, "::1");
	CHECK_INT(c.broker.port, 1884);
	CHECK(!config_apply_broker_arg(&c, "host:99999", &cause));
	CHECK(cause != NULL);
	free(cause);
	cause = NULL;
	CHECK(!config_apply_broker_arg(&c, ":1883", &cause));
	free(cause);
	config_finish(&c);
}

/* The connection flags win over the file; --aws-endpoint fills in what
 * they leave unset. */
static void test_flags(void)
{
	struct config c;
	config_defaults(&c);
	struct config_flags aws = { .aws_endpoint = "abc-ats.iot.eu-west-1.amazonaws.com", .qos = -1 };
	CHECK(config_apply_flags(&c, &aws, NULL));
	CHECK_STR(c.broker.host, "abc-ats.iot.eu-west-1.amazonaws.com");
	CHECK_INT(c.broker.port, 443);
	CHECK_STR(c.tls.alpn, "x-amzn-mqtt-ca");
	CHECK_STR(c.tls.ca_file, "/etc/ssl/certs/Amazon_Root_CA_1.pem");
	CHECK(c.tls.enabled);
	config_finish(&c);

	config_defaults(&c);
	struct config_flags own = { .aws_endpoint = "abc-ats.iot.eu-west-1.amazonaws.com",
	                            .cafile = "/tmp/my-ca.pem", .alpn = "mqtt", .qos = -1 };
	CHECK(config_apply_flags(&c, &own, NULL));
	CHECK_STR(c.tls.ca_file, "/tmp/my-ca.pem");
	CHECK_STR(c.tls.alpn, "mqtt");
	config_finish(&c);

	config_defaults(&c);
	struct config_flags tls = { .broker = "broker.example", .cert = "/tmp/c.pem", .key = "/tmp/k.pem",
	                            .protocol = "mqttv5", .qos = 0 };
	CHECK(config_apply_flags(&c, &tls, NULL));
	CHECK_INT(c.broker.port, 8883);      /* TLS asked for, no port given */
	CHECK(c.tls.enabled);
	CHECK_STR(c.tls.cert_file, "/tmp/c.pem");
	CHECK_INT(c.broker.protocol, CONFIG_MQTT_5);
	CHECK_INT(c.broker.qos, 0);
	config_finish(&c);

	config_defaults(&c);
	struct config_flags port = { .broker = "broker.example:1883", .cafile = "/tmp/ca.pem", .qos = -1 };
	CHECK(config_apply_flags(&c, &port, NULL));
	CHECK_INT(c.broker.port, 1883);      /* a port given stays */
	config_finish(&c);

	config_defaults(&c);
	char *cause = NULL;
	struct config_flags bad = { .protocol = "4", .qos = -1 };
	CHECK(!config_apply_flags(&c, &bad, &cause));
	CHECK(cause && strstr(cause, "-V 4"));
	free(cause);
	config_finish(&c);
}

static void test_client_id(void)
{
	char *a = config_make_client_id();
	char *b = config_make_client_id();
	CHECK(strncmp(a, "thingtop-", 9) == 0);
	CHECK(strcmp(a, b) != 0); /* random part */
	free(a);
	free(b);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(test_defaults);
	RUN(test_full_file);
	RUN(test_tls_port_and_aws);
	RUN(test_aws_cli);
	RUN(test_errors);
	RUN(test_file_checks);
	RUN(test_file_limits);
	RUN(test_suggest);
	RUN(test_lookup);
	RUN(test_broker_arg);
	RUN(test_client_id);
	RUN(test_flags);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_summary();
}
