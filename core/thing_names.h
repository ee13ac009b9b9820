/* Client ids by thing id, read from the journal's things table: journal
 * rows carry thing ids, and rebuilding or replaying needs the names of
 * things the fleet has not seen yet. */
#ifndef THINGTOP_THING_NAMES_H
#define THINGTOP_THING_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct thing_names {
	uint32_t *ids;              /* ascending, as the things table gives them */
	size_t *at;                 /* offsets into buf */
	size_t count, cap;
	char *buf;
	size_t len, size;
};

/* A journal_thing_fn: appends one (id, client_id); ids must ascend. */
bool thing_names_add(void *names, uint32_t id, const char *client_id);
/* The client id of `id`, or NULL. */
const char *thing_names_find(const struct thing_names *names, uint32_t id);
/* The largest id added, 0 when empty. */
uint32_t thing_names_last(const struct thing_names *names);
void thing_names_finish(struct thing_names *names);

#endif
