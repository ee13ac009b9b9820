/* Alert commands as child processes, driven from the caller's loop. stdin
 * is one end of a socket pair so a command that exits without reading
 * gets EPIPE from send(MSG_NOSIGNAL), never SIGPIPE in this process. */
#include "alert_delivery.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xalloc.h"

extern char **environ;

enum job_state { JOB_WAITING, JOB_RUNNING };

struct job {
	size_t rule;
	char *command;
	char *payload;
	size_t len, written;
	int64_t timeout_ms;
	enum job_state state;
	int attempt;
	int64_t start_at;           /* JOB_WAITING: when to start */
	int64_t deadline;           /* JOB_RUNNING: kill after */
	bool killed;
	pid_t pid;
	int in_fd, out_fd;
	char output[ALERT_DELIVERY_OUTPUT + 1];
	size_t output_len;
};

struct alert_delivery {
	struct job *jobs;
	size_t count, cap;
	struct alert_delivery_result *results;
	size_t result_count, result_cap;
};

struct alert_delivery *alert_delivery_create(void)
{
	return xcalloc(1, sizeof(struct alert_delivery));
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void alert_delivery_destroy(struct alert_delivery *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->count; i++) {
		struct job *j = &d->jobs[i];
		if (j->state == JOB_RUNNING) {
			kill(-j->pid, SIGKILL);
			waitpid(j->pid, NULL, 0);
			close_fd(&j->in_fd);
			close_fd(&j->out_fd);
		}
		free(j->command);
		free(j->payload);
	}
	free(d->jobs);
	free(d->results);
	free(d);
}

void alert_delivery_submit(struct alert_delivery *d, size_t rule, const char *command,
                           char *payload, int64_t timeout_ms, int64_t now_ms)
{
	if (d->count == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 4;
		d->jobs = xreallocarray(d->jobs, d->cap, sizeof *d->jobs);
	}
	d->jobs[d->count++] = (struct job){
		.rule = rule, .command = xstrdup(command), .payload = payload,
		.len = strlen(payload), .timeout_ms = timeout_ms, .state = JOB_WAITING,
		.start_at = now_ms, .in_fd = -1, .out_fd = -1,
	};
}

static struct alert_delivery_result *add_result(struct alert_delivery *d, const struct job *j)
{
	if (d->result_count == d->result_cap) {
		d->result_cap = d->result_cap ? d->result_cap * 2 : 8;
		d->results = xreallocarray(d->results, d->result_cap, sizeof *d->results);
	}
	struct alert_delivery_result *r = &d->results[d->result_count++];
	memset(r, 0, sizeof *r);
	r->rule = j->rule;
	r->attempt = j->attempt;
	return r;
}

static bool spawn(struct job *j, char *why, size_t why_size)
{
	int sv[2] = { -1, -1 }, out[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	bool ok = false;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    pipe2(out, O_CLOEXEC) != 0) {
		snprintf(why, why_size, "cannot start: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDERR_FILENO);
	posix_spawnattr_init(&attr);
	/* Its own process group, so a timeout kills what the shell started too;
	 * default signals, since a recorder ignores SIGPIPE. */
	sigset_t none, defaults;
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	char *argv[] = { "/bin/sh", "-c", j->command, NULL };
	int err = posix_spawn(&j->pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err != 0) {
		snprintf(why, why_size, "cannot start /bin/sh: %s", strerror(err));
		goto out;
	}
	j->in_fd = sv[0];
	j->out_fd = out[0];
	sv[0] = out[0] = -1;
	fcntl(j->out_fd, F_SETFL, O_NONBLOCK);
	ok = true;
out:
	close_fd(&sv[0]);
	close_fd(&sv[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	return ok;
}

static int64_t backoff_ms(int attempt)
{
	int64_t ms = 1000LL << (attempt > 6 ? 6 : attempt - 1);
	return ms > 60000 ? 60000 : ms;
}

/* One attempt ended: report it, and either retry later or drop the job.
 * Returns true when the job is gone. */
static bool finish(struct alert_delivery *d, struct job *j, bool ok, const char *why, int64_t now)
{
	struct alert_delivery_result *r = add_result(d, j);
	r->ok = ok;
	r->final = ok || j->attempt >= ALERT_DELIVERY_ATTEMPTS;
	if (!r->final)
		r->retry_in_ms = backoff_ms(j->attempt);
	j->output[j->output_len] = '\0';
	snprintf(r->message, sizeof r->message, "%s%s%s", why, j->output_len ? ": " : "", j->output);
	close_fd(&j->in_fd);
	close_fd(&j->out_fd);
	if (r->final)
		return true;
	j->state = JOB_WAITING;
	j->start_at = now + r->retry_in_ms;
	j->written = 0;
	j->output_len = 0;
	j->killed = false;
	return false;
}

static void feed(struct job *j)
{
	while (j->in_fd >= 0 && j->written < j->len) {
		ssize_t n = send(j->in_fd, j->payload + j->written, j->len - j->written,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			j->written += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		else
			break;  /* the command stopped reading: its exit status tells */
	}
	close_fd(&j->in_fd);  /* end of input */
}

static void drain(struct job *j)
{
	char buf[4096];
	while (j->out_fd >= 0) {
		ssize_t n = read(j->out_fd, buf, sizeof buf);
		if (n > 0) {
			size_t room = ALERT_DELIVERY_OUTPUT - j->output_len;
			size_t take = (size_t)n < room ? (size_t)n : room;
			memcpy(j->output + j->output_len, buf, take);
			j->output_len += take;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			return;
		} else {
			close_fd(&j->out_fd);
		}
	}
}

/* Returns true when the job is gone. */
static bool step(struct alert_delivery *d, struct job *j, int64_t now)
{
	char why[160];
	if (j->state == JOB_WAITING) {
		if (now < j->start_at)
			return false;
		j->attempt++;
		if (!spawn(j, why, sizeof why))
			return finish(d, j, false, why, now);
		j->state = JOB_RUNNING;
		j->deadline = now + j->timeout_ms;
	}
	feed(j);
	drain(j);
	int status;
	pid_t r = waitpid(j->pid, &status, WNOHANG);
	if (r == j->pid) {
		drain(j);
		if (j->killed)
			snprintf(why, sizeof why, "killed after the %.1f s timeout", (double)j->timeout_ms / 1000.0);
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return finish(d, j, true, "ok", now);
		else if (WIFEXITED(status))
			snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(status));
		else
			snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(status));
		return finish(d, j, false, why, now);
	}
	if (!j->killed && now >= j->deadline) {
		kill(-j->pid, SIGKILL);
		j->killed = true;
	}
	return false;
}

void alert_delivery_poll(struct alert_delivery *d, int64_t now_ms)
{
	for (size_t i = 0; i < d->count;) {
		if (step(d, &d->jobs[i], now_ms)) {
			free(d->jobs[i].command);
			free(d->jobs[i].payload);
			d->jobs[i] = d->jobs[--d->count];
		} else {
			i++;
		}
	}
}

int64_t alert_delivery_next_due(const struct alert_delivery *d, int64_t now_ms)
{
	int64_t due = INT64_MAX;
	for (size_t i = 0; i < d->count; i++) {
		const struct job *j = &d->jobs[i];
		/* A running command is looked at often: its pipes, its exit. */
		int64_t t = j->state == JOB_WAITING ? j->start_at : now_ms + 20;
		if (t < due)
			due = t;
	}
	return due;
}

size_t alert_delivery_active(const struct alert_delivery *d)
{
	return d->count;
}

bool alert_delivery_take_result(struct alert_delivery *d, struct alert_delivery_result *out)
{
	if (d->result_count == 0)
		return false;
	*out = d->results[0];
	memmove(d->results, d->results + 1, (d->result_count - 1) * sizeof *d->results);
	d->result_count--;
	return true;
}
