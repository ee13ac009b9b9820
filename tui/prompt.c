/* The prompt line editor. */
#include "build_config.h"

#include <curses.h>
#include <string.h>

#include "app.h"
#include "prompt.h"

void prompt_open(struct prompt *prompt, enum prompt_kind kind, const char *initial)
{
	prompt->kind = kind;
	prompt->len = 0;
	prompt->text[0] = '\0';
	if (initial != NULL) {
		size_t n = strlen(initial);
		if (n >= PROMPT_MAX)
			n = PROMPT_MAX - 1;
		memcpy(prompt->text, initial, n);
		prompt->text[n] = '\0';
		prompt->len = n;
	}
	prompt->pos = prompt->len;
}

void prompt_close(struct prompt *prompt)
{
	prompt->kind = PROMPT_NONE;
}

const char *prompt_label(const struct prompt *prompt)
{
	switch (prompt->kind) {
	case PROMPT_FILTER:
		return "/";
	case PROMPT_FIND:
		return "find: ";
	case PROMPT_COMMAND:
		return ":";
	case PROMPT_NONE:
		break;
	}
	return "";
}

static bool is_continuation(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

static size_t prev_char(const struct prompt *prompt, size_t pos)
{
	while (pos > 0) {
		pos--;
		if (!is_continuation(prompt->text[pos]))
			break;
	}
	return pos;
}

static size_t next_char(const struct prompt *prompt, size_t pos)
{
	if (pos < prompt->len)
		pos++;
	while (pos < prompt->len && is_continuation(prompt->text[pos]))
		pos++;
	return pos;
}

static void delete_range(struct prompt *prompt, size_t from, size_t to)
{
	memmove(prompt->text + from, prompt->text + to, prompt->len - to + 1);
	prompt->len -= to - from;
	if (prompt->pos > to)
		prompt->pos -= to - from;
	else if (prompt->pos > from)
		prompt->pos = from;
}

/* Encodes a code point as UTF-8; 0 for what cannot be typed. */
static size_t encode_utf8(int cp, char out[4])
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
		return 0;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp < 0xe000)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp < 0x110000) {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

enum prompt_result prompt_key(struct prompt *prompt, int key)
{
	switch (key) {
	case '\n':
	case '\r':
	case KEY_FN(KEY_ENTER):
		return PROMPT_ACCEPT;
	case KEY_ESC:
		return PROMPT_CANCEL;
	case KEY_FN(KEY_BACKSPACE):
	case 0x7f:
	case KEY_CTRL('h'):
		if (prompt->pos > 0)
			delete_range(prompt, prev_char(prompt, prompt->pos), prompt->pos);
		else if (prompt->len == 0)
			return PROMPT_CANCEL;
		return PROMPT_EDITING;
	case KEY_FN(KEY_DC):
	case KEY_CTRL('d'):
		if (prompt->pos < prompt->len)
			delete_range(prompt, prompt->pos, next_char(prompt, prompt->pos));
		return PROMPT_EDITING;
	case KEY_FN(KEY_LEFT):
	case KEY_CTRL('b'):
		prompt->pos = prev_char(prompt, prompt->pos);
		return PROMPT_EDITING;
	case KEY_FN(KEY_RIGHT):
	case KEY_CTRL('f'):
		prompt->pos = next_char(prompt, prompt->pos);
		return PROMPT_EDITING;
	case KEY_FN(KEY_HOME):
	case KEY_CTRL('a'):
		prompt->pos = 0;
		return PROMPT_EDITING;
	case KEY_FN(KEY_END):
	case KEY_CTRL('e'):
		prompt->pos = prompt->len;
		return PROMPT_EDITING;
	case KEY_CTRL('u'):
		delete_range(prompt, 0, prompt->pos);
		return PROMPT_EDITING;
	case KEY_CTRL('k'):
		delete_range(prompt, prompt->pos, prompt->len);
		return PROMPT_EDITING;
	case KEY_CTRL('w'): {
		size_t p = prompt->pos;
		while (p > 0 && prompt->text[p - 1] == ' ')
			p--;
		while (p > 0 && prompt->text[p - 1] != ' ')
			p--;
		delete_range(prompt, p, prompt->pos);
		return PROMPT_EDITING;
	}
	default:
		break;
	}
	if (key >= KEY_FN(0))
		return PROMPT_EDITING;
	char buf[4];
	size_t n = encode_utf8(key, buf);
	if (n == 0 || prompt->len + n >= PROMPT_MAX)
		return PROMPT_EDITING;
	memmove(prompt->text + prompt->pos + n, prompt->text + prompt->pos,
	        prompt->len - prompt->pos + 1);
	memcpy(prompt->text + prompt->pos, buf, n);
	prompt->len += n;
	prompt->pos += n;
	return PROMPT_EDITING;
}
