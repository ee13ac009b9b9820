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

	fleet_event_from_event(event, received_ms, seq, &fleet_event);
	fleet_apply(ingest->fleet, &fleet_event, &result);
	count(&ingest->stats, event->type, &result);

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

	if (ingest->snapshot_every && ++ingest->since_snapshot >= ingest->snapshot_every)
		ingest_checkpoint(ingest, NULL);
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
	ingest->since_snapshot = 0;
	if (!ingest->journal)
		return true;
	if (!journal_flush(ingest->journal, cause))
		return false;
	size_t len;
	void *data = fleet_save(ingest->fleet, &len);
	bool ok = journal_save_snapshot(ingest->journal, fleet_last_seq(ingest->fleet),
	                                fleet_clock(ingest->fleet), data, len, cause) &&
	          journal_flush(ingest->journal, cause);
	free(data);
	return ok;
}
