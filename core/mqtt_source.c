/* The MQTT source over libmosquitto without its network thread: the caller
 * polls our socket and calls dispatch, which reads, writes, keeps alive and
 * reconnects. libmosquitto's own error text (TLS alerts, OpenSSL errors)
 * arrives through its log callback; we keep the last one as the reason. */
#include "mqtt_source.h"

#include <errno.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "timefmt.h"
#include "tls_check.h"
#include "xalloc.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000
/* Messages read per dispatch before returning to the caller's loop, so a
 * flood cannot starve the terminal. */
#define READS_PER_DISPATCH 4096
/* A dispatch hands back to the caller's loop after this long, so a flood
 * of messages never freezes the screen: the rest is read on the next turn. */
#define DISPATCH_BUDGET_MS 20

struct mqtt_source {
	struct mosquitto *mosq;
	bool more_pending;          /* the last dispatch stopped with messages left */
	char *client_id;
	char *host;
	int port;
	int keepalive;
	int qos;
	int protocol;
	char *topics[CONFIG_TOPICS_MAX];
	int topic_mids[CONFIG_TOPICS_MAX];  /* SUBSCRIBE packet ids, 0 once answered */
	bool topic_refused[CONFIG_TOPICS_MAX];
	size_t topic_count;
	char refused[CONFIG_TOPICS_MAX * 160];
	unsigned round_limit;        /* messages per dispatch, 0 = by time only */

	mqtt_message_fn on_message;
	mqtt_state_fn on_state;
	void *ctx;

	struct mqtt_status status;
	char reason[640];
	char last_log_error[256];
	bool attempt_started;        /* a connect is in progress or done on this socket */
	int64_t connect_started_ms;
	uint64_t received;             /* messages handed on, for the dispatch round */
	bool tls;
	char *tls_warning;           /* the client certificate does not chain to our CA */
};

static int lib_users;

const char *mqtt_state_name(enum mqtt_state state)
{
	switch (state) {
	case MQTT_CONNECTING: return "connecting";
	case MQTT_CONNECTED: return "connected";
	case MQTT_BACKING_OFF: return "backing off";
	case MQTT_STOPPED: return "stopped";
	case MQTT_SUSPENDED: return "paused";
	}
	return "?";
}

static void set_state(struct mqtt_source *src, enum mqtt_state state, const char *reason)
{
	src->status.state = state;
	snprintf(src->reason, sizeof src->reason, "%s", reason ? reason : "");
	src->status.reason = src->reason;
	if (src->on_state)
		src->on_state(src->ctx, &src->status);
}

static uint32_t random_u32(void)
{
	uint32_t r;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)time_mono_ms() * 2654435761u;
	return r;
}

/* Exponential backoff with jitter: the full delay for the attempt, minus
 * up to half of it at random, so many monitors do not retry in step. */
static void back_off(struct mqtt_source *src, const char *why)
{
	int64_t delay = BACKOFF_FIRST_MS;
	for (unsigned i = 0; i < src->status.attempt && delay < BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX_MS)
		delay = BACKOFF_MAX_MS;
	delay -= (int64_t)(random_u32() % (uint32_t)(delay / 2 + 1));
	src->status.attempt++;
	src->status.next_try_ms = time_mono_ms() + delay;
	src->status.session_present = false;
	src->attempt_started = false;
	/* Drop the socket now; reconnect makes a new one. */
	mosquitto_disconnect(src->mosq);
	set_state(src, MQTT_BACKING_OFF, why);
}

/* libmosquitto reports a failed TLS read as errno EPROTO. */
static bool is_tls_failure(const struct mqtt_source *src, int rc, int saved_errno)
{
	return src->tls && rc == MOSQ_ERR_ERRNO && saved_errno == EPROTO;
}

/* The broker's refusal of our certificate arrives as a TLS alert ("unknown
 * ca") or, with TLS 1.3, as a failed read right after the handshake; our
 * chain check says which file is at fault. NULL when it does not apply. */
static const char *tls_hint(const struct mqtt_source *src, int rc, int saved_errno)
{
	if (!src->tls_warning)
		return NULL;
	if (strstr(src->last_log_error, "alert") || is_tls_failure(src, rc, saved_errno))
		return src->tls_warning;
	if (src->status.state == MQTT_CONNECTING && rc != MOSQ_ERR_ERRNO && rc != MOSQ_ERR_EAI)
		return src->tls_warning;
	return NULL;
}

static void describe_error(struct mqtt_source *src, int rc, int saved_errno, char *buf, size_t size)
{
	const char *what;
	if (is_tls_failure(src, rc, saved_errno))
		what = "TLS error";
	else if (rc == MOSQ_ERR_ERRNO)
		what = strerror(saved_errno);
	else if (rc == MOSQ_ERR_CONN_LOST)
		what = "connection lost";
	else
		what = mosquitto_strerror(rc);
	const char *hint = tls_hint(src, rc, saved_errno);
	const char *sep = hint ? "; " : "";
	if (src->last_log_error[0])
		snprintf(buf, size, "%s (%s)%s%s", what, src->last_log_error, sep, hint ? hint : "");
	else
		snprintf(buf, size, "%s%s%s", what, sep, hint ? hint : "");
	src->last_log_error[0] = '\0';
}

/* ---- libmosquitto callbacks ---- */

static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags,
                       const mosquitto_property *props)
{
	struct mqtt_source *src = obj;
	if (rc != 0) {
		char why[200];
		snprintf(why, sizeof why, "connection refused: %s",
		         src->protocol == MQTT_PROTOCOL_V5 ? mosquitto_reason_string(rc) : mosquitto_connack_string(rc));
		back_off(src, why);
		return;
	}
	src->status.attempt = 0;
	src->status.session_present = (flags & 1) != 0;
	src->status.filters_pending = (unsigned)src->topic_count;
	for (size_t i = 0; i < src->topic_count; i++) {
		src->topic_mids[i] = 0;
		mosquitto_subscribe(mosq, &src->topic_mids[i], src->topics[i], src->qos);
	}
	set_state(src, MQTT_CONNECTED, NULL);
}

/* The refused filters as one line: "F1 (SUBACK 0x80), F2 (...)". */
static void describe_refused(struct mqtt_source *src)
{
	size_t n = 0;
	src->refused[0] = '\0';
	src->status.filters_refused = 0;
	for (size_t i = 0; i < src->topic_count; i++) {
		if (!src->topic_refused[i])
			continue;
		src->status.filters_refused++;
		n += (size_t)snprintf(src->refused + n, sizeof src->refused - n, "%s%s",
		                      n ? ", " : "", src->topics[i]);
		if (n >= sizeof src->refused)
			break;
	}
}

/* SUBACK: a return code of 0x80 and up is a refusal (AWS answers 0x80 when
 * the policy lacks iot:Subscribe on the filter). */
static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count,
                         const int *granted_qos, const mosquitto_property *props)
{
	struct mqtt_source *src = obj;
	for (size_t i = 0; i < src->topic_count; i++) {
		if (src->topic_mids[i] != mid || mid == 0)
			continue;
		src->topic_mids[i] = 0;
		src->topic_refused[i] = qos_count < 1 || granted_qos[0] >= 0x80;
		if (src->status.filters_pending > 0)
			src->status.filters_pending--;
	}
	describe_refused(src);
	if (src->status.state == MQTT_CONNECTED)
		set_state(src, MQTT_CONNECTED, NULL);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc, const mosquitto_property *props)
{
	struct mqtt_source *src = obj;
	if (src->status.state == MQTT_STOPPED || src->status.state == MQTT_BACKING_OFF ||
	    src->status.state == MQTT_SUSPENDED)
		return;
	char why[640];
	if (src->protocol == MQTT_PROTOCOL_V5 && rc > 0 && rc != MOSQ_ERR_CONN_LOST)
		snprintf(why, sizeof why, "disconnected by the broker: %s", mosquitto_reason_string(rc));
	else
		describe_error(src, rc ? rc : MOSQ_ERR_CONN_LOST, errno, why, sizeof why);
	back_off(src, why);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg,
                       const mosquitto_property *props)
{
	struct mqtt_source *src = obj;
	src->received++;
	if (src->on_message)
		src->on_message(src->ctx, msg->topic, msg->payload, (size_t)msg->payloadlen);
}

static void on_log(struct mosquitto *mosq, void *obj, int level, const char *text)
{
	struct mqtt_source *src = obj;
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		snprintf(src->last_log_error, sizeof src->last_log_error, "%s", text);
}

/* ---- TLS file checks ---- */

static bool check_readable(const char *setting, const char *path, char **cause)
{
	if (access(path, R_OK) != 0) {
		set_cause(cause, "%s %s: %s", setting, path, strerror(errno));
		return false;
	}
	return true;
}

bool mqtt_source_check_tls(const struct config *config, char **cause)
{
	const struct config *c = config;
	if (!c->tls.enabled)
		return true;
	if (c->tls.ca_file && !check_readable("tls.ca_file", c->tls.ca_file, cause))
		return false;
	if (c->tls.ca_path) {
		struct stat st;
		if (stat(c->tls.ca_path, &st) != 0 || !S_ISDIR(st.st_mode)) {
			set_cause(cause, "tls.ca_path %s: not a folder", c->tls.ca_path);
			return false;
		}
	}
	if (!tls_check_ca(c->tls.ca_file, c->tls.ca_path, cause))
		return false;
	if (!c->tls.cert_file != !c->tls.key_file) {
		set_cause(cause, "%s is set without %s: a client certificate needs both",
		          c->tls.cert_file ? "tls.cert_file" : "tls.key_file",
		          c->tls.cert_file ? "tls.key_file" : "tls.cert_file");
		return false;
	}
	if (c->tls.cert_file) {
		if (!check_readable("tls.cert_file", c->tls.cert_file, cause))
			return false;
		if (!check_readable("tls.key_file", c->tls.key_file, cause))
			return false;
		struct stat st;
		if (stat(c->tls.key_file, &st) == 0 && (st.st_mode & 077)) {
			set_cause(cause, "tls.key_file %s is readable by %s (mode %04o): a private key must be "
			          "yours alone; run: chmod 600 '%s'", c->tls.key_file,
			          (st.st_mode & 007) ? "others" : "its group", (unsigned)(st.st_mode & 0777),
			          c->tls.key_file);
			return false;
		}
		if (!tls_check_client(c->tls.cert_file, c->tls.key_file, time(NULL), cause))
			return false;
	}
	return true;
}

/* ---- Life cycle ---- */

static bool setup_tls(struct mqtt_source *src, const struct config *c, char **cause)
{
	int rc;
	if (!c->tls.ca_file && !c->tls.ca_path)
		mosquitto_int_option(src->mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
	rc = mosquitto_tls_set(src->mosq, c->tls.ca_file, c->tls.ca_path, c->tls.cert_file,
	                       c->tls.key_file, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		set_cause(cause, "TLS setup: %s (check tls.ca_file, tls.cert_file, tls.key_file)",
		          mosquitto_strerror(rc));
		return false;
	}
	rc = mosquitto_tls_opts_set(src->mosq, 1, c->tls.version ? c->tls.version : "tlsv1.2", NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		set_cause(cause, "tls.version: %s", mosquitto_strerror(rc));
		return false;
	}
	if (c->tls.insecure)
		mosquitto_tls_insecure_set(src->mosq, true);
	if (c->tls.alpn && *c->tls.alpn) {
		rc = mosquitto_string_option(src->mosq, MOSQ_OPT_TLS_ALPN, c->tls.alpn);
		if (rc != MOSQ_ERR_SUCCESS) {
			set_cause(cause, "tls.alpn: %s", mosquitto_strerror(rc));
			return false;
		}
	}
	return true;
}

struct mqtt_source *mqtt_source_create(const struct config *config, mqtt_message_fn message_fn,
                                       mqtt_state_fn state_fn, void *ctx, char **cause)
{
	const struct config *c = config;
	if (!mqtt_source_check_tls(c, cause))
		return NULL;
	if (c->tls.server_name && *c->tls.server_name && strcmp(c->tls.server_name, c->broker.host) != 0) {
		set_cause(cause, "tls.server_name %s differs from broker.host %s: libmosquitto sends and checks "
		          "the host name it connects to; set broker.host to %s instead",
		          c->tls.server_name, c->broker.host, c->tls.server_name);
		return NULL;
	}

	if (lib_users++ == 0)
		mosquitto_lib_init();
	struct mqtt_source *src = xcalloc(1, sizeof *src);
	src->client_id = c->broker.client_id && *c->broker.client_id ? xstrdup(c->broker.client_id)
	                                                             : config_make_client_id();
	src->host = xstrdup(c->broker.host);
	src->port = c->broker.port;
	src->keepalive = c->broker.keepalive;
	src->qos = c->broker.qos;
	src->protocol = c->broker.protocol == CONFIG_MQTT_5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311;
	for (size_t i = 0; i < c->topic_count; i++)
		src->topics[src->topic_count++] = xstrdup(c->topics[i]);
	src->on_message = message_fn;
	src->on_state = state_fn;
	src->ctx = ctx;
	src->status.reason = src->reason;
	src->status.refused = src->refused;
	src->status.state = MQTT_CONNECTING;

	src->mosq = mosquitto_new(src->client_id, c->broker.clean_session, src);
	if (!src->mosq) {
		set_cause(cause, "cannot create an MQTT client: %s", strerror(errno));
		goto fail;
	}
	/* "Threaded": libmosquitto then queues what it sends (a QoS 1
	 * message's PUBACK among it) until mqtt_source_flush, instead of
	 * writing it as it reads. */
	mosquitto_threaded_set(src->mosq, true);
	mosquitto_int_option(src->mosq, MOSQ_OPT_PROTOCOL_VERSION, src->protocol);
	mosquitto_int_option(src->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_with_flags_callback_set(src->mosq, NULL);
	mosquitto_connect_v5_callback_set(src->mosq, on_connect);
	mosquitto_disconnect_v5_callback_set(src->mosq, on_disconnect);
	mosquitto_message_v5_callback_set(src->mosq, on_message);
	mosquitto_subscribe_v5_callback_set(src->mosq, on_subscribe);
	mosquitto_log_callback_set(src->mosq, on_log);
	if (c->broker.username) {
		int rc = mosquitto_username_pw_set(src->mosq, c->broker.username, c->broker.password);
		if (rc != MOSQ_ERR_SUCCESS) {
			set_cause(cause, "broker.username: %s", mosquitto_strerror(rc));
			goto fail;
		}
	}
	src->tls = c->tls.enabled;
	if (c->tls.enabled && !setup_tls(src, c, cause))
		goto fail;
	if (c->tls.enabled && c->tls.cert_file)
		tls_check_chain(c->tls.cert_file, c->tls.ca_file, c->tls.ca_path, &src->tls_warning);
	src->status.next_try_ms = time_mono_ms();
	return src;
fail:
	mqtt_source_destroy(src);
	return NULL;
}

void mqtt_source_destroy(struct mqtt_source *src)
{
	if (!src)
		return;
	if (src->mosq) {
		mosquitto_disconnect(src->mosq);
		mosquitto_destroy(src->mosq);
	}
	for (size_t i = 0; i < src->topic_count; i++)
		free(src->topics[i]);
	free(src->client_id);
	free(src->host);
	free(src->tls_warning);
	free(src);
	if (--lib_users == 0)
		mosquitto_lib_cleanup();
}

const char *mqtt_source_tls_warning(const struct mqtt_source *src)
{
	return src->tls_warning;
}

const char *mqtt_source_client_id(const struct mqtt_source *src)
{
	return src->client_id;
}

int mqtt_source_fd(const struct mqtt_source *src)
{
	if (src->status.state == MQTT_STOPPED || src->status.state == MQTT_BACKING_OFF ||
	    src->status.state == MQTT_SUSPENDED)
		return -1;
	return mosquitto_socket(src->mosq);
}

bool mqtt_source_wants_write(const struct mqtt_source *src)
{
	return mqtt_source_fd(src) >= 0 && mosquitto_want_write(src->mosq);
}

int mqtt_source_next_timeout_ms(const struct mqtt_source *src)
{
	int64_t now = time_mono_ms();
	switch (src->status.state) {
	case MQTT_STOPPED:
	case MQTT_SUSPENDED:
		return 60000;
	case MQTT_BACKING_OFF:
	case MQTT_CONNECTING:
		if (!src->attempt_started) {
			int64_t wait = src->status.next_try_ms - now;
			return wait < 0 ? 0 : wait > 60000 ? 60000 : (int)wait;
		}
		return 250;
	case MQTT_CONNECTED:
		return src->more_pending ? 0 : 1000;
	}
	return 1000;
}

static void start_connect(struct mqtt_source *src)
{
	set_state(src, MQTT_CONNECTING, NULL);
	src->attempt_started = true;
	src->connect_started_ms = time_mono_ms();
	src->last_log_error[0] = '\0';
	errno = 0;
	int rc = mosquitto_connect_async(src->mosq, src->host, src->port, src->keepalive);
	if (rc != MOSQ_ERR_SUCCESS) {
		char why[640];
		if (rc == MOSQ_ERR_EAI)
			snprintf(why, sizeof why, "cannot resolve %s", src->host);
		else
			describe_error(src, rc, errno, why, sizeof why);
		back_off(src, why);
	}
}

static void loop_failed(struct mqtt_source *src, int rc)
{
	if (src->status.state == MQTT_BACKING_OFF || src->status.state == MQTT_STOPPED ||
	    src->status.state == MQTT_SUSPENDED)
		return; /* the disconnect callback has handled it */
	char why[640];
	describe_error(src, rc, errno, why, sizeof why);
	back_off(src, why);
}

bool mqtt_source_dispatch(struct mqtt_source *src)
{
	if (src->status.state == MQTT_STOPPED)
		return false;
	if (src->status.state == MQTT_SUSPENDED)
		return true;
	int64_t now = time_mono_ms();
	if (!src->attempt_started) {
		if (now < src->status.next_try_ms)
			return true;
		start_connect(src);
		if (!src->attempt_started)
			return true;
	}

	/* Read until two reads in a row bring no message (the second covers
	 * a CONNACK or SUBACK read just before buffered messages), or a batch
	 * is done. */
	int idle = 0, i;
	uint64_t first = src->received;
	src->more_pending = false;
	for (i = 0; i < READS_PER_DISPATCH && idle < 2; i++) {
		if (src->round_limit && src->received - first >= src->round_limit)
			break;
		/* Checked every 64 reads: the clock costs more than a read. */
		if (i % 64 == 63 && time_mono_ms() - now >= DISPATCH_BUDGET_MS)
			break;
		uint64_t before = src->received;
		errno = 0;
		int rc = mosquitto_loop_read(src->mosq, 1);
		if (rc != MOSQ_ERR_SUCCESS) {
			loop_failed(src, rc);
			return src->status.state != MQTT_STOPPED;
		}
		if (!src->attempt_started)
			return true; /* backing off: a callback dropped the connection */
		idle = src->received == before ? idle + 1 : 0;
	}
	/* Stopped with messages still coming: they may sit in TLS's buffer,
	 * where poll() cannot see them, so ask for an immediate next turn. */
	src->more_pending = idle < 2;
	int rc = mosquitto_loop_misc(src->mosq);
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
		loop_failed(src, rc);
		return true;
	}
	/* A connect that never completes (a black-holed address). */
	if (src->status.state == MQTT_CONNECTING &&
	    now - src->connect_started_ms > (int64_t)src->keepalive * 1000)
		back_off(src, "timed out waiting for the broker's answer");
	return true;
}

void mqtt_source_flush(struct mqtt_source *src)
{
	if (!src->attempt_started || !mqtt_source_wants_write(src))
		return;
	/* Corked: a round's acknowledgements leave as one segment, which
	 * the broker reads (and wakes for) once. */
	int fd = mqtt_source_fd(src), on = 1, off = 0;
	setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
	errno = 0;
	int rc = mosquitto_loop_write(src->mosq, 1);
	int saved = errno;
	setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
	errno = saved;
	if (rc != MOSQ_ERR_SUCCESS)
		loop_failed(src, rc);
}

void mqtt_source_set_round_limit(struct mqtt_source *src, unsigned messages)
{
	src->round_limit = messages;
}

/* Our DISCONNECT, then no socket: the broker keeps the session (clean
 * session off) and queues what arrives for it. */
static void disconnect_cleanly(struct mqtt_source *src, enum mqtt_state next, const char *why)
{
	enum mqtt_state was = src->status.state;
	/* Set before our own DISCONNECT, so the disconnect callback it
	 * triggers is not taken for a lost connection. */
	src->status.state = next;
	if (was == MQTT_CONNECTED) {
		mosquitto_disconnect(src->mosq);
		/* Flush the DISCONNECT packet. */
		mosquitto_loop_write(src->mosq, 1);
	} else if (src->attempt_started) {
		mosquitto_disconnect(src->mosq);
	}
	src->attempt_started = false;
	src->status.session_present = false;
	set_state(src, next, why);
}

void mqtt_source_suspend(struct mqtt_source *src, const char *why)
{
	if (src->status.state == MQTT_STOPPED || src->status.state == MQTT_SUSPENDED)
		return;
	disconnect_cleanly(src, MQTT_SUSPENDED, why);
}

bool mqtt_source_suspend_unacked(struct mqtt_source *src, const char *why)
{
	if (src->status.state == MQTT_STOPPED || src->status.state == MQTT_SUSPENDED)
		return false;
	int fd = mqtt_source_fd(src);
	bool held_back = src->qos > 0 && fd >= 0;
	/* libmosquitto holds the acknowledgements until a write (see
	 * mqtt_source_create): with the socket shut, none can leave. */
	if (held_back)
		shutdown(fd, SHUT_RDWR);
	disconnect_cleanly(src, MQTT_SUSPENDED, why);
	return held_back;
}

void mqtt_source_resume(struct mqtt_source *src)
{
	if (src->status.state != MQTT_SUSPENDED)
		return;
	src->status.attempt = 0;
	src->status.next_try_ms = time_mono_ms();
	set_state(src, MQTT_BACKING_OFF, "resuming");
}

void mqtt_source_stop(struct mqtt_source *src)
{
	if (src->status.state == MQTT_STOPPED)
		return;
	disconnect_cleanly(src, MQTT_STOPPED, NULL);
}

