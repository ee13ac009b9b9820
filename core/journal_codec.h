/* The journal's compact form of a message's payload (schema 3): a blob
 * from which the exact received bytes are rebuilt, given the fields the
 * row keeps in its own columns (the context).
 *
 * A flat JSON object written compactly ({"k":v,...}) or with one space
 * after ':' and ',' is stored as its key order plus, for each value,
 * either nothing (it is the context's value, rendered the way AWS does)
 * or its exact text. Anything else (other whitespace, nesting at the top,
 * not JSON, invalid UTF-8) is stored whole, deflated when that pays.
 * Every blob carries the CRC-32 of the payload; encoding checks its own
 * result by decoding it, so a blob always gives the bytes back. */
#ifndef THINGTOP_JOURNAL_CODEC_H
#define THINGTOP_JOURNAL_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the row gives back on reading: must be the same when encoding and
 * decoding. Strings are NUL-terminated, "" when absent. */
struct journal_codec_ctx {
	const char *client_id;
	const char *event_type;       /* "connected", ...; "" for rejects */
	const char *session;
	const char *principal;        /* the thing's (things.principal) */
	const char *thing_name;       /* the thing's (things.thing_name) */
	const char *ip;
	const char *reason;           /* disconnectReason or connectFailureReason */
	bool has_ts, has_version;
	int64_t ts_ms, version;
};

/* A growable byte buffer; free p when done. */
struct journal_codec_buf {
	unsigned char *p;
	size_t len, cap;
};

/* Shapes: the key order and value kinds of a template, numbered from 1,
 * so that a row names its shape instead of spelling it (the journal keeps
 * them in its shapes table). At most JOURNAL_SHAPES_MAX; past that, rows
 * spell their shape. */
#define JOURNAL_SHAPES_MAX 4096
struct journal_shape {
	unsigned char *bytes;
	size_t len;
};
struct journal_shapes {
	struct journal_shape *v;     /* id - 1 */
	size_t count, cap;
};
/* The id of a shape, 0 when unknown. */
unsigned journal_shapes_find(const struct journal_shapes *shapes, const void *shape, size_t len);
/* Adds a shape under the next id (id must be count + 1); false if not. */
bool journal_shapes_add(struct journal_shapes *shapes, unsigned id, const void *shape, size_t len);
void journal_shapes_clear(struct journal_shapes *shapes);

/* Encodes `len` bytes into out (replaced). Never fails. With shapes (may
 * be NULL), a template's shape is looked up there and added when new.
 * work: two buffers kept between calls (NULL: allocated each time). */
void journal_codec_encode(const char *payload, size_t len, const struct journal_codec_ctx *ctx,
                          struct journal_shapes *shapes, struct journal_codec_buf *out,
                          struct journal_codec_buf work[2]);
/* The same, given the payload's CRC-32 (journal_codec_crc), so that a
 * writer thread can leave it to the thread that handed the payload in. */
void journal_codec_encode_crc(const char *payload, size_t len, uint32_t crc,
                              const struct journal_codec_ctx *ctx, struct journal_shapes *shapes,
                              struct journal_codec_buf *out, struct journal_codec_buf work[2]);
uint32_t journal_codec_crc(const void *payload, size_t len);

/* Rebuilds the payload into out (replaced, NUL-terminated beyond len).
 * False for a damaged blob, an unknown shape or a CRC mismatch (*crc_ok
 * says which when not NULL). */
bool journal_codec_decode(const void *blob, size_t len, const struct journal_codec_ctx *ctx,
                          const struct journal_shapes *shapes, struct journal_codec_buf *out,
                          bool *crc_ok);

/* ---- Columns in binary ----
 * A session that is a lowercase UUID packs to 16 bytes, an IP address
 * that inet_ntop prints back the same to 4 or 16, a reason AWS documents
 * to a small code. Each returns 0 (or false) when the text must stay. */
size_t journal_pack_session(const char *text, unsigned char out[16]);
size_t journal_pack_ip(const char *text, unsigned char out[16]);
int journal_reason_code(const char *text);

/* Back to text: buf of at least 48 bytes. */
const char *journal_unpack_session(const void *bytes, size_t len, char *buf);
const char *journal_unpack_ip(const void *bytes, size_t len, char *buf);
/* "" for an unknown code. */
const char *journal_reason_text(int code);

#endif
