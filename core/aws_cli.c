/* The AWS CLI as a child process (see aws_cli.h). */
#include "build_config.h"

#include "aws_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "baseline.h"
#include "xalloc.h"

extern char **environ;

static bool executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

bool aws_cli_available(const char *program)
{
	if (strchr(program, '/'))
		return executable(program);
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char *candidate = xasprintf("%.*s/%s", (int)n, n ? path : ".", program);
		bool ok = executable(candidate);
		free(candidate);
		if (ok)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

/* Everything the child writes to fd, up to BASELINE_TEXT_MAX. */
static char *read_all(int fd, size_t *len, bool *too_big)
{
	size_t cap = 65536, used = 0;
	char *buf = xmalloc(cap);
	*too_big = false;
	for (;;) {
		if (cap - used < 65536) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used > BASELINE_TEXT_MAX) {
			*too_big = true;
			break;
		}
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}

char *aws_cli_search_index(const struct aws_cli_options *o, const char *query,
                           const char *next_token, size_t *len, char **cause)
{
	const char *argv[24 + 32];
	size_t argc = 0;
	argv[argc++] = o->program;
	argv[argc++] = "iot";
	argv[argc++] = "search-index";
	argv[argc++] = "--index-name";
	argv[argc++] = "AWS_Things";
	argv[argc++] = "--query-string";
	argv[argc++] = query;
	argv[argc++] = "--output";
	argv[argc++] = "json";
	if (o->profile && *o->profile) {
		argv[argc++] = "--profile";
		argv[argc++] = o->profile;
	}
	if (o->region && *o->region) {
		argv[argc++] = "--region";
		argv[argc++] = o->region;
	}
	for (size_t i = 0; i < o->extra_count && i < 32; i++)
		argv[argc++] = o->extra[i];
	if (next_token) {
		argv[argc++] = "--next-token";
		argv[argc++] = next_token;
	}
	argv[argc] = NULL;

	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		set_cause(cause, "cannot run %s: %s", o->program, strerror(errno));
		return NULL;
	}
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&actions, pipefd[0]);
	posix_spawn_file_actions_addclose(&actions, pipefd[1]);
	pid_t pid;
	int rc = posix_spawnp(&pid, o->program, &actions, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		set_cause(cause, "cannot run %s: %s", o->program, strerror(rc));
		return NULL;
	}
	bool too_big;
	char *out = read_all(pipefd[0], len, &too_big);
	close(pipefd[0]);
	if (too_big)
		kill(pid, SIGTERM);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (too_big || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (too_big)
			set_cause(cause, "%s printed over %zu MiB for one page", o->program,
			          BASELINE_TEXT_MAX >> 20);
		else if (WIFEXITED(status))
			set_cause(cause, "%s iot search-index failed (exit status %d; its message is above)",
			          o->program, WEXITSTATUS(status));
		else
			set_cause(cause, "%s iot search-index was killed by signal %d", o->program,
			          WTERMSIG(status));
		free(out);
		return NULL;
	}
	return out;
}
