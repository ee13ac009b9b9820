/* thingtop's settings: defaults, then a libconfig file, then command-line
 * flags. See ../config/thingtop.conf for every setting with its meaning.
 *
 * Lookup: config_load(explicit_path) reads `explicit_path` (-c FILE) when
 * given, else $THINGTOP_CONFIG, else $XDG_CONFIG_HOME/thingtop/thingtop.conf
 * (~/.config/thingtop/thingtop.conf); a missing default file is no error
 * (defaults are used), a missing explicit or $THINGTOP_CONFIG file is.
 *
 * Errors name the file, the line and the setting:
 *   "thingtop.conf:12: unknown setting broker.hots (did you mean broker.host?)" */
#ifndef THINGTOP_CONFIG_H
#define THINGTOP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleet.h"

#define CONFIG_CONNECTIONS_MAX 64
#define CONFIG_TOPICS_MAX 16
#define CONFIG_CLI_ARGS_MAX 32
/* Limits on a config (or theme) file, checked before libconfig reads it:
 * its size, and the settings in it and its includes together (libconfig
 * takes quadratic time in the settings of one group). */
#define CONFIG_FILE_MAX (1 << 20)
#define CONFIG_SETTINGS_MAX 1000
#define CONFIG_JOURNAL_MODE_DEFAULT 0600
/* What aws.endpoint implies unless tls.* says otherwise (port 443). */
#define CONFIG_AWS_ROOT_CA "/etc/ssl/certs/Amazon_Root_CA_1.pem"
#define CONFIG_AWS_ALPN "x-amzn-mqtt-ca"

/* MQTT protocol levels, as MOSQ_OPT_PROTOCOL_VERSION takes them. */
enum config_protocol {
	CONFIG_MQTT_311 = 4,
	CONFIG_MQTT_5 = 5,
};

enum config_color {
	CONFIG_COLOR_AUTO,    /* colours unless NO_COLOR is set or the terminal has none */
	CONFIG_COLOR_ALWAYS,
	CONFIG_COLOR_NEVER,
};

/* One alert rule (the `alerts` list; see config_alerts.c). Strings owned. */
struct config_alert {
	char *name;
	char *filter;                 /* the filter language of view.h */
	char *command;                /* run with /bin/sh -c, JSON on stdin; NULL = none */
	int64_t for_ms;               /* matching this long fires (default 5m) */
	int64_t group_wait_ms;        /* new alerts wait this long to go out together (10s) */
	int64_t group_interval_ms;    /* at most one command run per rule this often (1m) */
	int64_t repeat_interval_ms;   /* still-firing alerts are re-sent this often (4h) */
	int64_t timeout_ms;           /* the command is killed after this long (30s) */
	int max_alerts;               /* more firing in one batch: add a summary (100) */
};

/* All strings are owned by the config (malloc'd) or NULL when unset. */
struct config {
	struct {
		char *host;               /* "localhost" */
		int port;                 /* 1883, or 8883 with TLS, 443 with aws.endpoint */
		char *client_id;          /* NULL: the journal's own, "thingtop-<host>-<random>",
		                           * made once and kept in the journal (live.c) */
		int keepalive;            /* seconds, 60 */
		enum config_protocol protocol; /* 3.1.1 */
		int qos;                  /* 0..2, default 1 */
		char *username;
		char *password;
		bool clean_session;       /* false: the broker keeps our events while we are away */
		/* More than one connection share the subscriptions
		 * ($share/<share_group>/<filter>), ids <client_id>-1..N: AWS
		 * delivers at most ~max_rate messages/s to one connection. */
		int connections;          /* 1..CONFIG_CONNECTIONS_MAX, default 1 */
		char *share_group;        /* "thingtop" */
		int max_rate;             /* messages/s a connection gets at most: 100 */
	} broker;
	struct {
		bool enabled;             /* also implied by any other tls setting */
		char *ca_file;
		char *ca_path;
		char *cert_file;
		char *key_file;
		char *alpn;               /* e.g. "x-amzn-mqtt-ca" */
		char *server_name;        /* SNI and certificate check name; default: host */
		char *version;            /* "tlsv1.2" (default) or "tlsv1.3" */
		bool insecure;            /* skip the host name check (never the chain) */
	} tls;
	char *aws_endpoint;           /* "xxx-ats.iot.region.amazonaws.com": fills host, 443, ALPN, CA */
	struct {                      /* the AWS CLI `thingtop sync` (and the re-sync) runs */
		char *profile;            /* --profile; NULL: the CLI's own choice (AWS_PROFILE, default) */
		char *region;             /* --region */
		char *cli_args[CONFIG_CLI_ARGS_MAX]; /* more arguments, e.g. "--endpoint-url", URL */
		size_t cli_arg_count;
		int64_t sync_interval_ms; /* record and the monitor re-sync this often; 0 (default): never */
	} aws;
	char *topics[CONFIG_TOPICS_MAX];
	size_t topic_count;           /* default: $aws/events/presence/# and $aws/events/subscriptions/# */
	struct {
		char *path;               /* NULL: journal_default_path() */
		int64_t retain_ms;        /* 0 = keep for ever */
		int64_t max_size;         /* bytes, 0 = no limit */
		unsigned mode;            /* permissions of a journal the recorder creates: 0600 */
	} journal;
	struct fleet_config reconcile; /* order_window, settle, flap_sessions, flap_window */
	struct {
		char *theme;              /* "default" */
		char *columns;            /* the grid's columns, NULL = the default */
		int refresh_hz;           /* 1..60, default 10 */
		bool mouse;               /* false, so terminal text selection works */
		bool ascii;               /* ASCII-only borders and arrows */
		enum config_color color;
	} ui;
	struct config_alert *alerts;  /* none by default */
	size_t alert_count;
	struct {
		char *file;               /* Prometheus textfile; NULL = none */
		int64_t interval_ms;      /* how often it is rewritten (15s) */
	} metrics;
	char *source_path;            /* the file read, NULL when none */
};

/* Fills every setting with its default (takes no ownership of anything;
 * finish it with config_finish). */
void config_defaults(struct config *config);

/* config_defaults, then the file found by the lookup order above. Returns
 * false with *cause (file:line: setting: problem) on a bad file; the config
 * is then still valid (defaults plus what was read before the error). */
bool config_load(struct config *config, const char *explicit_path, char **cause);

/* Reads one given file over the current settings (no lookup). (Not
 * config_read_file: libconfig owns that name.) */
bool config_read_path(struct config *config, const char *path, char **cause);

/* Reads a libconfig file whole (NUL-terminated, newly allocated) after
 * checking it and every file it @includes: not a folder, readable, at
 * most CONFIG_FILE_MAX bytes, at most CONFIG_SETTINGS_MAX settings. NULL
 * with *cause ("FILE: is a folder, not a config file", "FILE:3: @include
 * \"x\": Permission denied") otherwise. For config_read_string. */
char *config_file_read(const char *path, char **cause);

/* The connection flags `record` and the monitor share with mosquitto_sub;
 * NULL = not given. */
struct config_flags {
	const char *broker;           /* --broker HOST[:PORT] */
	const char *aws_endpoint;     /* --aws-endpoint HOST: port 443, ALPN, Amazon root CA */
	const char *cafile, *capath, *cert, *key, *alpn;
	const char *protocol;         /* -V: 311, mqttv311, 3.1.1, 5, mqttv5 */
	int qos;                      /* -1 = not given */
};
/* Applies the flags over the config (they win over the file), with
 * aws.endpoint's defaults for what they leave unset. False with *cause. */
bool config_apply_flags(struct config *config, const struct config_flags *flags, char **cause);

/* --broker HOST[:PORT] (also [v6addr]:PORT). Overrides host and port. */
bool config_apply_broker_arg(struct config *config, const char *host_port, char **cause);

/* The path config_load would read with no explicit path: newly allocated,
 * NULL when neither $THINGTOP_CONFIG nor a home folder is known. */
char *config_default_path(void);

/* A new client id "thingtop-<host>-<6 random hex digits>", newly allocated. */
char *config_make_client_id(void);

/* config_alerts.c: reads the `alerts` list (replacing any rules read
 * before) and frees rules. The reader's errors name file:line and the
 * rule. */
bool config_read_alerts(struct config *config, const void *list_setting, const char *file,
                        char **cause);
void config_free_alerts(struct config *config);

/* Frees everything the config owns and leaves it zeroed. */
void config_finish(struct config *config);

/* The known setting closest to `name` by edit distance (at most a third of
 * its length away), or NULL: for "did you mean" hints. */
const char *config_suggest(const char *name);

#endif
