/* A private temporary folder for one test program, fresh paths inside it,
 * and a read-write journal opened there. temp_dir_create() first,
 * temp_dir_remove() last. */
#ifndef THINGTOP_TEMP_DIR_H
#define THINGTOP_TEMP_DIR_H

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "journal.h"

static char temp_dir[64];
static int temp_counter;

static inline int temp_dir_create(const char *name)
{
	snprintf(temp_dir, sizeof(temp_dir), "/tmp/thingtop-test-%s-XXXXXX", name);
	if (!mkdtemp(temp_dir)) {
		perror("mkdtemp");
		return -1;
	}
	return 0;
}

static inline int temp_remove_entry(const char *path, const struct stat *st, int flag,
                                    struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static inline void temp_dir_remove(void)
{
	nftw(temp_dir, temp_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Copies a file (a journal kept under tests/data) byte for byte. */
static inline bool temp_copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[8192];
	size_t n;
	bool ok = in && out;
	while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
		ok = fwrite(buf, 1, n, out) == n;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		ok = false;
	return ok;
}

/* A path not used before in the folder; free it. */
static inline char *new_path(const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%d-%s", temp_dir, ++temp_counter, name) < 0)
		abort();
	return p;
}

static inline struct journal *open_rw(const char *path)
{
	char *cause = NULL;
	struct journal *j = journal_open(path, JOURNAL_READ_WRITE, &cause);
	if (!j)
		fprintf(stderr, "journal_open: %s\n", cause);
	free(cause);
	return j;
}

#endif
