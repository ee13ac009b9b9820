/* The one path of every received message: parse, reconcile, journal.
 * The fleet decides the thing id, the journal stores it with the row, so
 * the order is: seq from the journal, apply to the fleet, append. */
#include "ingest.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void ingest_init(struct ingest *ingest, struct journal *journal, struct fleet *fleet)
{
	memset(ingest, 0, sizeof(*ingest));
	ingest->journal = journal;
	ingest->fleet = fleet;
	ingest->snapshot_interval_ms = INGEST_SNAPSHOT_INTERVAL_MS;
}

/* A periodic snapshot: fleet_save and a queued write behind the rows it
 * reflects, no waiting for the disk. */
static bool save_snapshot(struct ingest *ingest, char **cause)
{
	size_t len;
	void *data = fleet_save(ingest->fleet, &len);
	bool ok = journal_save_snapshot(ingest->journal, fleet_last_seq(ingest->fleet),
	                                fleet_clock(ingest->fleet), data, len, cause);
	free(data);
	ingest->since_snapshot = 0;
	ingest->last_snapshot_ms = fleet_clock(ingest->fleet);
	ingest->snapshots_saved++;
	return ok;
}

static bool snapshot_due(const struct ingest *ingest, int64_t received_ms)
{
	uint64_t things = fleet_count(ingest->fleet);
	uint64_t n = ingest->since_snapshot;
	if (!ingest->snapshot_every || !ingest->journal)
		return false;
	if (n >= ingest->snapshot_every && n >= things)
		return true;
	if (ingest->last_snapshot_ms == 0)
		return false;
	return ingest->snapshot_interval_ms > 0 && n >= things &&
	       received_ms - ingest->last_snapshot_ms >= ingest->snapshot_interval_ms;
}

static void count(struct ingest_stats *stats, enum event_type type, const struct fleet_result *result)
{
	stats->received++;
	if (type == EVENT_REJECT)
		stats->rejected++;
	else if (type == EVENT_IGNORED)
		stats->ignored++;
	else if (result->duplicate)
		stats->duplicates++;
	else
		stats->accepted++;
	if (result->stale)
		stats->stale++;
}

void ingest_event(struct ingest *ingest, const char *topic, const char *raw, size_t raw_len,
                  const struct event *event, int64_t received_ms)
{
	uint64_t seq = ingest->journal ? journal_next_seq(ingest->journal)
	                               : fleet_last_seq(ingest->fleet) + 1;
	struct fleet_event fleet_event;
	struct fleet_result result = {0};

	/* A baseline without a connectivity timestamp (never connected) has 0. */
	bool timeless = event->type == EVENT_BASELINE && event->timestamp_ms == 0;
	if (event->type != EVENT_REJECT && event->type != EVENT_IGNORED && !timeless &&
	    !event_time_plausible(event->timestamp_ms, received_ms)) {
		/* A wrong clock must not reach the fleet or retention: a reject
		 * (a copy: the caller's event is borrowed). */
		if (event != &ingest->scratch)
			ingest->scratch = *event;
		event_check_time(&ingest->scratch, received_ms);
		event = &ingest->scratch;
	}
	/* An oversize payload keeps its first EVENT_PAYLOAD_MAX bytes; its
	 * reject detail says how big it was. The journal never grows by more. */
	if (raw_len > EVENT_PAYLOAD_MAX)
		raw_len = EVENT_PAYLOAD_MAX;
	fleet_event_from_event(event, received_ms, seq, &fleet_event);
	if (event->type == EVENT_BASELINE) {
		fleet_event.payload = raw;
		fleet_event.payload_len = raw_len;
	}
	fleet_apply(ingest->fleet, &fleet_event, &result);
	count(&ingest->stats, event->type, &result);
	ingest->last = result;

	if (ingest->journal) {
		struct journal_record record = {
			.received_ms = received_ms,
			.topic = topic,
			.topic_len = topic ? strlen(topic) : 0,
			.payload = raw,
			.payload_len = raw_len,
			.event = event,
			.thing_id = result.thing_id,
			.new_thing = result.new_thing,
		};
		journal_append(ingest->journal, &record);
	}

	ingest->since_snapshot++;
	if (ingest->last_snapshot_ms == 0)
		ingest->last_snapshot_ms = received_ms;
	if (snapshot_due(ingest, received_ms))
		save_snapshot(ingest, NULL);
}

enum event_type ingest_message(struct ingest *ingest, const char *topic, const char *payload,
                               size_t len, int64_t received_ms)
{
	event_parse(topic, payload, len, &ingest->scratch);
	ingest_event(ingest, topic, payload, len, &ingest->scratch, received_ms);
	return ingest->scratch.type;
}

bool ingest_checkpoint(struct ingest *ingest, char **cause)
{
	if (!ingest->journal)
		return true;
	bool recent = ingest->snapshots_saved > 0 &&
	              ingest->since_snapshot < fleet_count(ingest->fleet) / 4;
	if (recent)
		return journal_flush(ingest->journal, cause);
	/* Queued behind the rows it reflects: one flush commits both. */
	return save_snapshot(ingest, cause) && journal_flush(ingest->journal, cause);
}
