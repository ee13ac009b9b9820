/* Snapshots compressed whole (zstd) and read back as a stream.
 *
 * A fleet snapshot is mostly session ids, addresses and times that no
 * compressor shrinks; zstd shrinks it a little more than deflate did and
 * reads back three times as fast, which is most of what loading one
 * costs after the fleet's own memory. Journals written before keep their
 * deflated snapshots: the first bytes say which (zstd's frame magic, or
 * a zlib header) and both are read. */
#include "build_config.h"

#include "journal_internal.h"
#include "xalloc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* Compressed bytes read from the blob at a time. */
#define INPUT_CHUNK (256u << 10)
/* The snapshot is made while ingest waits on its thread: level 1 takes
 * 0.25 s for a million things, level 3 0.41 s for half a percent less. */
#define ZSTD_LEVEL 1
/* A 32 KiB window, as deflate's: what a reader holds while it streams the
 * snapshot (level 1 would take 512 KiB, for a snapshot 1 % bigger: its
 * columns repeat at short range or not at all). */
#define ZSTD_WINDOW_LOG 15

bool journal_compress(const void *data, size_t len, struct journal_codec_buf *out)
{
	size_t bound = ZSTD_compressBound(len);
	if (out->cap < bound) {
		out->p = xrealloc(out->p, bound);
		out->cap = bound;
	}
	ZSTD_CCtx *z = ZSTD_createCCtx();
	if (!z)
		return false;
	size_t n = ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	if (!ZSTD_isError(n))
		n = ZSTD_CCtx_setParameter(z, ZSTD_c_windowLog, ZSTD_WINDOW_LOG);
	if (!ZSTD_isError(n))
		n = ZSTD_compress2(z, out->p, out->cap, data, len);
	ZSTD_freeCCtx(z);
	if (ZSTD_isError(n))
		return false;
	out->len = n;
	return true;
}

struct journal_decompressor {
	sqlite3_blob *blob;
	size_t blob_len, blob_at;   /* compressed bytes, and how many were fed */
	size_t pos;                 /* uncompressed offset of the next byte out */
	unsigned char *in, *skip;
	bool ended;
	bool zstd;                  /* else deflated (journals before zstd) */
	ZSTD_DStream *zs;
	ZSTD_inBuffer zin;
	z_stream z;
};

static bool starts_with_zstd_magic(sqlite3_blob *blob)
{
	unsigned char head[4];
	return sqlite3_blob_bytes(blob) >= 4 && sqlite3_blob_read(blob, head, 4, 0) == SQLITE_OK &&
	       (head[0] | (uint32_t)head[1] << 8 | (uint32_t)head[2] << 16 |
	        (uint32_t)head[3] << 24) == ZSTD_MAGICNUMBER;
}

struct journal_decompressor *journal_decompressor_create(sqlite3_blob *blob)
{
	struct journal_decompressor *d = xcalloc(1, sizeof *d);
	d->blob = blob;
	d->blob_len = (size_t)sqlite3_blob_bytes(blob);
	d->in = xmalloc(INPUT_CHUNK);
	d->zstd = starts_with_zstd_magic(blob);
	bool ok = d->zstd ? (d->zs = ZSTD_createDStream()) != NULL : inflateInit(&d->z) == Z_OK;
	if (!ok) {
		free(d->in);
		free(d);
		return NULL;
	}
	return d;
}

void journal_decompressor_destroy(struct journal_decompressor *d)
{
	if (!d)
		return;
	if (d->zstd)
		ZSTD_freeDStream(d->zs);
	else
		inflateEnd(&d->z);
	free(d->in);
	free(d->skip);
	free(d);
}

/* The next compressed bytes from the blob into d->in; 0 at its end. */
static size_t read_input(struct journal_decompressor *d)
{
	size_t n = d->blob_len - d->blob_at;
	if (n > INPUT_CHUNK)
		n = INPUT_CHUNK;
	if (n == 0 || sqlite3_blob_read(d->blob, d->in, (int)n, (int)d->blob_at) != SQLITE_OK)
		return 0;
	d->blob_at += n;
	return n;
}

/* One step of zstd into out[*done .. len); false on damage or a short
 * blob. More input is read only once the decoder, given what it has,
 * hands out nothing: it may still hold output of input already taken. */
static bool zstd_step(struct journal_decompressor *d, unsigned char *out, size_t len, size_t *done)
{
	ZSTD_outBuffer o = { out, len, *done };
	size_t before = d->zin.pos;
	size_t rc = ZSTD_decompressStream(d->zs, &o, &d->zin);
	if (ZSTD_isError(rc))
		return false;
	if (rc == 0)
		d->ended = true;
	bool moved = o.pos > *done || d->zin.pos > before;
	*done = o.pos;
	if (moved || d->ended)
		return true;
	size_t n = read_input(d);
	if (n == 0)
		return false;
	d->zin = (ZSTD_inBuffer){ d->in, n, 0 };
	return true;
}

/* One step of inflate into out[*done .. len), reading more of the blob
 * only when inflate, given what it has, hands out nothing (as zstd_step). */
static bool inflate_step(struct journal_decompressor *d, unsigned char *out, size_t len,
                         size_t *done)
{
	size_t want = len - *done > UINT_MAX / 2 ? UINT_MAX / 2 : len - *done;
	uInt in_before = d->z.avail_in;
	d->z.next_out = out + *done;
	d->z.avail_out = (uInt)want;
	int rc = inflate(&d->z, Z_NO_FLUSH);
	*done += want - d->z.avail_out;
	if (rc == Z_STREAM_END)
		d->ended = true;
	if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END)
		return false;
	if (d->ended || d->z.avail_out < want || d->z.avail_in < in_before)
		return true;
	size_t n = read_input(d);
	if (n == 0)
		return false;
	d->z.next_in = d->in;
	d->z.avail_in = (uInt)n;
	return true;
}

/* The next `len` bytes of output into buf. */
static bool decompress_into(struct journal_decompressor *d, unsigned char *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		if (d->ended)
			return false;
		bool ok = d->zstd ? zstd_step(d, buf, len, &done) : inflate_step(d, buf, len, &done);
		if (!ok)
			return false;
	}
	d->pos += len;
	return true;
}

static bool restart(struct journal_decompressor *d)
{
	d->blob_at = 0;
	d->pos = 0;
	d->ended = false;
	if (d->zstd) {
		d->zin = (ZSTD_inBuffer){ 0 };
		return !ZSTD_isError(ZSTD_DCtx_reset(d->zs, ZSTD_reset_session_only));
	}
	d->z.avail_in = 0;
	return inflateReset(&d->z) == Z_OK;
}

bool journal_decompressor_read(struct journal_decompressor *d, void *buf, size_t len, size_t offset)
{
	/* Backwards (fleet_load_stream checks the sum, then reads again from
	 * the start): begin anew. */
	if (offset < d->pos && !restart(d))
		return false;
	while (d->pos < offset) {
		if (!d->skip)
			d->skip = xmalloc(INPUT_CHUNK);
		size_t n = offset - d->pos > INPUT_CHUNK ? INPUT_CHUNK : offset - d->pos;
		if (!decompress_into(d, d->skip, n))
			return false;
	}
	return decompress_into(d, buf, len);
}
