/* A bump arena for jansson's allocations during a parse. A lifecycle
 * message becomes some 30 small jansson blocks that all die together at
 * json_decref; taking them from one per-thread block instead of malloc and
 * free is a measurable share of an import's decode time.
 *
 * Rules that keep it safe:
 * - only blocks asked for between json_arena_begin and json_arena_end come
 *   from the arena (json_dumps and every other jansson call use malloc);
 * - a block is given back by the thread that parsed it: every caller of
 *   event_json_load decrefs its tree on its own thread;
 * - the arena restarts only when every block it gave is back, so a tree
 *   kept across two parses stays intact (later blocks then use malloc).
 * A block freed before the restart is not poisoned for the sanitizers
 * (jansson's free does not say its size); one left over at the restart is. */
#include "build_config.h"

#include "json_internal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "xalloc.h"

/* Enough for a few-kilobyte message; a bigger one goes on with malloc. */
#define ARENA_SIZE (32 * 1024)
#define ARENA_ALIGN 16

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
/* Bytes the arena has not handed out stay poisoned, so the sanitizer
 * build still catches a read past a parsed string. */
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct arena {
	char *base;         /* ARENA_SIZE bytes, or NULL before the first parse */
	size_t used;
	size_t live;        /* blocks handed out and not yet freed */
	bool active;
};

static _Thread_local struct arena arena;
static pthread_key_t arena_key;

static bool in_arena(const void *p)
{
	return arena.base && (uintptr_t)p - (uintptr_t)arena.base < ARENA_SIZE;
}

static void *arena_malloc(size_t size)
{
	if (arena.active) {
		if (arena.live == 0) {
			POISON(arena.base, arena.used);
			arena.used = 0;
		}
		size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
		if (size > 0 && need <= ARENA_SIZE - arena.used) {
			void *p = arena.base + arena.used;
			arena.used += need;
			arena.live++;
			UNPOISON(p, size);
			return p;
		}
	}
	return malloc(size);
}

static void arena_free(void *p)
{
	if (in_arena(p))
		arena.live--;
	else
		free(p);
}

/* Before main, while the process has one thread: jansson's allocator is
 * never switched under a thread that is using it. */
__attribute__((constructor)) static void json_arena_install(void)
{
	/* The key frees a thread's arena when the thread ends. */
	pthread_key_create(&arena_key, free);
	json_set_alloc_funcs(arena_malloc, arena_free);
}

void json_arena_begin(void)
{
	if (!arena.base) {
		arena.base = xmalloc(ARENA_SIZE);
		POISON(arena.base, ARENA_SIZE);
		pthread_setspecific(arena_key, arena.base);
	}
	arena.active = true;
}

void json_arena_end(void)
{
	arena.active = false;
}
