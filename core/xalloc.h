/* Allocation that never returns NULL: on failure the program ends with a
 * message, so no caller half-checks malloc (tmux xmalloc.c, htop XUtils.h). */
#ifndef THINGTOP_XALLOC_H
#define THINGTOP_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows an array to at least `count` items of `size` bytes (overflow-checked). */
void *xreallocarray(void *ptr, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Sets *cause (when cause is not NULL) to a newly allocated message.
 * The library reports errors this way and never prints. */
void set_cause(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
