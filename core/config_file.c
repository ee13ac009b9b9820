/* Reading a libconfig file safely. libconfig 1.5 cannot be handed just
 * any file: its scanner ends the whole process on a folder ("input in
 * flex scanner failed"), it reads any size, and adding a setting scans its
 * group for a duplicate, so a file of 80,000 settings takes 30 s. So the
 * file and every file it @includes are checked here first, with one
 * lexical pass that knows comments, strings and includes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

/* libconfig's own limit on nested includes. */
#define INCLUDE_DEPTH_MAX 10

struct scan {
	size_t settings;            /* assignments in all files so far */
	char **cause;
};

static bool check_text(struct scan *sc, const char *path, const char *text, size_t len,
                       int depth);

/* Reads a whole file of at most CONFIG_FILE_MAX bytes. `what` prefixes
 * the messages ("file" or "file:line: @include \"x\""). */
static char *read_capped(const char *path, const char *what, size_t *len, char **cause)
{
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		set_cause(cause, "%s: %s", what, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		set_cause(cause, "%s: is a folder, not a config file", what);
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > CONFIG_FILE_MAX) {
		set_cause(cause, "%s: %lld bytes, over the %d-byte limit for a config file", what,
		          (long long)st.st_size, CONFIG_FILE_MAX);
		goto out;
	}
	/* Blocking again: a pipe (-c <(...)) is read to its end. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	buf = xmalloc(CONFIG_FILE_MAX + 2);
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, CONFIG_FILE_MAX + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_cause(cause, "%s: cannot read: %s", what, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > CONFIG_FILE_MAX) {
			set_cause(cause, "%s: over the %d-byte limit for a config file", what,
			          CONFIG_FILE_MAX);
			goto fail;
		}
	}
	buf[got] = '\0';
	*len = got;
	goto out;
fail:
	free(buf);
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

/* The file an @include names, as libconfig finds it (no include folder
 * set: relative to the working folder), checked like the main file. */
static bool check_include(struct scan *sc, const char *path, int line, const char *name,
                          int depth)
{
	char *what = xasprintf("%s:%d: @include \"%s\"", path, line, name);
	bool ok = false;
	size_t len;
	char *text;
	if (depth >= INCLUDE_DEPTH_MAX) {
		set_cause(sc->cause, "%s: includes nested more than %d deep (an include loop?)", what,
		          INCLUDE_DEPTH_MAX);
	} else if ((text = read_capped(name, what, &len, sc->cause))) {
		ok = check_text(sc, name, text, len, depth + 1);
		free(text);
	}
	free(what);
	return ok;
}

/* The end of a "..." string starting at text[i] == '"' (past the quote),
 * copying its plain characters to out (size out_size) when out is set. */
static size_t skip_string(const char *text, size_t len, size_t i, char *out, size_t out_size)
{
	size_t o = 0;
	for (i++; i < len && text[i] != '"' && text[i] != '\n'; i++) {
		if (text[i] == '\\' && i + 1 < len)
			i++;
		if (out && o + 1 < out_size)
			out[o++] = text[i];
	}
	if (out)
		out[o] = '\0';
	return i < len && text[i] == '"' ? i + 1 : i;
}

static bool check_text(struct scan *sc, const char *path, const char *text, size_t len,
                       int depth)
{
	static const char include[] = "@include";
	int line = 1;
	size_t i = 0;
	while (i < len) {
		char c = text[i];
		if (c == '\n') {
			line++;
			i++;
		} else if (c == '#' || (c == '/' && i + 1 < len && text[i + 1] == '/')) {
			while (i < len && text[i] != '\n')
				i++;
		} else if (c == '/' && i + 1 < len && text[i + 1] == '*') {
			for (i += 2; i < len && !(text[i] == '*' && i + 1 < len && text[i + 1] == '/'); i++)
				line += text[i] == '\n';
			i += 2;
		} else if (c == '"') {
			i = skip_string(text, len, i, NULL, 0);
		} else if (c == '=' || c == ':') {
			if (++sc->settings > CONFIG_SETTINGS_MAX) {
				set_cause(sc->cause, "%s:%d: more than %d settings: not a thingtop config",
				          path, line, CONFIG_SETTINGS_MAX);
				return false;
			}
			i++;
		} else if (c == '@' && len - i >= sizeof include - 1 &&
		           memcmp(text + i, include, sizeof include - 1) == 0) {
			i += sizeof include - 1;
			while (i < len && (text[i] == ' ' || text[i] == '\t'))
				i++;
			if (i < len && text[i] == '"') {
				char name[4096];
				i = skip_string(text, len, i, name, sizeof name);
				if (!check_include(sc, path, line, name, depth))
					return false;
			}
		} else {
			i++;
		}
	}
	return true;
}

char *config_file_read(const char *path, char **cause)
{
	struct scan sc = { .cause = cause };
	size_t len;
	char *text = read_capped(path, path, &len, cause);
	if (!text)
		return NULL;
	if (memchr(text, '\0', len)) {
		set_cause(cause, "%s: a NUL byte at offset %zu: not a config file", path,
		          (size_t)((char *)memchr(text, '\0', len) - text));
		free(text);
		return NULL;
	}
	if (!check_text(&sc, path, text, len, 0)) {
		free(text);
		return NULL;
	}
	return text;
}
