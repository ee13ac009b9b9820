/* Snapshots deflated (schema 3): a fleet snapshot is mostly client ids,
 * sessions and times that repeat in shape, and shrinks to about a third.
 * Written whole; read back as a stream, as fleet_load_stream asks for it. */
#include "build_config.h"

#include "journal_internal.h"
#include "xalloc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Compressed bytes read from the blob at a time. */
#define INPUT_CHUNK (256u << 10)

bool journal_deflate(const void *data, size_t len, struct journal_codec_buf *out)
{
	z_stream z = { 0 };
	/* Level 1: the snapshot is made while ingest waits on its thread. */
	if (deflateInit(&z, 1) != Z_OK)
		return false;
	out->len = 0;
	const unsigned char *in = data;
	size_t left = len;
	int rc;
	do {
		if (z.avail_in == 0 && left > 0) {
			z.avail_in = left > UINT_MAX / 2 ? UINT_MAX / 2 : (uInt)left;
			z.next_in = (Bytef *)in;
			in += z.avail_in;
			left -= z.avail_in;
		}
		if (out->cap - out->len < 4096 || out->cap == 0) {
			size_t cap = out->cap ? out->cap * 2 : len / 3 + 65536;
			out->p = xrealloc(out->p, cap);
			out->cap = cap;
		}
		size_t room = out->cap - out->len;
		z.next_out = out->p + out->len;
		z.avail_out = room > UINT_MAX / 2 ? UINT_MAX / 2 : (uInt)room;
		uInt before = z.avail_out;
		rc = deflate(&z, left == 0 ? Z_FINISH : Z_NO_FLUSH);
		out->len += before - z.avail_out;
	} while (rc == Z_OK || rc == Z_BUF_ERROR);
	deflateEnd(&z);
	return rc == Z_STREAM_END;
}

struct journal_inflater {
	z_stream z;
	sqlite3_blob *blob;
	size_t blob_len, blob_at;   /* compressed bytes, and how many were fed */
	size_t pos;                 /* uncompressed offset of the next byte out */
	unsigned char *in, *skip;
	bool ended;
};

struct journal_inflater *journal_inflater_create(sqlite3_blob *blob)
{
	struct journal_inflater *f = xcalloc(1, sizeof *f);
	f->blob = blob;
	f->blob_len = (size_t)sqlite3_blob_bytes(blob);
	f->in = xmalloc(INPUT_CHUNK);
	if (inflateInit(&f->z) != Z_OK) {
		free(f->in);
		free(f);
		return NULL;
	}
	return f;
}

void journal_inflater_destroy(struct journal_inflater *f)
{
	if (!f)
		return;
	inflateEnd(&f->z);
	free(f->in);
	free(f->skip);
	free(f);
}

/* The next `len` bytes of output into buf. */
static bool inflate_into(struct journal_inflater *f, unsigned char *buf, size_t len)
{
	f->z.next_out = buf;
	while (len > 0) {
		if (f->ended)
			return false;
		if (f->z.avail_in == 0) {
			size_t n = f->blob_len - f->blob_at;
			if (n > INPUT_CHUNK)
				n = INPUT_CHUNK;
			if (n == 0 || sqlite3_blob_read(f->blob, f->in, (int)n, (int)f->blob_at) != SQLITE_OK)
				return false;
			f->blob_at += n;
			f->z.next_in = f->in;
			f->z.avail_in = (uInt)n;
		}
		uInt want = len > UINT_MAX / 2 ? UINT_MAX / 2 : (uInt)len;
		f->z.avail_out = want;
		int rc = inflate(&f->z, Z_NO_FLUSH);
		size_t got = want - f->z.avail_out;
		len -= got;
		f->pos += got;
		if (rc == Z_STREAM_END)
			f->ended = true;
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return false;
	}
	return true;
}

bool journal_inflater_read(struct journal_inflater *f, void *buf, size_t len, size_t offset)
{
	if (offset < f->pos) {
		/* Backwards (fleet_load_stream checks the sum, then reads again
		 * from the start): begin anew. */
		if (inflateReset(&f->z) != Z_OK)
			return false;
		f->z.avail_in = 0;
		f->blob_at = 0;
		f->pos = 0;
		f->ended = false;
	}
	while (f->pos < offset) {
		if (!f->skip)
			f->skip = xmalloc(INPUT_CHUNK);
		size_t n = offset - f->pos > INPUT_CHUNK ? INPUT_CHUNK : offset - f->pos;
		if (!inflate_into(f, f->skip, n))
			return false;
	}
	return inflate_into(f, buf, len);
}
