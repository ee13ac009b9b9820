/* Publishing the simulator's messages to an MQTT broker, at most
 * PUBLISH_WINDOW unacknowledged at a time. */
#include "simulate.h"

#include <errno.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "simulate_internal.h"
#include "xalloc.h"

#define PUBLISH_WINDOW 2000

struct simulate_publisher {
	struct mosquitto *mosq;
	int qos;
	uint64_t sent, acked;
};

static void on_published(struct mosquitto *mosq, void *obj, int mid)
{
	struct simulate_publisher *pub = obj;
	pub->acked++;
}

struct simulate_publisher *simulate_publisher_create(const char *host, int port, int qos, char **cause)
{
	mosquitto_lib_init();
	struct simulate_publisher *pub = xcalloc(1, sizeof *pub);
	pub->qos = qos;
	char id[64];
	snprintf(id, sizeof id, "thingtop-simulate-%ld", (long)getpid());
	pub->mosq = mosquitto_new(id, true, pub);
	if (!pub->mosq) {
		set_cause(cause, "cannot create an MQTT client: %s", strerror(errno));
		goto fail;
	}
	mosquitto_int_option(pub->mosq, MOSQ_OPT_TCP_NODELAY, 0);
	mosquitto_max_inflight_messages_set(pub->mosq, 0);
	mosquitto_publish_callback_set(pub->mosq, on_published);
	int rc = mosquitto_connect(pub->mosq, host, port, 60);
	if (rc != MOSQ_ERR_SUCCESS) {
		set_cause(cause, "cannot connect to %s:%d: %s", host, port,
		          rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		goto fail;
	}
	return pub;
fail:
	simulate_publisher_destroy(pub);
	return NULL;
}

static bool pump(struct simulate_publisher *pub, int timeout_ms, char **cause)
{
	int rc = mosquitto_loop(pub->mosq, timeout_ms, 1);
	if (rc != MOSQ_ERR_SUCCESS) {
		set_cause(cause, "publishing: %s", rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		return false;
	}
	return true;
}

bool simulate_publish(struct simulate_publisher *pub, const struct simulate_message *msg, char **cause)
{
	char topic[SIMULATE_TOPIC_MAX + 1];
	size_t len = msg->topic_len < SIMULATE_TOPIC_MAX ? msg->topic_len : SIMULATE_TOPIC_MAX;
	memcpy(topic, msg->topic, len);
	topic[len] = '\0';
	int rc = mosquitto_publish(pub->mosq, NULL, topic, (int)msg->payload_len, msg->payload, pub->qos, false);
	if (rc != MOSQ_ERR_SUCCESS) {
		set_cause(cause, "publishing to %s: %s", topic, mosquitto_strerror(rc));
		return false;
	}
	pub->sent++;
	/* Read acknowledgements now and then; wait when too many are out. */
	if ((pub->sent & 63) == 0 || mosquitto_want_write(pub->mosq)) {
		if (!pump(pub, 0, cause))
			return false;
	}
	while (pub->qos > 0 && pub->sent - pub->acked > PUBLISH_WINDOW) {
		if (!pump(pub, 100, cause))
			return false;
	}
	return true;
}

bool simulate_publisher_flush(struct simulate_publisher *pub, char **cause)
{
	while ((pub->qos > 0 && pub->acked < pub->sent) || mosquitto_want_write(pub->mosq)) {
		if (!pump(pub, 100, cause))
			return false;
	}
	return true;
}

void simulate_publisher_destroy(struct simulate_publisher *pub)
{
	if (!pub)
		return;
	if (pub->mosq) {
		mosquitto_disconnect(pub->mosq);
		mosquitto_loop(pub->mosq, 100, 1);
		mosquitto_destroy(pub->mosq);
	}
	free(pub);
	mosquitto_lib_cleanup();
}
