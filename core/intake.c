/* The intake log: see intake.h. */
#include "intake.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

/* The file's size, reserved on the disk when it is made, so writing a
 * round never needs a new block: a full disk fails the journal, not this.
 * When the journal has committed all of it, writing starts over at 0;
 * when it has not and the file is full, it is set aside (".old") and a new
 * one reserved. */
#define FILE_BYTES (8u << 20)
#define HEADER_BYTES 28u        /* length, check, seq, received_ms, topic length */
/* A record larger than this is damage, not a message (payloads are cut
 * to 128 KiB before they get here, topics to a few hundred bytes). */
#define RECORD_MAX (1u << 24)

struct intake {
	char *path, *old_path;
	int fd;
	mode_t mode;
	char *round;                /* records not written yet */
	size_t round_len, round_cap;
	uint64_t round_last_seq;
	size_t file_bytes;          /* where the next round goes */
	uint64_t file_last_seq;     /* the last seq written to the current file */
	uint64_t old_last_seq;      /* the ".old" file's, 0 when there is none */
};

static uint32_t fnv1a(const unsigned char *p, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* A new file of FILE_BYTES zeros, its blocks reserved. -1 with errno. */
static int open_current(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	int err = posix_fallocate(fd, 0, FILE_BYTES);
	if (err != 0) {
		close(fd);
		unlink(path);
		errno = err;
		return -1;
	}
	return fd;
}

struct intake *intake_create(const char *journal_path, mode_t mode, char **cause)
{
	struct intake *in = xcalloc(1, sizeof *in);
	in->path = xasprintf("%s-intake", journal_path);
	in->old_path = xasprintf("%s-intake.old", journal_path);
	in->mode = mode;
	in->fd = open_current(in->path, mode);
	if (in->fd < 0) {
		set_cause(cause, "intake log %s: cannot create and reserve %u MiB: %s", in->path,
		          FILE_BYTES >> 20, strerror(errno));
		intake_destroy(in, false);
		return NULL;
	}
	unlink(in->old_path);
	return in;
}

void intake_destroy(struct intake *in, bool remove_files)
{
	if (!in)
		return;
	if (in->fd >= 0)
		close(in->fd);
	if (remove_files) {
		unlink(in->path);
		unlink(in->old_path);
	}
	free(in->round);
	free(in->path);
	free(in->old_path);
	free(in);
}

void intake_add(struct intake *in, uint64_t seq, int64_t received_ms, const char *topic,
                const void *payload, size_t len)
{
	size_t topic_len = topic ? strlen(topic) : 0;
	size_t rest = HEADER_BYTES - 8 + topic_len + len;
	if (in->round_cap - in->round_len < rest + 8) {
		while (in->round_cap - in->round_len < rest + 8)
			in->round_cap = in->round_cap ? in->round_cap * 2 : 64 * 1024;
		in->round = xrealloc(in->round, in->round_cap);
	}
	unsigned char *p = (unsigned char *)in->round + in->round_len;
	put_le(p, rest, 4);
	put_le(p + 8, seq, 8);
	put_le(p + 16, (uint64_t)received_ms, 8);
	put_le(p + 24, topic_len, 4);
	if (topic_len)
		memcpy(p + HEADER_BYTES, topic, topic_len);
	if (len)
		memcpy(p + HEADER_BYTES + topic_len, payload, len);
	put_le(p + 4, fnv1a(p + 8, rest), 4);
	in->round_len += rest + 8;
	in->round_last_seq = seq;
}

/* The current file cannot take the round: set it aside until the journal
 * has committed it, and reserve a new one. */
static bool rotate(struct intake *in, char **cause)
{
	if (in->old_last_seq) {
		set_cause(cause, "intake log %s: full, and the journal has not caught up with %s",
		          in->path, in->old_path);
		return false;
	}
	int fd = -1;
	if (rename(in->path, in->old_path) != 0 || (fd = open_current(in->path, in->mode)) < 0) {
		set_cause(cause, "intake log %s: cannot start a new file: %s", in->path, strerror(errno));
		return false;
	}
	close(in->fd);
	in->fd = fd;
	in->old_last_seq = in->file_last_seq;
	in->file_bytes = 0;
	return true;
}

bool intake_write_round(struct intake *in, char **cause)
{
	if (in->round_len == 0)
		return true;
	/* A zero length after the round ends it for a reader: what is beyond
	 * is from an earlier lap of the file. */
	if (in->round_cap - in->round_len < 8)
		in->round = xrealloc(in->round, in->round_cap += 8);
	memset(in->round + in->round_len, 0, 8);
	size_t len = in->round_len + 8;
	if (in->file_bytes + len > FILE_BYTES && !rotate(in, cause))
		return false;
	size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(in->fd, in->round + done, len - done, (off_t)(in->file_bytes + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			set_cause(cause, "intake log %s: cannot write: %s", in->path,
			          strerror(n < 0 ? errno : ENOSPC));
			return false;
		}
		done += (size_t)n;
	}
	in->file_bytes += in->round_len;
	in->file_last_seq = in->round_last_seq;
	in->round_len = 0;
	return true;
}

void intake_drop_round(struct intake *in)
{
	in->round_len = 0;
}

bool intake_must_wait(const struct intake *in)
{
	return in->old_last_seq && in->file_bytes + in->round_len + 8 > FILE_BYTES;
}

void intake_release(struct intake *in, uint64_t committed_seq)
{
	if (in->old_last_seq && committed_seq >= in->old_last_seq) {
		unlink(in->old_path);
		in->old_last_seq = 0;
	}
	/* All of it is in the journal: the next round starts the file over. */
	if (in->file_bytes > 0 && committed_seq >= in->file_last_seq)
		in->file_bytes = 0;
}

/* Hands over one file's records with seq > after_seq. */
static bool recover_file(const char *path, uint64_t after_seq, intake_fn fn, void *ctx,
                         uint64_t *count, char **cause)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return true;
		set_cause(cause, "intake log %s: cannot read: %s", path, strerror(errno));
		return false;
	}
	unsigned char head[8];
	unsigned char *rec = NULL;
	while (fread(head, 1, 8, f) == 8) {
		uint32_t rest = (uint32_t)get_le(head, 4);
		if (rest < HEADER_BYTES - 8 || rest > RECORD_MAX)
			break;
		rec = xrealloc(rec, rest + 1);
		if (fread(rec, 1, rest, f) != rest || fnv1a(rec, rest) != (uint32_t)get_le(head + 4, 4))
			break;
		uint64_t seq = get_le(rec, 8);
		int64_t received_ms = (int64_t)get_le(rec + 8, 8);
		uint32_t topic_len = (uint32_t)get_le(rec + 16, 4);
		if (topic_len > rest - (HEADER_BYTES - 8))
			break;
		if (seq <= after_seq)
			continue;
		char *topic = (char *)rec + HEADER_BYTES - 8;
		char *payload = topic + topic_len;
		size_t len = rest - (HEADER_BYTES - 8) - topic_len;
		/* The topic as a C string; the payload ends in the spare byte. */
		char *topic_copy = xstrndup(topic, topic_len);
		payload[len] = '\0';
		fn(ctx, received_ms, topic_len ? topic_copy : NULL, payload, len);
		free(topic_copy);
		(*count)++;
	}
	free(rec);
	fclose(f);
	return true;
}

bool intake_recover(const char *journal_path, uint64_t after_seq, intake_fn fn, void *ctx,
                    uint64_t *count, char **cause)
{
	char *old_path = xasprintf("%s-intake.old", journal_path);
	char *path = xasprintf("%s-intake", journal_path);
	*count = 0;
	bool ok = recover_file(old_path, after_seq, fn, ctx, count, cause) &&
	          recover_file(path, after_seq, fn, ctx, count, cause);
	free(old_path);
	free(path);
	return ok;
}
