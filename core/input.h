/* Opening an input file that may be gzip-compressed: the caller gets a
 * plain FILE (decompressed on the fly by zlib) and the first bytes of the
 * decompressed text, so it can tell the format before reading. */
#ifndef THINGTOP_INPUT_H
#define THINGTOP_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define INPUT_HEAD_MAX 4096

struct input {
	FILE *file;                 /* owned: close with input_close */
	char head[INPUT_HEAD_MAX];  /* the first bytes of the (decompressed) text */
	size_t head_len;            /* they are still to be read from file */
	int gzip;                   /* the file was gzip-compressed */
};

/* Opens `path` ("-" is standard input, which is then read but not
 * closed). Returns false with *cause when it cannot be opened or read. */
bool input_open(struct input *input, const char *path, char **cause);
void input_close(struct input *input);

#endif
