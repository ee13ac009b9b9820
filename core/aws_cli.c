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
#include "text.h"
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

/* argv of one search-index call, pointing into its arguments. */
#define ARGV_MAX (24 + 32)
static void search_argv(const struct aws_cli_options *o, const char *query, const char *next_token,
                        const char *argv[ARGV_MAX])
{
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
}

char *aws_cli_search_index(const struct aws_cli_options *o, const char *query,
                           const char *next_token, size_t *len, char **cause)
{
	const char *argv[ARGV_MAX];
	search_argv(o, query, next_token, argv);

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

/* ---- Not waited for: read in the caller's poll loop ---- */

struct aws_cli_run {
	pid_t pid;                  /* 0 once reaped */
	int fd;                     /* standard output, -1 at its end */
	FILE *err;                  /* standard error (an unlinked temporary file) */
	char *program;
	char *out;
	size_t len, cap;
	bool too_big;
};

struct aws_cli_run *aws_cli_run_start(const struct aws_cli_options *o, const char *query,
                                      const char *next_token, char **cause)
{
	const char *argv[ARGV_MAX];
	search_argv(o, query, next_token, argv);
	int pipefd[2];
	FILE *err = tmpfile();
	if (!err || pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
		set_cause(cause, "cannot run %s: %s", o->program, strerror(errno));
		if (err)
			fclose(err);
		return NULL;
	}
	/* The child's end blocks as usual; only ours must not. The file is
	 * for this child alone (dup2 makes its copy inheritable). */
	fcntl(pipefd[1], F_SETFL, 0);
	fcntl(fileno(err), F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&actions, fileno(err), STDERR_FILENO);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	pid_t pid;
	int rc = posix_spawnp(&pid, o->program, &actions, &attr, (char *const *)argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&actions);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		fclose(err);
		set_cause(cause, "cannot run %s: %s", o->program, strerror(rc));
		return NULL;
	}
	struct aws_cli_run *run = xcalloc(1, sizeof *run);
	run->pid = pid;
	run->fd = pipefd[0];
	run->err = err;
	run->program = xstrdup(o->program);
	run->cap = 65536;
	run->out = xmalloc(run->cap);
	run->out[0] = '\0';
	return run;
}

int aws_cli_run_fd(const struct aws_cli_run *run)
{
	return run->fd;
}

/* Reads until the pipe is empty or at its end (fd closed then). */
static void read_available(struct aws_cli_run *run)
{
	while (run->fd >= 0) {
		if (run->cap - run->len < 65536) {
			run->cap *= 2;
			run->out = xrealloc(run->out, run->cap);
		}
		ssize_t n = read(run->fd, run->out + run->len, run->cap - run->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n > 0) {
			run->len += (size_t)n;
			run->out[run->len] = '\0';
			if (run->len <= BASELINE_TEXT_MAX)
				continue;
			run->too_big = true;
			kill(-run->pid, SIGKILL);
		}
		close(run->fd);
		run->fd = -1;
	}
}

/* The last non-empty line the child wrote to its standard error, made
 * safe to show (it may be anything). */
static void last_message(struct aws_cli_run *run, char *out, size_t size)
{
	char tail[512];
	out[0] = '\0';
	fflush(run->err);
	long end = fseek(run->err, 0, SEEK_END) == 0 ? ftell(run->err) : -1;
	long from = end > (long)sizeof tail - 1 ? end - (long)sizeof tail + 1 : 0;
	if (end <= 0 || fseek(run->err, from, SEEK_SET) != 0)
		return;
	size_t n = fread(tail, 1, sizeof tail - 1, run->err);
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r' || tail[n - 1] == ' '))
		n--;
	tail[n] = '\0';
	char *line = strrchr(tail, '\n');
	line = line ? line + 1 : tail;
	text_escape(line, strlen(line), out, size, false);
}

int aws_cli_run_poll(struct aws_cli_run *run, char **cause)
{
	read_available(run);
	if (run->fd >= 0 || run->pid == 0)
		return run->fd >= 0 ? 0 : 1;
	int status;
	pid_t got;
	while ((got = waitpid(run->pid, &status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (got == 0)
		return 0;   /* its output is complete; its exit is near */
	run->pid = 0;
	char message[400];
	last_message(run, message, sizeof message);
	const char *sep = *message ? ": " : "";
	if (run->too_big) {
		set_cause(cause, "%s printed over %zu MiB for one page", run->program,
		          BASELINE_TEXT_MAX >> 20);
	} else if (got < 0) {
		set_cause(cause, "%s: %s", run->program, strerror(errno));
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		return 1;
	} else if (WIFEXITED(status)) {
		set_cause(cause, "%s iot search-index failed (exit status %d)%s%s", run->program,
		          WEXITSTATUS(status), sep, message);
	} else {
		set_cause(cause, "%s iot search-index was killed by signal %d%s%s", run->program,
		          WTERMSIG(status), sep, message);
	}
	return -1;
}

const char *aws_cli_run_output(const struct aws_cli_run *run, size_t *len)
{
	*len = run->len;
	return run->out;
}

void aws_cli_run_destroy(struct aws_cli_run *run)
{
	if (!run)
		return;
	if (run->pid > 0) {
		kill(-run->pid, SIGKILL);
		while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (run->fd >= 0)
		close(run->fd);
	fclose(run->err);
	free(run->program);
	free(run->out);
	free(run);
}
