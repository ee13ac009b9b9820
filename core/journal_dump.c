/* Journal rows as NDJSON envelopes: see journal_dump.h. */
#include "build_config.h"

#include "journal_dump.h"
#include "json_internal.h"
#include "journal_internal.h"
#include "text.h"
#include "xalloc.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_CACHE_KIB "65536"

static void put(char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
	if (*cap - *len <= n) {
		size_t c = *cap ? *cap : 4096;
		while (c - *len <= n)
			c *= 2;
		*buf = xrealloc(*buf, c);
		*cap = c;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
}

static void put_str(char **buf, size_t *len, size_t *cap, const char *s)
{
	put(buf, len, cap, s, strlen(s));
}

/* The bytes of a JSON string's content (valid UTF-8), escaped as jansson
 * does; for a terminal DEL and U+0080..U+009F too. */
static void put_escaped(char **buf, size_t *len, size_t *cap, const char *s, size_t n,
                        bool terminal)
{
	put(buf, len, cap, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		bool c1 = terminal && c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(buf, len, cap, esc, 2);
		} else if (c < 0x20 || (terminal && c == 0x7f)) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			put(buf, len, cap, esc, 6);
		} else if (c1) {
			snprintf(esc, sizeof esc, "\\u%04x", (unsigned char)s[++i]);
			put(buf, len, cap, esc, 6);
		} else {
			put(buf, len, cap, s + i, 1);
		}
	}
	put(buf, len, cap, "\"", 1);
}

static size_t escaped_len(const char *s, size_t n)
{
	size_t total = 2;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		total += c == '"' || c == '\\' ? 2 : c < 0x20 ? 6 : 1;
	}
	return total;
}

static void put_base64(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	size_t out = (n + 2) / 3 * 4;
	put(buf, len, cap, "\"", 1);
	if (*cap - *len <= out + 1) {
		size_t c = *cap;
		while (c - *len <= out + 1)
			c *= 2;
		*buf = xrealloc(*buf, c);
		*cap = c;
	}
	/* EVP_EncodeBlock takes an int length: chunks of whole triples. */
	for (size_t i = 0; i < n;) {
		size_t chunk = n - i > (1u << 29) ? (1u << 29) : n - i;
		*len += (size_t)EVP_EncodeBlock((unsigned char *)*buf + *len,
		                                (const unsigned char *)s + i, (int)chunk);
		i += chunk;
	}
	put(buf, len, cap, "\"", 1);
}

/* True when the text is one JSON value, not a string, with nothing
 * around it: the import then takes exactly these bytes. `parsed`: the
 * payload of a lifecycle event, which event_parse (or the envelope's
 * parse) already took with the same jansson flags, so it needs no second
 * parse (the parse was most of a dump's time). */
static bool embeddable(const char *s, size_t n, bool parsed)
{
	if (n == 0 || s[0] == '"' || strchr(" \t\r\n", s[0]) || strchr(" \t\r\n", s[n - 1]) ||
	    memchr(s, '\0', n))
		return false;
	if (parsed)
		return true;
	json_error_t err;
	json_t *v = event_json_load(s, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	json_decref(v);
	return v != NULL;
}

/* "key": the text as a JSON string, or "keyBase64" when it cannot be one
 * (or base64 is shorter, which keeps a line within the import's limit). */
static void put_member(char **buf, size_t *len, size_t *cap, const char *key, const char *s,
                       size_t n, bool terminal)
{
	bool text = text_utf8_valid(s, n) && !memchr(s, '\0', n) &&
	            escaped_len(s, n) <= (n + 2) / 3 * 4 + 2;
	put_str(buf, len, cap, "\"");
	put_str(buf, len, cap, key);
	put_str(buf, len, cap, text ? "\":" : "Base64\":");
	if (text)
		put_escaped(buf, len, cap, s, n, terminal);
	else
		put_base64(buf, len, cap, s, n);
}

void journal_dump_line(char **buf, size_t *len, size_t *cap, const char *topic, size_t topic_len,
                       bool has_topic, const char *payload, size_t payload_len,
                       int64_t received_ms, bool parsed, bool terminal)
{
	char num[32];
	put_str(buf, len, cap, "{");
	if (has_topic)
		put_member(buf, len, cap, "topic", topic, topic_len, terminal);
	else
		put_str(buf, len, cap, "\"topic\":null");
	if (!terminal && embeddable(payload, payload_len, parsed)) {
		put_str(buf, len, cap, ",\"payload\":");
		put(buf, len, cap, payload, payload_len);
	} else {
		put_str(buf, len, cap, ",");
		put_member(buf, len, cap, "payload", payload, payload_len, terminal);
	}
	snprintf(num, sizeof num, ",\"receivedAt\":%" PRId64 "}\n", received_ms);
	put_str(buf, len, cap, num);
}

unsigned char *journal_base64_decode(const char *text, size_t text_len, size_t *len)
{
	if (text_len % 4 != 0 || text_len > (size_t)1 << 30)
		return NULL;
	unsigned char *out = xmalloc(text_len / 4 * 3 + 1);
	int n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)text_len);
	if (n < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as bytes. */
	size_t pad = text_len >= 1 && text[text_len - 1] == '=' ? 1 : 0;
	pad += text_len >= 2 && text[text_len - 2] == '=' ? 1 : 0;
	*len = (size_t)n - pad;
	return out;
}

struct dump {
	FILE *out;
	const struct journal_dump_options *options;
	char *buf;
	size_t len, cap;
	uint64_t lines;
	uint64_t damaged_seq;
	bool write_failed;
};

/* A lifecycle event's payload as event_parse took it: not one cut to
 * EVENT_PAYLOAD_MAX (ingest keeps an oversize payload's first bytes). */
static bool parsed_whole(const struct journal_row *row)
{
	return row->type >= EVENT_CONNECTED && row->type <= EVENT_UNSUBSCRIBED &&
	       row->payload_len < EVENT_PAYLOAD_MAX;
}

static bool dump_row(void *ctx, const struct journal_row *row)
{
	struct dump *d = ctx;
	const struct journal_dump_options *o = d->options;
	if ((o->from_ms && row->received_ms < o->from_ms) || (o->to_ms && row->received_ms >= o->to_ms))
		return true;
	if (o->things && (row->thing_id == 0 || row->thing_id >= o->things_len ||
	                  !o->things[row->thing_id]))
		return true;
	if (row->damaged) {
		d->damaged_seq = row->seq;
		return false;
	}
	d->len = 0;
	journal_dump_line(&d->buf, &d->len, &d->cap, row->topic, row->topic_len, row->topic_len > 0,
	                  row->payload, row->payload_len, row->received_ms, parsed_whole(row),
	                  o->terminal);
	if (fwrite(d->buf, 1, d->len, d->out) != d->len) {
		d->write_failed = true;
		return false;
	}
	d->lines++;
	return true;
}

bool journal_dump(struct journal *journal, FILE *out, const struct journal_dump_options *options,
                  uint64_t *lines, char **cause)
{
	struct dump d = { .out = out, .options = options };
	/* Every row looks its thing up in `things`: with a reader's small
	 * cache those pages were read again and again (a quarter of a dump's
	 * time in pread). A dump is a one-off pass; memory is cheap there. */
	sqlite3_exec(journal->db, "PRAGMA cache_size = -" DUMP_CACHE_KIB, NULL, NULL, NULL);
	bool ok = journal_scan(journal, 0, 0, true, dump_row, &d, cause);
	sqlite3_exec(journal->db, "PRAGMA cache_size = -" READER_CACHE_KIB, NULL, NULL, NULL);
	if (ok && d.damaged_seq) {
		set_cause(cause, "journal %s: row %" PRIu64 " cannot be rebuilt (damaged): run "
		          "`thingtop journal check`", journal_path(journal), d.damaged_seq);
		ok = false;
	} else if (ok && (d.write_failed || fflush(out) != 0 || ferror(out))) {
		set_cause(cause, "cannot write the dump");
		ok = false;
	}
	free(d.buf);
	if (lines)
		*lines = d.lines;
	return ok;
}
