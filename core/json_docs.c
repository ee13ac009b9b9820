/* JSON documents one after another in a text, and the items of each: the
 * shape both `aws` outputs thingtop reads share (search-index pages and
 * DynamoDB scan pages, pretty-printed or one a line). */
#include "json_internal.h"

#include <string.h>

#include "xalloc.h"

static void count_lines(struct json_docs *d, size_t upto)
{
	for (; d->at < upto; d->at++)
		if (d->text[d->at] == '\n')
			d->line++;
}

json_t *json_docs_next(struct json_docs *d, const char **raw, size_t *raw_len,
                       unsigned long *line_no, char **error)
{
	size_t i = d->at;
	json_error_t err;

	*error = NULL;
	while (i < d->len && d->text[i] && strchr(" \t\r\n", d->text[i]))
		i++;
	count_lines(d, i);
	if (d->at >= d->len)
		return NULL;
	json_t *doc = event_json_load(d->text + d->at, d->len - d->at,
	                              JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		*error = xasprintf("line %lu column %d: bad JSON: %s",
		                   d->line + (unsigned long)(err.line > 0 ? err.line - 1 : 0),
		                   err.column, err.text);
		return NULL;
	}
	*raw = d->text + d->at;
	*raw_len = (size_t)err.position;
	*line_no = d->line;
	count_lines(d, d->at + *raw_len);
	return doc;
}

void json_items_start(struct json_items *it, json_t *doc, const json_t *array, const json_t *single)
{
	json_items_finish(it);
	it->doc = doc;
	it->array = json_is_array(array) ? array : NULL;
	it->single = it->array ? NULL : single;
}

const json_t *json_items_next(struct json_items *it)
{
	if (it->array && it->next < json_array_size(it->array))
		return json_array_get(it->array, it->next++);
	if (it->single) {
		const json_t *one = it->single;
		it->single = NULL;
		return one;
	}
	json_items_finish(it);
	return NULL;
}

void json_items_finish(struct json_items *it)
{
	json_decref(it->doc);
	memset(it, 0, sizeof *it);
}
