/* The topics of a subscribed / unsubscribed payload (payload_topics.c). */
#ifndef THINGTOP_TUI_PAYLOAD_TOPICS_H
#define THINGTOP_TUI_PAYLOAD_TOPICS_H

#include <stddef.h>

/* The payload's "topics" strings joined by ", " (xmalloc'd; the caller
 * frees it), or NULL when there are none or the payload is not JSON. */
char *payload_topics(const char *payload, size_t len);

#endif
