/* A one-line editor for the filter, find and command prompts: UTF-8 text,
 * a cursor, and the usual readline keys. */
#ifndef THINGTOP_TUI_PROMPT_H
#define THINGTOP_TUI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#define PROMPT_MAX 1024

enum prompt_kind {
	PROMPT_NONE,
	PROMPT_FILTER,      /* "/" */
	PROMPT_FIND,        /* "f" */
	PROMPT_COMMAND,     /* ":" */
};

enum prompt_result {
	PROMPT_EDITING,
	PROMPT_ACCEPT,      /* Enter */
	PROMPT_CANCEL,      /* Esc */
};

struct prompt {
	enum prompt_kind kind;
	char text[PROMPT_MAX];
	size_t len;
	size_t pos;         /* byte offset of the cursor, on a character boundary */
};

void prompt_open(struct prompt *prompt, enum prompt_kind kind, const char *initial);
void prompt_close(struct prompt *prompt);
/* `key` as in app.h (KEY_FN for curses keys). */
enum prompt_result prompt_key(struct prompt *prompt, int key);
const char *prompt_label(const struct prompt *prompt);

#endif
