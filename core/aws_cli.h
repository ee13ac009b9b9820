/* Running the AWS CLI (`aws`, Debian package awscli) as a child process,
 * without a shell: for `thingtop sync`, which waits for it (its standard
 * error goes to ours, so the user sees the CLI's own messages: expired
 * credentials, no region), and for the re-sync of `record` and the
 * monitor (resync.h), which read it as it comes in their poll loop. */
#ifndef THINGTOP_AWS_CLI_H
#define THINGTOP_AWS_CLI_H

#include <stdbool.h>
#include <stddef.h>

struct aws_cli_options {
	const char *program;        /* "aws" (looked up on PATH) */
	const char *profile;        /* --profile, NULL for the CLI's own choice */
	const char *region;         /* --region, NULL likewise */
	char *const *extra;         /* more arguments (config aws.cli_args), borrowed */
	size_t extra_count;
};

/* Is `program` an executable on PATH (or, with a '/', that file)? */
bool aws_cli_available(const char *program);

/* Runs `aws iot search-index --index-name AWS_Things --query-string QUERY
 * --output json [--profile P] [--region R] [EXTRA...] [--next-token T]` and
 * returns its standard output (malloc'd, NUL-terminated, length in *len).
 * NULL with *cause when it cannot run or exits non-zero. */
char *aws_cli_search_index(const struct aws_cli_options *options, const char *query,
                           const char *next_token, size_t *len, char **cause);

/* The same command, not waited for: standard output on a non-blocking
 * pipe for the caller's poll(), standard error kept in a temporary file
 * (its last line is the cause when the CLI fails: a terminal UI must not
 * be written over), standard input /dev/null, and a process group of its
 * own, so stopping it ends what it started too. */
struct aws_cli_run;

/* NULL with *cause when it cannot be started. */
struct aws_cli_run *aws_cli_run_start(const struct aws_cli_options *options, const char *query,
                                      const char *next_token, char **cause);
/* The pipe to poll for POLLIN; -1 once it is read to its end. */
int aws_cli_run_fd(const struct aws_cli_run *run);
/* Reads what the pipe holds, and reaps the child once the pipe is at its
 * end. 1: the page is complete (aws_cli_run_output), 0: not yet, -1: the
 * CLI failed or printed too much (*cause, with its last message). */
int aws_cli_run_poll(struct aws_cli_run *run, char **cause);
/* The page read (NUL-terminated, borrowed from the run). */
const char *aws_cli_run_output(const struct aws_cli_run *run, size_t *len);
/* Kills the child if it still runs, reaps it, frees. Accepts NULL. */
void aws_cli_run_destroy(struct aws_cli_run *run);

#endif
