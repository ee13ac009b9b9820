/* The keys every list shares, as in htop and less: Up/k, Down/j, PgUp
 * (Ctrl-B), PgDn (Ctrl-F, Space), Home/g, End/G. */
#ifndef THINGTOP_TUI_LIST_KEYS_H
#define THINGTOP_TUI_LIST_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/* Moves *cursor within rows 0 .. count-1 (a page is `page` rows); true
 * when `key` is one of the list keys (also when the cursor could not move). */
bool list_move_key(int key, size_t *cursor, size_t count, size_t page);

#endif
