/* A simulated fleet that behaves like AWS IoT Core's lifecycle events,
 * quirks included, with the broker's real state kept beside it as ground
 * truth. It runs on simulated time: each thing acts at its own times, drawn
 * from a seeded generator, so a run is reproducible and fast.
 *
 * The model is the broker's view (which sessions are open), written apart
 * from the reconciler (fleet.c) so each checks the other. */
#ifndef THINGTOP_SIMULATE_H
#define THINGTOP_SIMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum simulate_quirk {
	SIM_FLAPPING = 1 << 0,        /* some things reconnect every few seconds */
	SIM_STORMS = 1 << 1,          /* many things drop and come back at once */
	SIM_REORDER = 1 << 2,         /* delivery out of order within a bounded window */
	SIM_DUPLICATES = 1 << 3,      /* some messages delivered twice */
	SIM_SKEW = 1 << 4,            /* timestamps off by up to +-2 min */
	SIM_VERSION_RESET = 1 << 5,   /* versionNumber back to 0 after > 1 h offline */
	SIM_TAKEOVER = 1 << 6,        /* DUPLICATE_CLIENTID: old session's disconnect after the new connect */
	SIM_KEEPALIVE = 1 << 7,       /* silent loss: keep-alive disconnect after the new connect */
	SIM_CONNECT_FAILED = 1 << 8,  /* refused connects; some things never get in */
	SIM_SUBSCRIPTIONS = 1 << 9,   /* subscribed/unsubscribed events */
	SIM_MALFORMED = 1 << 10,      /* a few unparseable messages (NDJSON output only) */
	SIM_ALL = (1 << 11) - 1,
};

/* Parses "all", "none" or a comma-separated list of quirk names
 * ("flapping,reorder,..."). False with *cause naming the bad word. */
bool simulate_parse_quirks(const char *text, unsigned *quirks, char **cause);
const char *simulate_quirk_name(enum simulate_quirk quirk);

struct simulate_options {
	uint64_t seed;
	size_t things;                /* at least 1 */
	unsigned quirks;              /* enum simulate_quirk */
	int64_t start_ms;             /* simulated time of the first event */
	int64_t mean_interval_ms;     /* mean time between one thing's state changes */
	int reorder_window;           /* messages a delivery may be held back (SIM_REORDER) */
	bool ids_topic_safe;          /* no control characters in client ids (an MQTT broker refuses them in topics) */
};

/* 300 things, all quirks, seed 1, start 2026-01-01, 10 min interval, window 32. */
void simulate_defaults(struct simulate_options *options);

/* One delivered message. Pointers stay valid until the next call. */
struct simulate_message {
	const char *topic;
	size_t topic_len;
	const char *payload;
	size_t payload_len;
	int64_t received_ms;          /* simulated delivery time, never decreasing */
	bool malformed;               /* not a valid lifecycle event on purpose */
};

struct simulator;
struct simulator *simulate_create(const struct simulate_options *options);
void simulate_destroy(struct simulator *sim);

/* The next message in delivery order. Always true: the fleet runs for
 * ever; stop by calling simulate_drain. */
bool simulate_next(struct simulator *sim, struct simulate_message *out);

/* Stops generating: hands out the messages still held back (reorder
 * buffer, late disconnects) one per call; false when none is left. After
 * that the truth is complete: every state change has been delivered. */
bool simulate_drain(struct simulator *sim, struct simulate_message *out);

/* Messages handed out so far. */
uint64_t simulate_delivered(const struct simulator *sim);
/* Simulated time now. */
int64_t simulate_clock(const struct simulator *sim);

/* The ground truth: per thing "connected", "disconnected" or "unknown"
 * (never connected). */
size_t simulate_thing_count(const struct simulator *sim);
const char *simulate_thing_id(const struct simulator *sim, size_t index);
const char *simulate_thing_status(const struct simulator *sim, size_t index);

/* CSV "client_id,status" with a header, sorted by client id (bytewise). */
bool simulate_write_truth(const struct simulator *sim, FILE *out);

/* Writes a message as one NDJSON envelope line
 * {"topic":...,"payload":{...},"receivedAt":ms}\n (a malformed payload is
 * embedded as a JSON string). */
void simulate_write_ndjson(const struct simulate_message *msg, FILE *out);

/* ---- Publishing to a broker ---- */

/* A plain MQTT publisher (libmosquitto, no thread) with flow control:
 * at most a few thousand QoS 1 messages unacknowledged. */
struct simulate_publisher;
struct simulate_publisher *simulate_publisher_create(const char *host, int port, int qos,
                                                     char **cause);
/* Publishes one message; false with *cause when the connection failed. */
bool simulate_publish(struct simulate_publisher *pub, const struct simulate_message *msg, char **cause);
/* Waits until every message is acknowledged (QoS 1) or written (QoS 0). */
bool simulate_publisher_flush(struct simulate_publisher *pub, char **cause);
void simulate_publisher_destroy(struct simulate_publisher *pub);

#endif
