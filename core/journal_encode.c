/* The writer's side of the codec: each thing's principal and thing name
 * as the things table holds them (the context of its rows), the shapes
 * seen so far, and the buffers, so that encoding a row allocates nothing. */
#include "build_config.h"

#include "journal_internal.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static char *attrs_block(const char *principal, size_t principal_len, const char *name,
                         size_t name_len)
{
	char *b = xmalloc(principal_len + name_len + 2);
	memcpy(b, principal, principal_len);
	b[principal_len] = '\0';
	memcpy(b + principal_len + 1, name, name_len);
	b[principal_len + 1 + name_len] = '\0';
	return b;
}

bool journal_encoder_init(struct journal_encoder *e, sqlite3 *db, const char *path, char **cause)
{
	*e = (struct journal_encoder){ .db = db };
	if (!journal_shapes_load(db, &e->shapes) ||
	    sqlite3_prepare_v3(db, "SELECT ifnull(principal, ''), ifnull(thing_name, '') FROM things"
	                           " WHERE id = ?1", -1, SQLITE_PREPARE_PERSISTENT, &e->attrs_stmt,
	                       NULL) != SQLITE_OK) {
		journal_db_cause(db, path, "cannot prepare the encoder", cause);
		journal_encoder_finish(e);
		return false;
	}
	return true;
}

void journal_encoder_finish(struct journal_encoder *e)
{
	sqlite3_finalize(e->attrs_stmt);
	for (size_t i = 0; i < e->attrs_cap; i++)
		free(e->attrs[i]);
	free(e->attrs);
	journal_shapes_clear(&e->shapes);
	free(e->body.p);
	free(e->scratch[0].p);
	free(e->scratch[1].p);
	*e = (struct journal_encoder){ 0 };
}

/* "principal\0thing name\0" as things holds them for a thing ("" when
 * none). */
static const char *thing_attrs(struct journal_encoder *e, uint32_t id)
{
	if (id >= e->attrs_cap) {
		size_t cap = e->attrs_cap ? e->attrs_cap : 1024;
		while (cap <= id)
			cap *= 2;
		e->attrs = xreallocarray(e->attrs, cap, sizeof *e->attrs);
		memset(e->attrs + e->attrs_cap, 0, (cap - e->attrs_cap) * sizeof *e->attrs);
		e->attrs_cap = cap;
	}
	if (!e->attrs[id]) {
		/* A thing from an earlier run: once per run. */
		sqlite3_stmt *s = e->attrs_stmt;
		sqlite3_bind_int64(s, 1, id);
		bool found = sqlite3_step(s) == SQLITE_ROW;
		const char *p = found ? (const char *)sqlite3_column_text(s, 0) : NULL;
		const char *n = found ? (const char *)sqlite3_column_text(s, 1) : NULL;
		e->attrs[id] = attrs_block(p ? p : "", p ? strlen(p) : 0, n ? n : "", n ? strlen(n) : 0);
		sqlite3_reset(s);
	}
	return e->attrs[id];
}

void journal_encoder_new_thing(struct journal_encoder *e, uint32_t id, const char *principal,
                               size_t principal_len, const char *name, size_t name_len)
{
	thing_attrs(e, id);
	free(e->attrs[id]);
	e->attrs[id] = attrs_block(principal, principal_len, name, name_len);
}

const struct journal_codec_buf *journal_encoder_body(struct journal_encoder *e,
                                                     const struct journal_encoder_row *row)
{
	const char *attrs = row->thing_id ? thing_attrs(e, row->thing_id) : "\0";
	struct journal_codec_ctx ctx;
	journal_row_ctx(&ctx, row->type, row->client_id, attrs, attrs + strlen(attrs) + 1,
	                row->has_ts, row->ts_ms, row->has_version, row->version, row->session,
	                row->reason, row->ip);
	journal_codec_encode_crc(row->payload, row->payload_len, row->payload_crc, &ctx, &e->shapes,
	                         &e->body, e->scratch);
	return &e->body;
}

bool journal_encoder_save_shapes(struct journal_encoder *e)
{
	return journal_shapes_save(e->db, &e->shapes);
}
