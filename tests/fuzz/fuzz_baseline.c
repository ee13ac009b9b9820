/* Fuzzes what `thingtop sync` reads (search-index pages, connectivity
 * documents) and, through the fleet, the registry fields of a baseline. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "baseline.h"
#include "fleet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct baseline_reader *reader = baseline_reader_create((const char *)data, size);
	struct fleet *fleet = fleet_create(NULL);
	struct baseline_item *item;
	uint64_t seq = 0;
	while ((item = baseline_reader_next(reader))) {
		if (item->event.type != EVENT_BASELINE && item->event.type != EVENT_REJECT)
			__builtin_trap();
		struct fleet_event e;
		fleet_event_from_event(&item->event, INT64_C(1767225600000), ++seq, &e);
		e.payload = item->raw;
		e.payload_len = item->raw_len;
		fleet_apply(fleet, &e, NULL);
	}
	size_t len;
	void *snapshot = fleet_save(fleet, &len);
	struct fleet *copy = fleet_load(snapshot, len, NULL, NULL);
	if (!copy || fleet_count(copy) != fleet_count(fleet))
		__builtin_trap();
	fleet_destroy(copy);
	free(snapshot);
	fleet_destroy(fleet);
	baseline_reader_destroy(reader);
	return 0;
}
