/* The topics of a subscribed / unsubscribed event's payload, for the
 * activity log's detail column (payload_topics.h). */
#include "build_config.h"

#include <jansson.h>
#include <string.h>

#include "payload_topics.h"
#include "xalloc.h"

char *payload_topics(const char *payload, size_t len)
{
	json_error_t err;
	json_t *root = json_loadb(payload, len, 0, &err);
	if (root == NULL)
		return NULL;
	json_t *topics = json_object_get(root, "topics");
	char *out = NULL;
	if (json_is_array(topics)) {
		size_t n = 0, cap = 0;
		size_t i;
		json_t *t;
		json_array_foreach(topics, i, t) {
			if (!json_is_string(t))
				continue;
			const char *s = json_string_value(t);
			size_t sl = json_string_length(t);
			if (n + sl + 3 > cap) {
				cap = (n + sl + 3) * 2;
				out = xrealloc(out, cap);
			}
			if (n > 0) {
				memcpy(out + n, ", ", 2);
				n += 2;
			}
			memcpy(out + n, s, sl);
			n += sl;
			out[n] = '\0';
		}
	}
	json_decref(root);
	return out;
}
