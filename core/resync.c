/* The periodic re-sync (see resync.h). */
#include "resync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_cli.h"
#include "timefmt.h"
#include "xalloc.h"

#define RESYNC_PROGRAM "aws"

struct resync {
	int64_t interval_ms;
	struct aws_cli_options cli;      /* strings below, owned */
	char *profile, *region;
	char *extra[CONFIG_CLI_ARGS_MAX];
	int64_t next_due_ms;             /* time_mono_ms() of the next run */
	bool running;                    /* a run is going: a child, or a page handed over */
	struct aws_cli_run *child;       /* the page's child; holds its text while read */
	struct baseline_reader *reader;  /* the complete page being handed over */
	char *token;                     /* the nextToken this page was asked with */
	unsigned long page_no;
	uint64_t run_things;             /* things this run handed over */
	uint64_t done, last_things;
	bool changed;                    /* error or done changed since the last dispatch */
	char error[768];
};

struct resync *resync_create(const struct config *config)
{
	if (config->aws.sync_interval_ms <= 0)
		return NULL;
	struct resync *r = xcalloc(1, sizeof *r);
	r->interval_ms = config->aws.sync_interval_ms;
	r->profile = config->aws.profile ? xstrdup(config->aws.profile) : NULL;
	r->region = config->aws.region ? xstrdup(config->aws.region) : NULL;
	for (size_t i = 0; i < config->aws.cli_arg_count; i++)
		r->extra[i] = xstrdup(config->aws.cli_args[i]);
	r->cli = (struct aws_cli_options){
		.program = RESYNC_PROGRAM,
		.profile = r->profile,
		.region = r->region,
		.extra = r->extra,
		.extra_count = config->aws.cli_arg_count,
	};
	r->next_due_ms = time_mono_ms();
	return r;
}

/* The page (its child and reader) is done with. */
static void end_page(struct resync *r)
{
	baseline_reader_destroy(r->reader);
	r->reader = NULL;
	aws_cli_run_destroy(r->child);
	r->child = NULL;
}

static void end_run(struct resync *r)
{
	end_page(r);
	free(r->token);
	r->token = NULL;
	r->running = false;
	r->changed = true;
}

static void fail(struct resync *r, const char *why)
{
	char every[32];
	time_format_age(r->interval_ms, every, sizeof every);
	snprintf(r->error, sizeof r->error, "re-sync from AWS failed: %s; next try in %s (aws.sync_interval)",
	         why, every);
	end_run(r);
}

static void start_page(struct resync *r)
{
	char *cause = NULL;
	r->child = aws_cli_run_start(&r->cli, RESYNC_QUERY, r->token, &cause);
	if (!r->child)
		fail(r, cause);
	free(cause);
}

static void start_run(struct resync *r)
{
	if (!aws_cli_available(RESYNC_PROGRAM)) {
		r->running = true;
		fail(r, "the AWS CLI (aws) is not installed or not on PATH: install it (apt install awscli)"
		        " or set aws.sync_interval = 0");
		return;
	}
	r->running = true;
	r->page_no = 0;
	r->run_things = 0;
	start_page(r);
}

/* Reads the child; a complete page gets its reader. */
static void poll_child(struct resync *r)
{
	char *cause = NULL;
	int rc = aws_cli_run_poll(r->child, &cause);
	if (rc < 0) {
		fail(r, cause);
	} else if (rc > 0) {
		size_t len;
		const char *text = aws_cli_run_output(r->child, &len);
		r->reader = baseline_reader_create(text, len);
		r->page_no++;
	}
	free(cause);
}

bool resync_dispatch(struct resync *r, bool allowed)
{
	int64_t now = time_mono_ms();
	if (now >= r->next_due_ms) {
		/* Every interval from the last start; a late turn is not caught up. */
		r->next_due_ms += r->interval_ms;
		if (r->next_due_ms <= now)
			r->next_due_ms = now + r->interval_ms;
		if (!r->running && allowed)
			start_run(r);
	}
	if (r->child && !r->reader)
		poll_child(r);
	bool changed = r->changed;
	r->changed = false;
	return changed;
}

/* The page is handed over: the next one, or the run is complete. */
static void page_end(struct resync *r)
{
	const char *error = baseline_reader_error(r->reader);
	if (error) {
		char why[600];
		snprintf(why, sizeof why, "search-index page %lu: %s", r->page_no, error);
		fail(r, why);
		return;
	}
	const char *next = baseline_reader_next_token(r->reader);
	if (next && r->token && strcmp(next, r->token) == 0) {
		fail(r, "the AWS CLI returned the same nextToken twice");
		return;
	}
	char *token = next ? xstrdup(next) : NULL;
	end_page(r);
	free(r->token);
	r->token = token;
	if (token) {
		start_page(r);
		return;
	}
	r->done++;
	r->last_things = r->run_things;
	r->error[0] = '\0';
	end_run(r);
}

size_t resync_take(struct resync *r, size_t max, resync_thing_fn fn, void *ctx)
{
	size_t n = 0;
	int64_t now = time_now_ms();
	while (r->reader && n < max) {
		struct baseline_item *item = baseline_reader_next(r->reader);
		if (!item) {
			page_end(r);
			break;
		}
		/* A connectivity time before 2010 or in the future: a reject, as in sync. */
		if (item->event.type == EVENT_BASELINE && item->event.timestamp_ms != 0)
			event_check_time(&item->event, now);
		fn(ctx, item);
		r->run_things++;
		n++;
	}
	return n;
}

bool resync_pending(const struct resync *r)
{
	return r->reader != NULL;
}

size_t resync_pollfds(const struct resync *r, struct pollfd *fds, size_t max)
{
	if (max == 0 || !r->child || r->reader || aws_cli_run_fd(r->child) < 0)
		return 0;
	fds[0] = (struct pollfd){ .fd = aws_cli_run_fd(r->child), .events = POLLIN };
	return 1;
}

int resync_next_timeout_ms(const struct resync *r)
{
	if (r->reader)
		return 0;
	if (r->child)   /* polled; its exit is looked for soon after its output ends */
		return aws_cli_run_fd(r->child) < 0 ? 20 : 250;
	int64_t wait = r->next_due_ms - time_mono_ms();
	return wait < 0 ? 0 : wait > 60000 ? 60000 : (int)wait;
}

const char *resync_error(const struct resync *r)
{
	return r->error;
}

uint64_t resync_done(const struct resync *r, uint64_t *things)
{
	if (things)
		*things = r->last_things;
	return r->done;
}

void resync_destroy(struct resync *r)
{
	if (!r)
		return;
	end_page(r);
	free(r->token);
	free(r->profile);
	free(r->region);
	for (size_t i = 0; i < r->cli.extra_count; i++)
		free(r->extra[i]);
	free(r);
}
