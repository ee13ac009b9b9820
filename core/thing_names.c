#include "thing_names.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

bool thing_names_add(void *ctx, uint32_t id, const char *client_id)
{
	struct thing_names *n = ctx;
	size_t len = strlen(client_id) + 1;
	if (n->count == n->cap) {
		n->cap = n->cap ? n->cap * 2 : 256;
		n->ids = xreallocarray(n->ids, n->cap, sizeof *n->ids);
		n->at = xreallocarray(n->at, n->cap, sizeof *n->at);
	}
	if (n->size - n->len < len) {
		while (n->size - n->len < len)
			n->size = n->size ? n->size * 2 : 4096;
		n->buf = xrealloc(n->buf, n->size);
	}
	memcpy(n->buf + n->len, client_id, len);
	n->ids[n->count] = id;
	n->at[n->count++] = n->len;
	n->len += len;
	return true;
}

const char *thing_names_find(const struct thing_names *n, uint32_t id)
{
	/* Ids are dense in practice: try the direct slot, then search. */
	size_t lo = 0, hi = n->count;
	if (n->count && id >= n->ids[0] && id - n->ids[0] < n->count && n->ids[id - n->ids[0]] == id)
		return n->buf + n->at[id - n->ids[0]];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (n->ids[mid] == id)
			return n->buf + n->at[mid];
		if (n->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint32_t thing_names_last(const struct thing_names *n)
{
	return n->count ? n->ids[n->count - 1] : 0;
}

void thing_names_finish(struct thing_names *n)
{
	free(n->ids);
	free(n->at);
	free(n->buf);
	memset(n, 0, sizeof(*n));
}
