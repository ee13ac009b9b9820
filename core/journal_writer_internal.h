/* What the journal writer's files share: the queued records and batches
 * (journal_writer.c fills and queues them) and the writer itself
 * (journal_writer_commit.c turns a batch into one transaction). */
#ifndef THINGTOP_JOURNAL_WRITER_INTERNAL_H
#define THINGTOP_JOURNAL_WRITER_INTERNAL_H

#include "journal_internal.h"

#include <pthread.h>

#define MAX_QUEUED 4

enum rec_flags {
	REC_HAS_TS = 1 << 0,
	REC_HAS_VERSION = 1 << 1,
	REC_NEW_THING = 1 << 2,
	REC_HAS_TOPIC = 1 << 3,
	REC_SNAPSHOT = 1 << 4,      /* payload holds a fleet snapshot */
	REC_META = 1 << 5,          /* topic is a meta key, payload its value */
	REC_COVERAGE = 1 << 6,      /* type is a coverage kind, payload its detail */
	REC_COMPRESSED = 1 << 7,    /* ... compressed, of `version` bytes */
};

/* One queued record; its bytes follow each other at `at` in the batch
 * buffer: topic, payload, client id (for any thing), session, reason, ip,
 * principal and thing name (a new thing's). */
struct rec {
	uint64_t seq;
	int64_t received_ms;
	int64_t ts_ms;              /* created_ms for a snapshot */
	int64_t version;
	size_t at;
	size_t topic_len, payload_len;
	uint32_t thing_id;
	uint16_t client_len, session_len, reason_len, ip_len, principal_len, name_len;
	uint8_t type;
	uint8_t flags;
	uint32_t payload_crc;       /* an event's: computed by the appending thread */
};

struct batch {
	uint64_t gen;               /* batches commit in gen order */
	uint64_t last_seq;          /* the highest event seq in it (0: none) */
	struct rec *recs;
	size_t count, cap;
	char *buf;
	size_t len, size;
	int64_t started_ms;         /* monotonic time of its first record */
	struct batch *next;         /* free list */
};

enum stmt_id {
	STMT_BEGIN, STMT_COMMIT, STMT_ROLLBACK, STMT_THING, STMT_EVENT, STMT_SNAPSHOT, STMT_META,
	STMT_COVERAGE, STMT_COUNT
};


struct journal_writer {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[STMT_COUNT];
	pthread_t thread;
	struct journal_checkpointer *checkpointer;

	pthread_mutex_t lock;
	pthread_cond_t work;        /* to the writer: a batch is ready, or stop */
	pthread_cond_t done;        /* from the writer: a batch committed, or failed */
	struct batch *filling;
	struct batch *queue[MAX_QUEUED];
	size_t queue_head, queue_len;
	struct batch *spare;
	uint64_t last_gen, committed_gen;
	uint64_t next_seq;
	bool flush_wanted, stopping;
	char *error;                /* why the head batch cannot be committed; NULL when healthy */
	uint64_t committed_seq;     /* the highest event seq committed */

	/* Maintenance (retention, snapshot thinning), between batches. */
	struct journal_retention retention;
	bool maint_wanted;          /* something may be due */
	int maint_turn;             /* steps owed since the last batch */
	uint64_t maint_asked, maint_done; /* journal_prune requests */
	uint64_t pruned;            /* events deleted by retention, ever */
	char *maint_error;          /* the last maintenance failure; not fatal */

	struct journal_encoder encoder;  /* writer thread only */
	struct journal_counts counts;    /* the batch's disconnects (journal_counts.c) */
};

/* Prepares the writer's statements; false with *cause. */
bool journal_writer_prepare(struct journal_writer *w, char **cause);
void journal_writer_finalize(struct journal_writer *w);
/* One batch, one transaction; false with *cause, rolled back. Writer
 * thread, no lock held. */
bool journal_writer_commit_batch(struct journal_writer *w, const struct batch *b, char **cause);

#endif
