/* One meaning for the list keys on every screen. */
#include "list_keys.h"

#include <curses.h>

#include "app.h"

bool list_move_key(int key, size_t *cursor, size_t count, size_t page)
{
	size_t last = count > 0 ? count - 1 : 0;
	size_t at = *cursor > last ? last : *cursor;
	switch (key) {
	case KEY_FN(KEY_UP):
	case 'k':
		at = at > 0 ? at - 1 : 0;
		break;
	case KEY_FN(KEY_DOWN):
	case 'j':
		at = at < last ? at + 1 : last;
		break;
	case KEY_FN(KEY_PPAGE):
	case KEY_CTRL('b'):
		at = at > page ? at - page : 0;
		break;
	case KEY_FN(KEY_NPAGE):
	case KEY_CTRL('f'):
	case ' ':
		at = at + page < last ? at + page : last;
		break;
	case KEY_FN(KEY_HOME):
	case 'g':
		at = 0;
		break;
	case KEY_FN(KEY_END):
	case 'G':
		at = last;
		break;
	default:
		return false;
	}
	*cursor = at;
	return true;
}
