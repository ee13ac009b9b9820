/* The live source: one MQTT connection (libmosquitto, no network thread)
 * that subscribes to the lifecycle topics and hands every message to a
 * callback. It owns a socket, so the program runs one poll() loop:
 *
 *   fd = mqtt_source_fd(src);            (-1 while backing off)
 *   events = POLLIN | (mqtt_source_wants_write(src) ? POLLOUT : 0);
 *   poll(..., mqtt_source_next_timeout_ms(src));
 *   mqtt_source_dispatch(src);           (after any wake-up, or the timeout)
 *
 * It connects on its own, reconnects with exponential backoff and jitter
 * (1 s doubling up to 60 s), re-subscribes on every connect, and reports
 * its state through a callback. Clean session is off by default, so with
 * QoS 1 the broker keeps events while we are away. */
#ifndef THINGTOP_MQTT_SOURCE_H
#define THINGTOP_MQTT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum mqtt_state {
	MQTT_CONNECTING,    /* TCP/TLS/CONNECT in progress */
	MQTT_CONNECTED,     /* CONNACK received and subscriptions sent */
	MQTT_BACKING_OFF,   /* lost or refused; waits until next_try_ms */
	MQTT_STOPPED,       /* mqtt_source_stop, or a refusal retrying cannot fix */
	MQTT_SUSPENDED,     /* mqtt_source_suspend: disconnected on purpose until resumed */
};
const char *mqtt_state_name(enum mqtt_state state);

struct mqtt_status {
	enum mqtt_state state;
	/* Why we are backing off or stopped ("connection refused: not
	 * authorised", "TLS: certificate verify failed", ...); "" otherwise. */
	const char *reason;
	int64_t next_try_ms;          /* time_mono_ms() of the next attempt (backing off) */
	unsigned attempt;             /* failed attempts in a row */
	bool session_present;         /* CONNECTED: the broker kept our session */
	/* CONNECTED: SUBACKs still awaited, and the filters the broker
	 * refused (SUBACK 0x80), listed in `refused` ("" when none). */
	unsigned filters_pending, filters_refused;
	const char *refused;
};

/* `topic` is NUL-terminated, `payload` is `len` bytes (not terminated); both
 * borrowed for the call. */
typedef void (*mqtt_message_fn)(void *ctx, const char *topic, const void *payload, size_t len);
typedef void (*mqtt_state_fn)(void *ctx, const struct mqtt_status *status);

/* Checks the TLS files (readable, key not readable by others, certificate
 * not expired, certificate matches key) and sets up the client; does not
 * connect yet (the first dispatch does). NULL with *cause on a setting
 * that cannot work. `config` is borrowed for the call only; callbacks may
 * be NULL. */
struct mqtt_source *mqtt_source_create(const struct config *config, mqtt_message_fn on_message,
                                       mqtt_state_fn on_state, void *ctx, char **cause);
void mqtt_source_destroy(struct mqtt_source *src);

/* The client id in use (generated when the config had none). */
const char *mqtt_source_client_id(const struct mqtt_source *src);

/* A warning found while setting up, NULL when none: the client
 * certificate does not chain to the CA given (fine when the broker trusts
 * another CA for clients, the likely cause when it rejects us). One line,
 * names the files; borrowed, lives as long as `src`. */
const char *mqtt_source_tls_warning(const struct mqtt_source *src);

/* The socket to poll, -1 when there is none right now. */
int mqtt_source_fd(const struct mqtt_source *src);
bool mqtt_source_wants_write(const struct mqtt_source *src);
/* Milliseconds until dispatch must run again (keep-alive, backoff), >= 0. */
int mqtt_source_next_timeout_ms(const struct mqtt_source *src);

/* Reads and keeps alive; connects or reconnects when due. Calls
 * on_message for each message. Returns false once STOPPED. Writes
 * nothing: what it would send waits for mqtt_source_flush. */
bool mqtt_source_dispatch(struct mqtt_source *src);

/* Sends what is waiting: connects, subscriptions, pings, and the QoS 1
 * acknowledgements of the messages read so far, so a caller flushes once
 * it has kept them (the broker sends again whatever it never had
 * acknowledged). Call after each dispatch. */
void mqtt_source_flush(struct mqtt_source *src);

/* Disconnects cleanly (QoS 1 messages not yet acknowledged stay queued at
 * the broker for our session) and enters STOPPED. */
void mqtt_source_stop(struct mqtt_source *src);

/* The same, but until mqtt_source_resume: for a caller that cannot keep
 * what it would receive (its journal is failing). `why` is the reason the
 * state reports. */
void mqtt_source_suspend(struct mqtt_source *src, const char *why);
/* The same for a caller that could not keep the messages read since the
 * last flush: at QoS 1 their acknowledgements must not leave, so the
 * connection is dropped without sending anything more (no DISCONNECT
 * either) and the broker, which keeps the session, sends them again.
 * True when it did so; at QoS 0 (nothing to hold back) it suspends as
 * above and returns false. */
bool mqtt_source_suspend_unacked(struct mqtt_source *src, const char *why);
/* Connects again at once (the broker hands over what it queued). */
void mqtt_source_resume(struct mqtt_source *src);

/* At most `messages` messages per dispatch (0 = as many as arrive within
 * its time budget): what a caller keeps between two flushes. */
void mqtt_source_set_round_limit(struct mqtt_source *src, unsigned messages);

/* TLS file checks alone (for tests and early errors): true when every file
 * set in `config` is usable; else false with a cause that names the file
 * and the fix ("chmod 600 KEY"). */
bool mqtt_source_check_tls(const struct config *config, char **cause);

#endif
