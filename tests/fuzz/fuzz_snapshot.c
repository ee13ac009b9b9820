/* Fuzzes the fleet snapshot loader: a journal is a file anyone may hand
 * over. The input gets its length field and checksum made right first,
 * so that the fuzzer reaches the fields behind them (a damaged snapshot
 * is otherwise refused by its checksum alone). A snapshot that loads is
 * whole: its status counts add up, every thing is found by its client
 * id, and saving it gives bytes that load and save to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "fleet_snapshot_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reseal(uint8_t *p, size_t size)
{
	for (int b = 0; b < 8; b++)
		p[16 + b] = (uint8_t)((uint64_t)size >> (8 * b));
	size_t content = size - 8, blocks = content & ~(size_t)31;
	struct checksum c;
	checksum_init(&c);
	checksum_blocks(&c, p, blocks);
	uint64_t sum = checksum_finish(&c, p + blocks, content - blocks, content);
	for (int b = 0; b < 8; b++)
		p[content + b] = (uint8_t)(sum >> (8 * b));
}

static void check_whole(const struct fleet *f)
{
	size_t n = fleet_count(f);
	if (fleet_status_count(f, STATUS_UNKNOWN) + fleet_status_count(f, STATUS_CONNECTED) +
	        fleet_status_count(f, STATUS_DISCONNECTED) != n)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		const struct fleet_thing *t = fleet_thing_at(f, i);
		if (t->id != i + 1 || fleet_find(f, t->client_id) != t)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER_SIZE + 8 || size > (4u << 20))
		return 0;
	uint8_t *copy = malloc(size);
	memcpy(copy, data, size);
	reseal(copy, size);
	char *cause = NULL;
	struct fleet *f = fleet_load(copy, size, NULL, &cause);
	if ((f == NULL) != (cause != NULL))
		__builtin_trap();
	if (f) {
		check_whole(f);
		size_t len, len2;
		uint8_t *saved = fleet_save(f, &len);
		struct fleet *g = fleet_load(saved, len, NULL, NULL);
		if (!g)
			__builtin_trap();
		uint8_t *again = fleet_save(g, &len2);
		if (len2 != len || memcmp(saved, again, len) != 0)
			__builtin_trap();
		free(again);
		free(saved);
		fleet_destroy(g);
		fleet_destroy(f);
	}
	free(cause);
	free(copy);
	return 0;
}
