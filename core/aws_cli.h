/* Running the AWS CLI (`aws`, Debian package awscli) as a child process,
 * without a shell, for `thingtop sync`. Its standard error goes to ours, so
 * the user sees the CLI's own messages (expired credentials, no region). */
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

#endif
