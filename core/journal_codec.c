/* The compact payload form: see journal_codec.h. */
#include "build_config.h"

#include "journal_codec.h"
#include "xalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum mode { MODE_RAW, MODE_DEFLATE, MODE_COMPACT, MODE_SPACED, MODE_SHAPED };
#define HEADER 5                /* mode byte, CRC-32 */
/* Below this, deflate never pays for its own header. */
#define DEFLATE_MIN 64
#define KEYS_MAX 64

/* An entry byte: the key (KEY_CUSTOM: its text follows) and the value. */
#define KEY_CUSTOM 15
enum value_kind { VALUE_CTX, VALUE_RAW, VALUE_TRUE, VALUE_FALSE, VALUE_NULL };

enum key {
	KEY_CLIENT_ID, KEY_TIMESTAMP, KEY_EVENT_TYPE, KEY_SESSION, KEY_PRINCIPAL, KEY_IP,
	KEY_VERSION, KEY_CLIENT_INITIATED, KEY_DISCONNECT_REASON, KEY_FAILURE_REASON,
	KEY_THING_NAME, KEY_TOPICS, KEY_COUNT
};

/* With their quotes: keys are compared and written as tokens. */
#define TOKEN(s) { s, sizeof(s) - 1 }
static const struct {
	const char *text;
	size_t len;
} key_tokens[KEY_COUNT] = {
	[KEY_CLIENT_ID] = TOKEN("\"clientId\""),
	[KEY_TIMESTAMP] = TOKEN("\"timestamp\""),
	[KEY_EVENT_TYPE] = TOKEN("\"eventType\""),
	[KEY_SESSION] = TOKEN("\"sessionIdentifier\""),
	[KEY_PRINCIPAL] = TOKEN("\"principalIdentifier\""),
	[KEY_IP] = TOKEN("\"ipAddress\""),
	[KEY_VERSION] = TOKEN("\"versionNumber\""),
	[KEY_CLIENT_INITIATED] = TOKEN("\"clientInitiatedDisconnect\""),
	[KEY_DISCONNECT_REASON] = TOKEN("\"disconnectReason\""),
	[KEY_FAILURE_REASON] = TOKEN("\"connectFailureReason\""),
	[KEY_THING_NAME] = TOKEN("\"thingName\""),
	[KEY_TOPICS] = TOKEN("\"topics\""),
};

struct span {
	size_t at, len;
};

struct member {
	struct span key, value;
};

/* ---- Buffer ---- */

static void buf_reserve(struct journal_codec_buf *b, size_t more)
{
	if (b->cap - b->len > more)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len <= more)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

static void put(struct journal_codec_buf *b, const void *p, size_t len)
{
	buf_reserve(b, len);
	if (len)
		memcpy(b->p + b->len, p, len);
	b->len += len;
}

static void put_byte(struct journal_codec_buf *b, unsigned char c)
{
	put(b, &c, 1);
}

static void put_varint(struct journal_codec_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(b, (unsigned char)(v | 0x80));
		v >>= 7;
	}
	put_byte(b, (unsigned char)v);
}

static bool get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return false;
		unsigned char c = *(*p)++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return true;
	}
	return false;
}

/* ---- Rendering the context's values as AWS writes them ---- */

/* A JSON string as jansson writes it: quotes, backslash, control
 * characters escaped (\u00XX in lowercase hex), nothing else. */
/* The length of s's start that needs no escape. */
static size_t plain_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p >= 0x20 && *p != '"' && *p != '\\')
		p++;
	return (size_t)(p - (const unsigned char *)s);
}

static void put_json_string(struct journal_codec_buf *b, const char *s)
{
	size_t plain = plain_len(s);
	buf_reserve(b, plain + 2);
	b->p[b->len++] = '"';
	memcpy(b->p + b->len, s, plain);
	b->len += plain;
	for (const unsigned char *p = (const unsigned char *)s + plain; *p; p++) {
		char esc[8];
		switch (*p) {
		case '"': put(b, "\\\"", 2); break;
		case '\\': put(b, "\\\\", 2); break;
		case '\b': put(b, "\\b", 2); break;
		case '\f': put(b, "\\f", 2); break;
		case '\n': put(b, "\\n", 2); break;
		case '\r': put(b, "\\r", 2); break;
		case '\t': put(b, "\\t", 2); break;
		default:
			if (*p < 0x20) {
				snprintf(esc, sizeof esc, "\\u%04x", *p);
				put(b, esc, 6);
			} else {
				put_byte(b, *p);
			}
		}
	}
	put_byte(b, '"');
}

/* Decimal digits of v, as printf's %lld writes them. */
static void put_int(struct journal_codec_buf *b, int64_t v)
{
	char digits[24];
	size_t n = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		digits[sizeof digits - ++n] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		digits[sizeof digits - ++n] = '-';
	put(b, digits + sizeof digits - n, n);
}

/* The context's string for `key`, NULL when the key has none. */
static const char *ctx_string(int key, const struct journal_codec_ctx *c)
{
	switch (key) {
	case KEY_CLIENT_ID: return c->client_id;
	case KEY_EVENT_TYPE: return c->event_type;
	case KEY_SESSION: return c->session;
	case KEY_PRINCIPAL: return c->principal;
	case KEY_THING_NAME: return c->thing_name;
	case KEY_IP: return c->ip;
	case KEY_DISCONNECT_REASON:
	case KEY_FAILURE_REASON: return c->reason;
	default: return NULL;
	}
}

/* Renders the context's value for `key`; false when it has none. */
static bool put_ctx_value(struct journal_codec_buf *b, int key, const struct journal_codec_ctx *c)
{
	const char *str = ctx_string(key, c);
	if (str) {
		put_json_string(b, str);
		return true;
	}
	if (key == KEY_TIMESTAMP && c->has_ts)
		put_int(b, c->ts_ms);
	else if (key == KEY_VERSION && c->has_version)
		put_int(b, c->version);
	else
		return false;
	return true;
}

/* Whether str renders as the n bytes of a JSON string's inside `v`: 1
 * or 0, in one pass; -1 when v holds an escape before any difference
 * (then only a rendering can tell). */
static int plain_equal(const char *str, const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)v[i], b = (unsigned char)str[i];
		if (a == '\\')
			return -1;
		/* b < 0x20 (a NUL ending str too) and '"' render as escapes. */
		if (a != b || b < 0x20 || b == '"')
			return 0;
	}
	return str[n] == '\0';
}

/* True when the value's text is what put_ctx_value renders. */
static bool ctx_matches(struct journal_codec_buf *scratch, int key,
                        const struct journal_codec_ctx *c, const char *v, size_t len)
{
	const char *str = ctx_string(key, c);
	/* A string without escapes: compare in place. */
	if (str && len >= 2 && v[0] == '"') {
		int equal = plain_equal(str, v + 1, len - 2);
		if (equal >= 0)
			return equal;
	}
	scratch->len = 0;
	return put_ctx_value(scratch, key, c) && scratch->len == len &&
	       memcmp(scratch->p, v, len) == 0;
}

/* ---- Splitting a flat object into members ---- */

/* The end of the JSON string starting at s[i] == '"', or 0. */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

/* The end of the value at s[i]: a string, a bracketed value or a bare
 * literal up to the next ',' or '}'. 0 when it runs off the end. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
	if (i >= len)
		return 0;
	if (s[i] == '"')
		return skip_string(s, len, i);
	if (s[i] == '[' || s[i] == '{') {
		int depth = 0;
		while (i < len) {
			if (s[i] == '"') {
				i = skip_string(s, len, i);
				if (!i)
					return 0;
				continue;
			}
			if (s[i] == '[' || s[i] == '{')
				depth++;
			else if ((s[i] == ']' || s[i] == '}') && --depth == 0)
				return i + 1;
			i++;
		}
		return 0;
	}
	size_t start = i;
	while (i < len && s[i] != ',' && s[i] != '}' && s[i] != ' ')
		i++;
	return i > start ? i : 0;
}

/* Splits {"k":v,...} (spaced: {"k": v, ...}) into members. */
static bool split(const char *s, size_t len, bool spaced, struct member *m, size_t *count)
{
	size_t i = 1, n = 0, gap = spaced ? 1 : 0;
	*count = 0;
	if (len < 2 || s[0] != '{')
		return false;
	if (len == 2)
		return s[1] == '}' && !spaced;
	for (;;) {
		if (n == KEYS_MAX || i >= len || s[i] != '"')
			return false;
		size_t key_end = skip_string(s, len, i);
		if (!key_end || key_end + 1 + gap >= len || s[key_end] != ':' ||
		    (spaced && s[key_end + 1] != ' '))
			return false;
		size_t v = key_end + 1 + gap;
		size_t v_end = skip_value(s, len, v);
		if (!v_end || v_end >= len)
			return false;
		m[n].key = (struct span){ i, key_end - i };
		m[n].value = (struct span){ v, v_end - v };
		n++;
		if (s[v_end] == '}') {
			*count = n;
			return v_end + 1 == len;
		}
		if (s[v_end] != ',' || (spaced && (v_end + 1 >= len || s[v_end + 1] != ' ')))
			return false;
		i = v_end + 1 + gap;
	}
}

static int key_of(const char *s, struct span k)
{
	for (int i = 0; i < KEY_COUNT; i++) {
		if (key_tokens[i].len == k.len && memcmp(key_tokens[i].text, s + k.at, k.len) == 0)
			return i;
	}
	return KEY_CUSTOM;
}

static bool token_is(const char *s, struct span v, const char *lit)
{
	return strlen(lit) == v.len && memcmp(s + v.at, lit, v.len) == 0;
}

/* The template body of a split object: the member count, one entry byte
 * a member, then the custom keys and raw values in member order. */
static void put_template(const char *s, const struct member *m, size_t n,
                         const struct journal_codec_ctx *ctx, struct journal_codec_buf *out,
                         struct journal_codec_buf *scratch)
{
	unsigned char entries[KEYS_MAX];
	int keys[KEYS_MAX];
	put_varint(out, n);
	for (size_t i = 0; i < n; i++) {
		int key = keys[i] = key_of(s, m[i].key);
		int kind = VALUE_RAW;
		struct span v = m[i].value;
		if (token_is(s, v, "true"))
			kind = VALUE_TRUE;
		else if (token_is(s, v, "false"))
			kind = VALUE_FALSE;
		else if (token_is(s, v, "null"))
			kind = VALUE_NULL;
		else if (key != KEY_CUSTOM && ctx_matches(scratch, key, ctx, s + v.at, v.len))
			kind = VALUE_CTX;
		entries[i] = (unsigned char)(key | kind << 4);
	}
	put(out, entries, n);
	for (size_t i = 0; i < n; i++) {
		if (keys[i] == KEY_CUSTOM) {
			put_varint(out, m[i].key.len);
			put(out, s + m[i].key.at, m[i].key.len);
		}
		if (entries[i] >> 4 == VALUE_RAW) {
			put_varint(out, m[i].value.len);
			put(out, s + m[i].value.at, m[i].value.len);
		}
	}
}

/* ---- Shapes: a template's mode, count and entries, kept once ---- */

unsigned journal_shapes_find(const struct journal_shapes *shapes, const void *shape, size_t len)
{
	for (size_t i = 0; i < shapes->count; i++) {
		if (shapes->v[i].len == len && memcmp(shapes->v[i].bytes, shape, len) == 0)
			return (unsigned)i + 1;
	}
	return 0;
}

bool journal_shapes_add(struct journal_shapes *shapes, unsigned id, const void *shape, size_t len)
{
	if (id != shapes->count + 1 || len == 0 || len > 2 + KEYS_MAX || shapes->count >= JOURNAL_SHAPES_MAX)
		return false;
	if (shapes->count == shapes->cap) {
		shapes->cap = shapes->cap ? shapes->cap * 2 : 16;
		shapes->v = xreallocarray(shapes->v, shapes->cap, sizeof *shapes->v);
	}
	unsigned char *copy = xmalloc(len);
	memcpy(copy, shape, len);
	shapes->v[shapes->count++] = (struct journal_shape){ copy, len };
	return true;
}

void journal_shapes_clear(struct journal_shapes *shapes)
{
	for (size_t i = 0; i < shapes->count; i++)
		free(shapes->v[i].bytes);
	free(shapes->v);
	*shapes = (struct journal_shapes){ 0 };
}

/* Replaces a template blob's mode, count and entries by a shape id
 * (added to the shapes when new and there is room). */
static void use_shape(struct journal_codec_buf *out, struct journal_shapes *shapes)
{
	const unsigned char *p = out->p + HEADER, *end = out->p + out->len;
	uint64_t n;
	if (!get_varint(&p, end, &n) || n > (size_t)(end - p))
		return;
	unsigned char shape[2 + KEYS_MAX];
	size_t len = 0;
	shape[len++] = out->p[0];
	shape[len++] = (unsigned char)n;
	memcpy(shape + len, p, n);
	len += n;
	unsigned id = journal_shapes_find(shapes, shape, len);
	if (!id && journal_shapes_add(shapes, (unsigned)shapes->count + 1, shape, len))
		id = (unsigned)shapes->count;
	if (!id)
		return;
	/* The id never takes more bytes than the count and entries it
	 * replaces (n >= 1 when a shape has a count and entries). */
	size_t values_at = (size_t)(p - out->p) + n;
	unsigned char id_bytes[8];
	size_t id_len = 0;
	for (unsigned v = id; ; v >>= 7) {
		id_bytes[id_len++] = (unsigned char)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
		if (v < 0x80)
			break;
	}
	if (id_len > values_at - HEADER)
		return;
	out->p[0] = MODE_SHAPED;
	memcpy(out->p + HEADER, id_bytes, id_len);
	memmove(out->p + HEADER + id_len, out->p + values_at, out->len - values_at);
	out->len = HEADER + id_len + (out->len - values_at);
}

static void put_header(struct journal_codec_buf *out, enum mode mode, uint32_t crc)
{
	unsigned char h[HEADER] = { (unsigned char)mode, (unsigned char)crc,
	                            (unsigned char)(crc >> 8), (unsigned char)(crc >> 16),
	                            (unsigned char)(crc >> 24) };
	out->len = 0;
	put(out, h, HEADER);
}

uint32_t journal_codec_crc(const void *p, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	const unsigned char *q = p;
	/* crc32 takes a uInt length. */
	while (len > 0) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
		crc = crc32(crc, q, n);
		q += n;
		len -= n;
	}
	return (uint32_t)crc;
}

/* Whole, or deflated when that is smaller. */
static void encode_whole(const char *payload, size_t len, uint32_t crc,
                         struct journal_codec_buf *out)
{
	if (len >= DEFLATE_MIN && len < (1u << 30)) {
		uLongf bound = compressBound((uLong)len);
		put_header(out, MODE_DEFLATE, crc);
		put_varint(out, len);
		buf_reserve(out, bound);
		uLongf got = bound;
		if (compress2(out->p + out->len, &got, (const Bytef *)payload, (uLong)len, 6) == Z_OK &&
		    out->len + got < HEADER + len) {
			out->len += got;
			return;
		}
	}
	put_header(out, MODE_RAW, crc);
	put(out, payload, len);
}

void journal_codec_encode(const char *payload, size_t len, const struct journal_codec_ctx *ctx,
                          struct journal_shapes *shapes, struct journal_codec_buf *out,
                          struct journal_codec_buf work[2])
{
	journal_codec_encode_crc(payload, len, journal_codec_crc(payload, len), ctx, shapes, out, work);
}

void journal_codec_encode_crc(const char *payload, size_t len, uint32_t crc,
                              const struct journal_codec_ctx *ctx, struct journal_shapes *shapes,
                              struct journal_codec_buf *out, struct journal_codec_buf work[2])
{
	struct member m[KEYS_MAX];
	size_t n;
	const char *colon = len > 2 ? memchr(payload, ':', len) : NULL;
	bool spaced = colon && colon + 1 < payload + len && colon[1] == ' ';
	if (payload && split(payload, len, spaced, m, &n)) {
		/* split checked every byte between the members and put_template
		 * every value it leaves to the context, so this decodes back to
		 * the very bytes (the tests and `journal check` prove it). */
		struct journal_codec_buf own = { 0 };
		put_header(out, spaced ? MODE_SPACED : MODE_COMPACT, crc);
		put_template(payload, m, n, ctx, out, work ? &work[0] : &own);
		free(own.p);
		if (shapes)
			use_shape(out, shapes);
		if (out->len < HEADER + len)
			return;
	}
	encode_whole(payload ? payload : "", payload ? len : 0, crc, out);
}

/* ---- Decoding ---- */

/* Values come after the entries: custom keys and raw values in order. */
static bool decode_template(const unsigned char *entries, size_t n, const unsigned char *p,
                            const unsigned char *end, bool spaced,
                            const struct journal_codec_ctx *ctx, struct journal_codec_buf *out)
{
	uint64_t len;
	put_byte(out, '{');
	for (size_t i = 0; i < n; i++) {
		int key = entries[i] & 0x0f, kind = entries[i] >> 4;
		if (i > 0)
			put(out, ", ", spaced ? 2 : 1);
		if (key == KEY_CUSTOM) {
			if (!get_varint(&p, end, &len) || len > (size_t)(end - p))
				return false;
			put(out, p, len);
			p += len;
		} else if (key < KEY_COUNT) {
			put(out, key_tokens[key].text, key_tokens[key].len);
		} else {
			return false;
		}
		put(out, ": ", spaced ? 2 : 1);
		switch (kind) {
		case VALUE_CTX:
			if (!put_ctx_value(out, key, ctx))
				return false;
			break;
		case VALUE_RAW:
			if (!get_varint(&p, end, &len) || len > (size_t)(end - p))
				return false;
			put(out, p, len);
			p += len;
			break;
		case VALUE_TRUE: put(out, "true", 4); break;
		case VALUE_FALSE: put(out, "false", 5); break;
		case VALUE_NULL: put(out, "null", 4); break;
		default: return false;
		}
	}
	put_byte(out, '}');
	return p == end;
}

/* A template blob's body: its own count and entries, or a shape's. */
static bool decode_body(int mode, const unsigned char *p, const unsigned char *end,
                        const struct journal_codec_ctx *ctx, const struct journal_shapes *shapes,
                        struct journal_codec_buf *out)
{
	uint64_t n;
	if (mode == MODE_SHAPED) {
		uint64_t id;
		if (!shapes || !get_varint(&p, end, &id) || id == 0 || id > shapes->count)
			return false;
		const struct journal_shape *sh = &shapes->v[id - 1];
		if (sh->len < 2 || (size_t)sh->bytes[1] + 2 != sh->len ||
		    (sh->bytes[0] != MODE_COMPACT && sh->bytes[0] != MODE_SPACED))
			return false;
		return decode_template(sh->bytes + 2, sh->bytes[1], p, end, sh->bytes[0] == MODE_SPACED,
		                       ctx, out);
	}
	if (!get_varint(&p, end, &n) || n > KEYS_MAX || n > (size_t)(end - p))
		return false;
	return decode_template(p, n, p + n, end, mode == MODE_SPACED, ctx, out);
}

static bool decode_deflate(const unsigned char *p, const unsigned char *end,
                           struct journal_codec_buf *out)
{
	uint64_t len;
	if (!get_varint(&p, end, &len) || len > (1u << 30))
		return false;
	buf_reserve(out, len);
	uLongf got = (uLongf)len;
	if (uncompress(out->p, &got, p, (uLong)(end - p)) != Z_OK || got != len)
		return false;
	out->len = len;
	return true;
}

/* The bytes, unchecked. */
static bool decode_any(const unsigned char *p, size_t len, const struct journal_codec_ctx *ctx,
                       const struct journal_shapes *shapes, struct journal_codec_buf *out)
{
	const unsigned char *end = p + len;
	bool ok = false;
	out->len = 0;
	if (len < HEADER)
		return false;
	switch (p[0]) {
	case MODE_RAW:
		put(out, p + HEADER, len - HEADER);
		ok = true;
		break;
	case MODE_DEFLATE:
		ok = decode_deflate(p + HEADER, end, out);
		break;
	case MODE_COMPACT:
	case MODE_SPACED:
	case MODE_SHAPED:
		ok = decode_body(p[0], p + HEADER, end, ctx, shapes, out);
		break;
	default:
		break;
	}
	return ok;
}

bool journal_codec_decode(const void *blob, size_t len, const struct journal_codec_ctx *ctx,
                          const struct journal_shapes *shapes, struct journal_codec_buf *out,
                          bool *crc_ok)
{
	const unsigned char *p = blob;
	if (crc_ok)
		*crc_ok = false;
	bool ok = decode_any(p, len, ctx, shapes, out);
	uint32_t crc = ok ? (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 |
	                    (uint32_t)p[4] << 24 : 0;
	if (ok && journal_codec_crc(out->p, out->len) != crc)
		ok = false;
	else if (ok && crc_ok)
		*crc_ok = true;
	if (!ok)
		out->len = 0;
	buf_reserve(out, 1);
	out->p[out->len] = '\0';
	return ok;
}
