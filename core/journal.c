/* Opening and closing a journal: one writing process at a time (an flock
 * on the file says so clearly instead of two writers fighting over seqs),
 * any number of readers. The writer thread lives in journal_writer.c, the
 * queries in journal_read.c, the schema in journal_schema.c, files and
 * permissions in journal_files.c. */
#include "build_config.h"

#include "journal_internal.h"
#include "xalloc.h"

#include <malloc.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *journal_default_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	if (state && state[0] == '/')
		return xasprintf("%s/thingtop/journal.db", state);
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !*home)
		return xstrdup("thingtop-journal.db");
	return xasprintf("%s/.local/state/thingtop/journal.db", home);
}

static uint64_t max_seq(sqlite3 *db, const char *path, bool *ok, char **cause)
{
	sqlite3_stmt *s = NULL;
	uint64_t seq = 0;
	*ok = sqlite3_prepare_v2(db, "SELECT max(seq) FROM events", -1, &s, NULL) == SQLITE_OK &&
	      sqlite3_step(s) == SQLITE_ROW;
	if (*ok)
		seq = (uint64_t)sqlite3_column_int64(s, 0);
	else
		journal_db_cause(db, path, "cannot read", cause);
	sqlite3_finalize(s);
	return seq;
}

/* The writer's flock is held for the writer's life and only closed after
 * SQLite's connections: closing a descriptor of the file drops the
 * process's POSIX locks, which SQLite relies on. */
static bool open_writer(struct journal *j, unsigned file_mode, char **cause)
{
	j->lock_fd = journal_files_take(j->path, file_mode, cause);
	if (j->lock_fd < 0)
		return false;
	sqlite3 *db = journal_db_open(j->path, false, true, cause);
	if (!db)
		return false;
	bool ok;
	uint64_t last = 0;
	if (journal_db_migrate(db, j->path, JOURNAL_SCHEMA_VERSION, cause))
		last = max_seq(db, j->path, &ok, cause);
	else
		ok = false;
	if (!ok) {
		sqlite3_close(db);
		return false;
	}
	/* The writer's connection goes to its thread; from here on this
	 * thread reads through its own. */
	j->writer = journal_writer_start(db, j->path, last + 1, cause);
	return j->writer != NULL;
}

static bool check_readable(struct journal *j, char **cause)
{
	int version = journal_db_version(j->db, j->path, cause);
	if (version < 0)
		return false;
	if (version > JOURNAL_SCHEMA_VERSION) {
		set_cause(cause, "journal %s has schema %d, this thingtop knows up to %d: upgrade thingtop",
		          j->path, version, JOURNAL_SCHEMA_VERSION);
		return false;
	}
	if (version == 0) {
		set_cause(cause, "journal %s is not a thingtop journal (empty or foreign database)",
		          j->path);
		return false;
	}
	/* A viewer reads the schema before the counts too: it reads rows
	 * where it would read counts (journal_disconnect_counts). */
	if (version < JOURNAL_SCHEMA_VERSION &&
	    (j->mode != JOURNAL_READ_ONLY || version < JOURNAL_COUNTS_VERSION - 1)) {
		set_cause(cause, "journal %s has the older schema %d: open it once read-write to upgrade it",
		          j->path, version);
		return false;
	}
	return true;
}

struct journal *journal_open(const char *path, enum journal_mode mode, char **cause)
{
	return journal_open_mode(path, mode, JOURNAL_FILE_MODE_DEFAULT, cause);
}

struct journal *journal_open_mode(const char *path, enum journal_mode mode, unsigned file_mode,
                                  char **cause)
{
	struct journal *j = xcalloc(1, sizeof *j);
	j->path = xstrdup(path);
	j->mode = mode;
	j->lock_fd = -1;
	if (mode == JOURNAL_READ_WRITE && !open_writer(j, file_mode, cause))
		goto fail;
	if (mode == JOURNAL_READ_WRITE)
		j->db = journal_db_open(path, true, false, cause);
	else
		j->db = journal_files_open_reader(path, &j->immutable, &j->stamp, cause);
	if (!j->db || !check_readable(j, cause))
		goto fail;
	if (mode == JOURNAL_READ_ONLY) {
		bool ok;
		j->next_seq = max_seq(j->db, path, &ok, cause) + 1;
		if (!ok)
			goto fail;
	}
	return j;
fail:
	journal_close(j);
	return NULL;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	journal_read_finish(j);
	sqlite3_close(j->db);
	/* Last to close, so it checkpoints and removes the WAL. */
	journal_writer_stop(j->writer);
	if (j->lock_fd >= 0)
		close(j->lock_fd);
	free(j->path);
	free(j);
}

void journal_release_memory(struct journal *j)
{
	sqlite3_db_release_memory(j->db);
#ifdef __GLIBC__
	/* Freed pages stay in the process until trimmed. */
	malloc_trim(0);
#endif
}

const char *journal_path(const struct journal *j)
{
	return j->path;
}

uint64_t journal_next_seq(const struct journal *j)
{
	return j->writer ? journal_writer_next_seq(j->writer) : j->next_seq;
}

uint64_t journal_append(struct journal *j, const struct journal_record *record)
{
	return j->writer ? journal_writer_append(j->writer, record) : 0;
}

bool journal_flush(struct journal *j, char **cause)
{
	return j->writer ? journal_writer_flush(j->writer, cause) : true;
}

int journal_sync(struct journal *j, bool wait, char **cause)
{
	return j->writer ? journal_writer_sync(j->writer, wait, cause) : 1;
}

void journal_retry(struct journal *j)
{
	if (j->writer)
		journal_writer_retry(j->writer);
}

bool journal_failed(struct journal *j, char **cause)
{
	return j->writer && journal_writer_failed(j->writer, cause);
}

uint64_t journal_committed_seq(struct journal *j)
{
	return j->writer ? journal_writer_committed_seq(j->writer) : j->next_seq - 1;
}

void journal_set_meta(struct journal *j, const char *key, const char *value)
{
	if (j->writer)
		journal_writer_set_meta(j->writer, key, value);
}

void journal_note_coverage(struct journal *j, enum journal_coverage_kind kind, int64_t at_ms,
                           const char *detail)
{
	if (j->writer)
		journal_writer_note_coverage(j->writer, (int)kind, at_ms, detail);
}

bool journal_save_snapshot(struct journal *j, uint64_t seq, int64_t received_ms,
                           const void *data, size_t len, char **cause)
{
	if (!j->writer) {
		set_cause(cause, "journal %s is open read-only", j->path);
		return false;
	}
	return journal_writer_snapshot(j->writer, seq, received_ms, data, len, cause);
}

void journal_set_retention(struct journal *j, int64_t retain_ms, int64_t max_bytes)
{
	struct journal_retention policy = {
		.retain_ms = retain_ms > 0 ? retain_ms : 0,
		.max_bytes = max_bytes > 0 ? max_bytes : 0,
	};
	if (j->writer)
		journal_writer_set_retention(j->writer, &policy);
}

bool journal_prune(struct journal *j, uint64_t *events_pruned, char **cause)
{
	if (events_pruned)
		*events_pruned = 0;
	if (!j->writer) {
		set_cause(cause, "journal %s is open read-only", j->path);
		return false;
	}
	return journal_writer_prune(j->writer, events_pruned, cause);
}

bool journal_vacuum(struct journal *j, char **cause)
{
	if (!j->writer) {
		set_cause(cause, "journal %s is open read-only", j->path);
		return false;
	}
	if (!journal_writer_flush(j->writer, cause))
		return false;
	/* The writer thread is idle once flushed and we hold the writer
	 * lock, so a connection of our own may rewrite the file. */
	sqlite3 *db = journal_db_open(j->path, false, false, cause);
	if (!db)
		return false;
	bool ok = sqlite3_exec(db, "VACUUM", NULL, NULL, NULL) == SQLITE_OK;
	if (!ok)
		journal_db_cause(db, j->path, "cannot vacuum", cause);
	else
		sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	sqlite3_close(db);
	return ok;
}
