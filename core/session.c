/* One way to open what a command works on (session.h). */
#include "session.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rebuild.h"
#include "replay.h"
#include "xalloc.h"

bool session_load_config(struct session *session, const struct session_options *options,
                         char **cause)
{
	memset(session, 0, sizeof *session);
	/* A config that fails to load still holds what was read: finish it. */
	bool loaded = config_load(&session->config, options->config_path, cause);
	session->config_loaded = true;
	if (!loaded)
		return false;
	if (options->journal_path)
		session->journal_path = xstrdup(options->journal_path);
	else if (session->config.journal.path)
		session->journal_path = xstrdup(session->config.journal.path);
	else
		session->journal_path = journal_default_path();
	session->view = view_create();
	return true;
}

static bool open_fleet(struct session *session, const struct session_options *options,
                       char **cause)
{
	const struct fleet_config *config = &session->config.reconcile;
	switch (options->fleet) {
	case SESSION_FLEET_NONE:
		return true;
	case SESSION_FLEET_REBUILT:
		session->fleet = rebuild_fleet(session->journal, config, 0, cause);
		return session->fleet != NULL;
	case SESSION_FLEET_AT: {
		/* Without a snapshot from before then, the fleet at that time
		 * needs the rows from the start, and retention took some. */
		if (journal_snapshot_seq_at(session->journal, options->at_ms) == 0 &&
		    journal_first_seq(session->journal) > 1) {
			set_cause(cause, "%s: the events before that time were pruned by retention",
			          session->journal_path);
			return false;
		}
		session->fleet = rebuild_fleet_at(session->journal, config, options->at_ms, cause);
		if (session->fleet)
			fleet_set_clock(session->fleet, options->at_ms);
		return session->fleet != NULL;
	}
	case SESSION_FLEET_REPLAY: {
		struct replay_range range;
		if (!replay_range_parse(&range, session->journal, options->replay_from, options->replay_to,
		                        cause)) {
			session->bad_range = true;
			return false;
		}
		session->replay = replay_create(session->journal, config, &range, cause);
		if (!session->replay)
			return false;
		session->fleet = replay_fleet(session->replay);
		return true;
	}
	}
	return true;
}

bool session_open_journal(struct session *session, const struct session_options *options,
                          char **cause)
{
	if (options->journal == SESSION_JOURNAL_NONE)
		return true;
	bool writes = options->journal != SESSION_JOURNAL_READ;
	/* A reader never creates a journal: a missing file is far more often
	 * a wrong -j or journal.path than a recorder not started yet. */
	if (options->journal != SESSION_JOURNAL_WRITE && access(session->journal_path, F_OK) != 0) {
		set_cause(cause, "no journal at %s (make one with thingtop record or thingtop import,"
		          " or give the right -j FILE)", session->journal_path);
		return false;
	}
	session->journal = journal_open_mode(session->journal_path,
	                                     writes ? JOURNAL_READ_WRITE : JOURNAL_READ_ONLY,
	                                     session->config.journal.mode, cause);
	if (!session->journal)
		return false;
	if (options->journal == SESSION_JOURNAL_WRITE)
		journal_set_retention(session->journal, session->config.journal.retain_ms,
		                      session->config.journal.max_size);
	if (!open_fleet(session, options, cause))
		return false;
	if (session->fleet) {
		ingest_init(&session->ingest, session->journal, session->fleet);
		if (options->journal == SESSION_JOURNAL_WRITE)
			session->ingest.snapshot_every = INGEST_SNAPSHOT_EVERY;
	}
	return true;
}

bool session_start_live(struct session *session, const struct live_options *options,
                        const struct live_callbacks *callbacks, void *ctx, char **cause)
{
	session->live = live_create(&session->config, &session->ingest, options, callbacks, ctx,
	                            cause);
	return session->live != NULL;
}

bool session_stop_live(struct session *session, uint64_t *lost, char **cause)
{
	*lost = 0;
	if (!session->live)
		return true;
	bool ok = live_stop(session->live, lost, cause);
	live_destroy(session->live);
	session->live = NULL;
	return ok;
}

bool session_open(struct session *session, const struct session_options *options, char **cause)
{
	return session_load_config(session, options, cause) &&
	       session_open_journal(session, options, cause);
}

void session_close(struct session *session)
{
	if (session->live) {
		uint64_t lost;
		char *cause = NULL;
		session_stop_live(session, &lost, &cause);
		free(cause);
	}
	view_destroy(session->view);
	if (session->replay)
		replay_destroy(session->replay);   /* owns the fleet */
	else
		fleet_destroy(session->fleet);
	journal_close(session->journal);
	free(session->journal_path);
	if (session->config_loaded)
		config_finish(&session->config);
	memset(session, 0, sizeof *session);
}
