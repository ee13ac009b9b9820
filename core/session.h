/* What a thingtop command works on, opened one way for every command:
 * the config (-c, else $THINGTOP_CONFIG, else the XDG path), the journal
 * path (-j, else the config's journal.path, else the default), the
 * journal, the fleet (rebuilt from the journal, as of a time, or played
 * back by a replay) and a view over it; for the commands that append
 * (record, import, sync, the live monitor) the ingest that journals and
 * reconciles, and for those that listen (record, the live monitor) the
 * MQTT source(s). No terminal code: the callers print the cause. */
#ifndef THINGTOP_SESSION_H
#define THINGTOP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "fleet.h"
#include "ingest.h"
#include "journal.h"
#include "live.h"
#include "view.h"

struct replay;

enum session_journal {
	SESSION_JOURNAL_NONE,       /* config only */
	SESSION_JOURNAL_READ,       /* must exist; never created */
	SESSION_JOURNAL_WRITE,      /* created when missing, with the config's retention */
	SESSION_JOURNAL_UPKEEP,     /* must exist; read-write, no retention (vacuum, prune) */
};

enum session_fleet {
	SESSION_FLEET_NONE,
	SESSION_FLEET_REBUILT,      /* as of the journal's last event */
	SESSION_FLEET_AT,           /* as of receive time `at_ms` */
	SESSION_FLEET_REPLAY,       /* a replay from `replay_from` (see replay.h) */
};

struct session_options {
	const char *config_path;    /* NULL = the usual lookup */
	const char *journal_path;   /* NULL = journal.path, else the default */
	enum session_journal journal;
	enum session_fleet fleet;
	int64_t at_ms;              /* SESSION_FLEET_AT */
	const char *replay_from, *replay_to;  /* SESSION_FLEET_REPLAY, may be NULL */
};

struct session {
	struct config config;
	char *journal_path;         /* resolved, also without a journal opened */
	struct journal *journal;
	/* Owned, except with a replay: then the replay's, replaced when it
	 * jumps back (read replay_fleet again after a seek). */
	struct fleet *fleet;
	struct replay *replay;
	struct view *view;          /* empty filter and default sort until set */
	/* With a journal and a fleet: what appends to both (ingest_event,
	 * ingest_message), with periodic snapshots when it may write. */
	struct ingest ingest;
	/* Listening to the broker(s): after session_start_live. */
	struct live *live;
	/* Why session_open_journal failed: replay_from/replay_to are no
	 * times or out of order (for the caller, a usage error). */
	bool bad_range;
	bool config_loaded;
};

/* The two steps of session_open, for callers that adjust the config
 * (command-line flags over the file) before the journal opens.
 * session_load_config also resolves the journal path and makes the view.
 * False with *cause; session_close cleans up either way. */
bool session_load_config(struct session *session, const struct session_options *options,
                         char **cause);
bool session_open_journal(struct session *session, const struct session_options *options,
                          char **cause);
/* Both steps. */
bool session_open(struct session *session, const struct session_options *options, char **cause);
/* Starts listening (core/live.h) into the session's ingest; false with
 * *cause. */
bool session_start_live(struct session *session, const struct live_options *options,
                        const struct live_callbacks *callbacks, void *ctx, char **cause);
/* Stops listening and journals what was received (live_stop: *lost and
 * *cause when that fails); the source is gone after it. */
bool session_stop_live(struct session *session, uint64_t *lost, char **cause);
/* Closes what was opened (also after a failed open; a source still
 * listening is stopped first); zeroes the session. */
void session_close(struct session *session);

#endif
