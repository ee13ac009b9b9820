/* Settings from a libconfig file. Every setting is in one table, so the
 * reader, the unknown-name check and the "did you mean" hint agree. */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timefmt.h"
#include "text.h"
#include "xalloc.h"

enum setting_kind {
	KIND_STRING,
	KIND_INT,       /* with min/max */
	KIND_BOOL,
	KIND_DURATION,  /* "10m", "45s", or an integer of seconds */
	KIND_SIZE,      /* "512M", "2G", or an integer of bytes */
	KIND_PROTOCOL,  /* "3.1.1" or "5" (or 4, 5) */
	KIND_COLOR,     /* "auto", "always", "never" */
	KIND_TOPICS,    /* a list or array of strings */
	KIND_MODE,      /* file permissions as an octal string, "0640" */
	KIND_ARGS,      /* a list or array of command-line arguments (aws.cli_args) */
};

struct setting {
	const char *name;       /* full dotted name */
	enum setting_kind kind;
	size_t offset;          /* into struct config */
	long long min, max;
};

#define OFF(field) offsetof(struct config, field)

static const struct setting settings[] = {
	{ "broker.host", KIND_STRING, OFF(broker.host), 0, 0 },
	{ "broker.port", KIND_INT, OFF(broker.port), 1, 65535 },
	{ "broker.client_id", KIND_STRING, OFF(broker.client_id), 0, 0 },
	{ "broker.keepalive", KIND_INT, OFF(broker.keepalive), 5, 65535 },
	{ "broker.protocol", KIND_PROTOCOL, OFF(broker.protocol), 0, 0 },
	{ "broker.qos", KIND_INT, OFF(broker.qos), 0, 2 },
	{ "broker.username", KIND_STRING, OFF(broker.username), 0, 0 },
	{ "broker.password", KIND_STRING, OFF(broker.password), 0, 0 },
	{ "broker.clean_session", KIND_BOOL, OFF(broker.clean_session), 0, 0 },
	{ "broker.connections", KIND_INT, OFF(broker.connections), 1, CONFIG_CONNECTIONS_MAX },
	{ "broker.share_group", KIND_STRING, OFF(broker.share_group), 0, 0 },
	{ "broker.max_rate", KIND_INT, OFF(broker.max_rate), 1, 1000000 },
	{ "tls.enabled", KIND_BOOL, OFF(tls.enabled), 0, 0 },
	{ "tls.ca_file", KIND_STRING, OFF(tls.ca_file), 0, 0 },
	{ "tls.ca_path", KIND_STRING, OFF(tls.ca_path), 0, 0 },
	{ "tls.cert_file", KIND_STRING, OFF(tls.cert_file), 0, 0 },
	{ "tls.key_file", KIND_STRING, OFF(tls.key_file), 0, 0 },
	{ "tls.alpn", KIND_STRING, OFF(tls.alpn), 0, 0 },
	{ "tls.server_name", KIND_STRING, OFF(tls.server_name), 0, 0 },
	{ "tls.version", KIND_STRING, OFF(tls.version), 0, 0 },
	{ "tls.insecure", KIND_BOOL, OFF(tls.insecure), 0, 0 },
	{ "aws.endpoint", KIND_STRING, OFF(aws_endpoint), 0, 0 },
	{ "aws.profile", KIND_STRING, OFF(aws.profile), 0, 0 },
	{ "aws.region", KIND_STRING, OFF(aws.region), 0, 0 },
	{ "aws.cli_args", KIND_ARGS, OFF(aws.cli_args), 0, 0 },
	{ "aws.sync_interval", KIND_DURATION, OFF(aws.sync_interval_ms), 0, 0 },
	{ "topics", KIND_TOPICS, OFF(topics), 0, 0 },
	{ "journal.path", KIND_STRING, OFF(journal.path), 0, 0 },
	{ "journal.retain", KIND_DURATION, OFF(journal.retain_ms), 0, 0 },
	{ "journal.max_size", KIND_SIZE, OFF(journal.max_size), 0, 0 },
	{ "journal.mode", KIND_MODE, OFF(journal.mode), 0, 0 },
	{ "reconcile.order_window", KIND_DURATION, OFF(reconcile.order_window_ms), 0, 0 },
	{ "reconcile.settle", KIND_DURATION, OFF(reconcile.settle_ms), 0, 0 },
	{ "reconcile.flap_sessions", KIND_INT, OFF(reconcile.flap_sessions), 1, FLEET_FLAP_MAX - 1 },
	{ "reconcile.flap_window", KIND_DURATION, OFF(reconcile.flap_window_ms), 0, 0 },
	{ "ui.theme", KIND_STRING, OFF(ui.theme), 0, 0 },
	{ "ui.columns", KIND_STRING, OFF(ui.columns), 0, 0 },
	{ "ui.refresh_hz", KIND_INT, OFF(ui.refresh_hz), 1, 60 },
	{ "ui.mouse", KIND_BOOL, OFF(ui.mouse), 0, 0 },
	{ "ui.ascii", KIND_BOOL, OFF(ui.ascii), 0, 0 },
	{ "ui.color", KIND_COLOR, OFF(ui.color), 0, 0 },
	{ "metrics.file", KIND_STRING, OFF(metrics.file), 0, 0 },
	{ "metrics.interval", KIND_DURATION, OFF(metrics.interval_ms), 0, 0 },
};
#define SETTING_COUNT (sizeof settings / sizeof settings[0])

static const char *const groups[] = { "broker", "tls", "aws", "journal", "reconcile", "ui", "metrics" };
#define GROUP_COUNT (sizeof groups / sizeof groups[0])

static const char *const default_topics[] = {
	"$aws/events/presence/#",
	"$aws/events/subscriptions/#",
};

void config_defaults(struct config *config)
{
	memset(config, 0, sizeof *config);
	config->broker.host = xstrdup("localhost");
	config->broker.port = 1883;
	config->broker.keepalive = 60;
	config->broker.protocol = CONFIG_MQTT_311;
	config->broker.qos = 1;
	config->broker.clean_session = false;
	config->broker.connections = 1;
	config->broker.share_group = xstrdup("thingtop");
	config->broker.max_rate = 100;
	for (size_t i = 0; i < sizeof default_topics / sizeof default_topics[0]; i++)
		config->topics[config->topic_count++] = xstrdup(default_topics[i]);
	fleet_config_defaults(&config->reconcile);
	config->journal.mode = CONFIG_JOURNAL_MODE_DEFAULT;
	config->ui.theme = xstrdup("default");
	config->ui.refresh_hz = 10;
	config->ui.color = CONFIG_COLOR_AUTO;
	config->metrics.interval_ms = 15000;
}

static void free_topics(struct config *config)
{
	for (size_t i = 0; i < config->topic_count; i++)
		free(config->topics[i]);
	config->topic_count = 0;
}

static void free_cli_args(struct config *config)
{
	for (size_t i = 0; i < config->aws.cli_arg_count; i++)
		free(config->aws.cli_args[i]);
	config->aws.cli_arg_count = 0;
}

void config_finish(struct config *config)
{
	for (size_t i = 0; i < SETTING_COUNT; i++) {
		if (settings[i].kind == KIND_STRING)
			free(*(char **)((char *)config + settings[i].offset));
	}
	free_topics(config);
	config_free_alerts(config);
	free_cli_args(config);
	free(config->source_path);
	memset(config, 0, sizeof *config);
}

/* ---- "did you mean" ---- */


static const char *leaf_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot ? dot + 1 : name;
}

const char *config_suggest(const char *name)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	bool dotted = strchr(name, '.') != NULL;
	for (size_t i = 0; i < SETTING_COUNT; i++) {
		size_t d = text_edit_distance(name, settings[i].name);
		if (!dotted) {
			size_t dl = text_edit_distance(name, leaf_of(settings[i].name));
			if (dl < d)
				d = dl;
		}
		if (d < best_d) {
			best_d = d;
			best = settings[i].name;
		}
	}
	for (size_t i = 0; i < GROUP_COUNT && !dotted; i++) {
		size_t d = text_edit_distance(name, groups[i]);
		if (d < best_d) {
			best_d = d;
			best = groups[i];
		}
	}
	size_t limit = strlen(name) / 3;
	if (limit < 1)
		limit = 1;
	return best_d <= limit ? best : NULL;
}

/* ---- Reading one setting ---- */

struct reader {
	const char *file;
	char **cause;
	bool port_set, host_set, alpn_set, ca_set, tls_touched;
};

__attribute__((format(printf, 4, 5)))
static bool fail(struct reader *r, const config_setting_t *s, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	set_cause(r->cause, "%s:%d: %s: %s", r->file, s ? config_setting_source_line(s) : 0, name, msg);
	free(msg);
	return false;
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "true or false";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "something else";
	}
}

static bool get_int(const config_setting_t *s, long long *out)
{
	int type = config_setting_type(s);
	if (type == CONFIG_TYPE_INT) {
		*out = config_setting_get_int(s);
		return true;
	}
	if (type == CONFIG_TYPE_INT64) {
		*out = config_setting_get_int64(s);
		return true;
	}
	return false;
}

/* "0640": the owner must keep read and write (the recorder writes it);
 * nobody else may write or execute it. */
static bool read_mode(struct reader *r, const config_setting_t *s, const char *name,
                      unsigned *field)
{
	const char *text = config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;
	char *end = NULL;
	unsigned long mode = 0;
	if (text && *text && strspn(text, "01234567") == strlen(text))
		mode = strtoul(text, &end, 8);
	if (!end || *end || mode > 0777)
		return fail(r, s, name, "expected an octal file mode in quotes, like \"0640\"");
	if ((mode & 0600) != 0600 || (mode & 0133) != 0)
		return fail(r, s, name, "\"%s\": the owner needs read and write, and nobody may "
		            "write or execute a journal (like \"0600\" or \"0640\")", text);
	*field = (unsigned)mode;
	return true;
}

static bool read_duration(struct reader *r, const config_setting_t *s, const char *name,
                          int64_t *field)
{
	int type = config_setting_type(s);
	long long n;
	int64_t ms;
	if (get_int(s, &n)) {
		if (n < 0 || n > INT64_MAX / 1000)
			return fail(r, s, name, "%lld is out of range", n);
		ms = n * 1000;
	} else if (type == CONFIG_TYPE_STRING) {
		const char *text = config_setting_get_string(s);
		if (!time_parse_duration(text, &ms) || ms < 0)
			return fail(r, s, name, "\"%s\" is not a duration (like \"30s\", \"10m\", \"2h\", \"30d\")", text);
	} else {
		return fail(r, s, name, "expected a duration like \"10m\", got %s", type_name(type));
	}
	*field = ms;
	return true;
}

static bool read_size(struct reader *r, const config_setting_t *s, const char *name,
                      int64_t *field)
{
	int type = config_setting_type(s);
	long long n;
	int64_t bytes;
	if (get_int(s, &n)) {
		if (n < 0)
			return fail(r, s, name, "%lld is out of range", n);
		bytes = n;
	} else if (type == CONFIG_TYPE_STRING) {
		const char *text = config_setting_get_string(s);
		if (!text_parse_size(text, &bytes))
			return fail(r, s, name, "\"%s\" is not a size (like \"500M\", \"1.5G\")", text);
	} else {
		return fail(r, s, name, "expected a size like \"2G\", got %s", type_name(type));
	}
	*field = bytes;
	return true;
}

static bool read_protocol(struct reader *r, const config_setting_t *s, const char *name,
                          enum config_protocol *field)
{
	long long n;
	if (get_int(s, &n) && (n == 4 || n == 5)) {
		*field = n == 5 ? CONFIG_MQTT_5 : CONFIG_MQTT_311;
		return true;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *text = config_setting_get_string(s);
		if (strcmp(text, "3.1.1") == 0 || strcmp(text, "311") == 0) {
			*field = CONFIG_MQTT_311;
			return true;
		}
		if (strcmp(text, "5") == 0 || strcmp(text, "5.0") == 0) {
			*field = CONFIG_MQTT_5;
			return true;
		}
	}
	return fail(r, s, name, "expected \"3.1.1\" or \"5\"");
}

static bool read_color(struct reader *r, const config_setting_t *s, const char *name,
                       enum config_color *field)
{
	static const char *const names[] = { "auto", "always", "never" };
	const char *text = config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : "";
	for (int i = 0; i < 3; i++) {
		if (strcmp(text, names[i]) == 0) {
			*field = (enum config_color)i;
			return true;
		}
	}
	return fail(r, s, name, "expected \"auto\", \"always\" or \"never\"");
}

/* A list of 1..max non-empty strings (or 0..max when `allow_empty`);
 * `example` shows its form in the error. */
static bool check_string_list(struct reader *r, const config_setting_t *s, const char *name,
                              int max, bool allow_empty, const char *example)
{
	int type = config_setting_type(s);
	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		return fail(r, s, name, "expected a list of strings like %s, got %s", example,
		            type_name(type));
	int count = config_setting_length(s);
	if (count > max || (!allow_empty && count < 1))
		return fail(r, s, name, "expected %d to %d entries, got %d", allow_empty ? 0 : 1, max, count);
	for (int i = 0; i < count; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING ||
		    (!allow_empty && !*config_setting_get_string(e)))
			return fail(r, e, name, "element %d is not a%s string", i + 1,
			            allow_empty ? "" : " topic filter");
	}
	return true;
}

static bool read_topics(struct reader *r, struct config *config, const config_setting_t *s,
                        const char *name)
{
	if (!check_string_list(r, s, name, CONFIG_TOPICS_MAX, false, "[\"$aws/events/presence/#\"]"))
		return false;
	free_topics(config);
	for (int i = 0; i < config_setting_length(s); i++)
		config->topics[config->topic_count++] =
			xstrdup(config_setting_get_string(config_setting_get_elem(s, (unsigned)i)));
	return true;
}

static bool read_args(struct reader *r, struct config *config, const config_setting_t *s,
                      const char *name)
{
	if (!check_string_list(r, s, name, CONFIG_CLI_ARGS_MAX, true,
	                       "[\"--endpoint-url\", \"http://localhost:4566\"]"))
		return false;
	free_cli_args(config);
	for (int i = 0; i < config_setting_length(s); i++)
		config->aws.cli_args[config->aws.cli_arg_count++] =
			xstrdup(config_setting_get_string(config_setting_get_elem(s, (unsigned)i)));
	return true;
}

static bool read_setting(struct reader *r, struct config *config, const struct setting *def,
                         const config_setting_t *s)
{
	void *field = (char *)config + def->offset;
	int type = config_setting_type(s);
	const char *name = def->name;
	long long n;

	switch (def->kind) {
	case KIND_STRING: {
		if (type != CONFIG_TYPE_STRING)
			return fail(r, s, name, "expected a string in quotes, got %s", type_name(type));
		char **str = field;
		free(*str);
		*str = xstrdup(config_setting_get_string(s));
		return true;
	}
	case KIND_INT:
		if (!get_int(s, &n))
			return fail(r, s, name, "expected an integer, got %s", type_name(type));
		if (n < def->min || n > def->max)
			return fail(r, s, name, "%lld is out of range (%lld to %lld)", n, def->min, def->max);
		*(int *)field = (int)n;
		return true;
	case KIND_BOOL:
		if (type != CONFIG_TYPE_BOOL)
			return fail(r, s, name, "expected true or false, got %s", type_name(type));
		*(bool *)field = config_setting_get_bool(s);
		return true;
	case KIND_DURATION:
		return read_duration(r, s, name, field);
	case KIND_SIZE:
		return read_size(r, s, name, field);
	case KIND_PROTOCOL:
		return read_protocol(r, s, name, field);
	case KIND_COLOR:
		return read_color(r, s, name, field);
	case KIND_MODE:
		return read_mode(r, s, name, field);
	case KIND_TOPICS:
		return read_topics(r, config, s, name);
	case KIND_ARGS:
		return read_args(r, config, s, name);
	}
	return false;
}

static const struct setting *find_setting(const char *name)
{
	for (size_t i = 0; i < SETTING_COUNT; i++) {
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	}
	return NULL;
}

static bool is_group(const char *name)
{
	for (size_t i = 0; i < GROUP_COUNT; i++) {
		if (strcmp(groups[i], name) == 0)
			return true;
	}
	return false;
}

static bool unknown(struct reader *r, const config_setting_t *s, const char *kind, const char *name)
{
	const char *hint = config_suggest(name);
	if (hint)
		set_cause(r->cause, "%s:%d: unknown %s %s (did you mean %s?)", r->file,
		          config_setting_source_line(s), kind, name, hint);
	else
		set_cause(r->cause, "%s:%d: unknown %s %s", r->file, config_setting_source_line(s), kind, name);
	return false;
}

static void note(struct reader *r, const struct setting *def)
{
	if (strcmp(def->name, "broker.port") == 0)
		r->port_set = true;
	else if (strcmp(def->name, "broker.host") == 0)
		r->host_set = true;
	else if (strcmp(def->name, "tls.alpn") == 0)
		r->alpn_set = true;
	else if (strcmp(def->name, "tls.ca_file") == 0 || strcmp(def->name, "tls.ca_path") == 0)
		r->ca_set = true;
	if (strncmp(def->name, "tls.", 4) == 0 && strcmp(def->name, "tls.enabled") != 0)
		r->tls_touched = true;
}

static bool read_group(struct reader *r, struct config *config, const config_setting_t *group,
                       const char *prefix)
{
	int count = config_setting_length(group);
	for (int i = 0; i < count; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *leaf = config_setting_name(s);
		char full[128];
		snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", leaf ? leaf : "?");
		const struct setting *def = find_setting(full);
		if (def) {
			if (!read_setting(r, config, def, s))
				return false;
			note(r, def);
			continue;
		}
		if (!*prefix && strcmp(full, "alerts") == 0) {
			if (!config_read_alerts(config, s, r->file, r->cause))
				return false;
			continue;
		}
		if (!*prefix && is_group(full)) {
			if (config_setting_type(s) != CONFIG_TYPE_GROUP)
				return fail(r, s, full, "expected a group { ... }, got %s",
				            type_name(config_setting_type(s)));
			if (!read_group(r, config, s, full))
				return false;
			continue;
		}
		return unknown(r, s, config_setting_type(s) == CONFIG_TYPE_GROUP && !*prefix ? "section" : "setting", full);
	}
	return true;
}

/* The aws shortcut and TLS implications, for settings the file left alone. */
static void resolve(struct reader *r, struct config *config)
{
	if (config->aws_endpoint && *config->aws_endpoint) {
		if (!r->host_set) {
			free(config->broker.host);
			config->broker.host = xstrdup(config->aws_endpoint);
		}
		if (!r->port_set)
			config->broker.port = 443;
		if (!r->alpn_set && config->broker.port == 443) {
			free(config->tls.alpn);
			config->tls.alpn = xstrdup(CONFIG_AWS_ALPN);
		}
		if (!r->ca_set) {
			free(config->tls.ca_file);
			config->tls.ca_file = xstrdup(CONFIG_AWS_ROOT_CA);
		}
		config->tls.enabled = true;
	}
	if (r->tls_touched)
		config->tls.enabled = true;
	if (config->tls.enabled && !r->port_set && !config->aws_endpoint && config->broker.port == 1883)
		config->broker.port = 8883;
}

bool config_read_path(struct config *config, const char *path, char **cause)
{
	struct reader r = { .file = path, .cause = cause };
	config_t cf;
	bool ok = false;

	config_init(&cf);
	char *text = config_file_read(path, cause);
	if (!text)
		goto out;
	int read_ok = config_read_string(&cf, text);
	free(text);
	if (read_ok != CONFIG_TRUE) {
		/* An error inside an @include names that file. */
		const char *file = config_error_file(&cf);
		set_cause(cause, "%s:%d: %s", file ? file : path, config_error_line(&cf),
		          config_error_text(&cf));
		goto out;
	}
	free(config->source_path);
	config->source_path = xstrdup(path);
	ok = read_group(&r, config, config_root_setting(&cf), "");
	resolve(&r, config);
	if (ok && config->tls.version && strcmp(config->tls.version, "tlsv1.2") != 0 &&
	    strcmp(config->tls.version, "tlsv1.3") != 0) {
		const config_setting_t *s = config_lookup(&cf, "tls.version");
		ok = fail(&r, s, "tls.version", "expected \"tlsv1.2\" or \"tlsv1.3\" (older versions are unsafe)");
	}
out:
	config_destroy(&cf);
	return ok;
}

char *config_default_path(void)
{
	const char *env = getenv("THINGTOP_CONFIG");
	if (env && *env)
		return xstrdup(env);
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && *xdg)
		return xasprintf("%s/thingtop/thingtop.conf", xdg);
	const char *home = getenv("HOME");
	if (home && *home)
		return xasprintf("%s/.config/thingtop/thingtop.conf", home);
	return NULL;
}

bool config_load(struct config *config, const char *explicit_path, char **cause)
{
	config_defaults(config);
	if (explicit_path)
		return config_read_path(config, explicit_path, cause);
	const char *env = getenv("THINGTOP_CONFIG");
	char *path = config_default_path();
	if (!path)
		return true;
	bool ok = true;
	/* Only a file asked for by name must exist. */
	if ((env && *env) || access(path, F_OK) == 0)
		ok = config_read_path(config, path, cause);
	free(path);
	return ok;
}
