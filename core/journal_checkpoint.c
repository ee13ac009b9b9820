/* WAL checkpoints on a thread and connection of their own. A checkpoint
 * copies the WAL into the database and ends with an fsync; done by the
 * writer (SQLite's auto-checkpoint) it stalls every append behind it for
 * tens of milliseconds. Here the writer only notices, after a commit, that
 * the WAL has grown, and wakes this thread, which checkpoints PASSIVE: it
 * never blocks the writer or a reader, and the writer starts the WAL
 * over once a checkpoint has caught up. */
#include "build_config.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "journal_internal.h"
#include "xalloc.h"

/* WAL pages (8 KiB) after which a checkpoint is due: 32 MiB. */
#define CHECKPOINT_PAGES 16384
/* WAL frames after which the WAL must start over: 256 MiB. Under a steady
 * stream of commits a PASSIVE checkpoint never quite catches up at the
 * moment the writer begins a transaction, so the WAL never wraps; a 10M
 * event import left a 21 GB WAL behind (and every lookup of a page went
 * through its index). */
#define RESTART_FRAMES 32768
#define RESTART_WAIT_MS 100

struct journal_checkpointer {
	sqlite3 *db;                /* this thread's own connection */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool due, stopping;
};

static void *checkpoint_main(void *arg)
{
	struct journal_checkpointer *c = arg;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->stopping)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stopping)
			break;
		c->due = false;
		pthread_mutex_unlock(&c->lock);
		/* A failed or partial checkpoint is retried on the next wake-up;
		 * the rows are safe in the WAL meanwhile. */
		int frames = 0, copied = 0;
		sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
		/* Most frames are copied now: RESTART copies the rest while it
		 * holds the writer off, and the next commit writes the WAL from
		 * its start. It waits for readers with the writer held off, so
		 * briefly (RESTART_WAIT_MS, far below the writer's own busy
		 * timeout); a reader in the way means another try later. */
		if (frames >= RESTART_FRAMES) {
			sqlite3_busy_timeout(c->db, RESTART_WAIT_MS);
			sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_RESTART, NULL, NULL);
			sqlite3_busy_timeout(c->db, JOURNAL_READER_BUSY_MS);
		}
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* sqlite3_wal_hook: runs on the writer's thread after each commit. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct journal_checkpointer *c = arg;
	if (pages >= CHECKPOINT_PAGES) {
		pthread_mutex_lock(&c->lock);
		c->due = true;
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
	}
	return SQLITE_OK;
}

struct journal_checkpointer *journal_checkpointer_start(sqlite3 *writer_db, const char *path,
                                                        char **cause)
{
	struct journal_checkpointer *c = xcalloc(1, sizeof(*c));
	c->db = journal_db_open(path, false, false, cause);
	if (!c->db) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	int err = pthread_create(&c->thread, NULL, checkpoint_main, c);
	if (err != 0) {
		set_cause(cause, "journal %s: cannot start the checkpoint thread: %s", path, strerror(err));
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	/* Replaces SQLite's own auto-checkpoint on the writer's connection. */
	sqlite3_wal_hook(writer_db, on_commit, c);
	return c;
}

void journal_checkpointer_stop(struct journal_checkpointer *c, sqlite3 *writer_db)
{
	if (!c)
		return;
	sqlite3_wal_hook(writer_db, NULL, NULL);
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
