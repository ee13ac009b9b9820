/* A gzip-transparent FILE: zlib's gzread reads gzip and plain files
 * alike; fopencookie turns it back into a FILE for the line readers. */
#include "build_config.h"

#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "xalloc.h"

struct cookie {
	gzFile gz;
	char head[INPUT_HEAD_MAX];  /* served first: detection read it already */
	size_t head_len, head_at;
};

static ssize_t cookie_read(void *arg, char *buf, size_t size)
{
	struct cookie *c = arg;
	if (c->head_at < c->head_len) {
		size_t n = c->head_len - c->head_at;
		if (n > size)
			n = size;
		memcpy(buf, c->head + c->head_at, n);
		c->head_at += n;
		return (ssize_t)n;
	}
	if (size > (1u << 30))
		size = 1u << 30;
	int n = gzread(c->gz, buf, (unsigned)size);
	if (n < 0) {
		errno = EIO;
		return -1;
	}
	return n;
}

static int cookie_close(void *arg)
{
	struct cookie *c = arg;
	int rc = gzclose(c->gz) == Z_OK ? 0 : -1;
	free(c);
	return rc;
}

bool input_open(struct input *input, const char *path, char **cause)
{
	memset(input, 0, sizeof *input);
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_cause(cause, "cannot open %s: %s", is_stdin ? "<stdin>" : path, strerror(errno));
		return false;
	}
	gzFile gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		set_cause(cause, "cannot read %s: out of memory", path);
		return false;
	}
	gzbuffer(gz, 256 * 1024);
	struct cookie *c = xcalloc(1, sizeof *c);
	c->gz = gz;
	/* Fill the head: a pipe may hand it over in pieces. */
	while (c->head_len < INPUT_HEAD_MAX) {
		int n = gzread(gz, c->head + c->head_len, (unsigned)(INPUT_HEAD_MAX - c->head_len));
		if (n < 0) {
			int err;
			const char *what = gzerror(gz, &err);
			set_cause(cause, "cannot read %s: %s", is_stdin ? "<stdin>" : path,
			          err == Z_ERRNO ? strerror(errno) : what);
			gzclose(gz);
			free(c);
			return false;
		}
		if (n == 0)
			break;
		c->head_len += (size_t)n;
	}
	input->gzip = !gzdirect(gz);
	memcpy(input->head, c->head, c->head_len);
	input->head_len = c->head_len;
	cookie_io_functions_t io = {.read = cookie_read, .close = cookie_close};
	input->file = fopencookie(c, "r", io);
	if (!input->file) {
		set_cause(cause, "cannot read %s: %s", path, strerror(errno));
		gzclose(gz);
		free(c);
		return false;
	}
	return true;
}

void input_close(struct input *input)
{
	if (input->file)
		fclose(input->file);
	input->file = NULL;
}
