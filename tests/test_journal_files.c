/* The journal's files: the mode of a new journal whatever the umask, a
 * read-only open that creates no file and still follows a writer that
 * starts later, and one-line errors for a folder. Real files in a
 * temporary folder (permission checks against another user are in
 * tests/integration/permissions.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "temp_dir.h"
#include "journal.h"

static bool exists(const char *path, const char *suffix)
{
	char name[256];
	snprintf(name, sizeof name, "%s%s", path, suffix);
	return access(name, F_OK) == 0;
}

static unsigned mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0u;
}

static void append_reject(struct journal *j, int64_t at)
{
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = EVENT_REJECT;
	ev.reject = REJECT_BAD_JSON;
	snprintf(ev.detail, sizeof ev.detail, "test");
	struct journal_record r = { .received_ms = at, .payload = "{", .payload_len = 1, .event = &ev };
	CHECK(journal_append(j, &r) != 0);
}

/* journal.mode "0640" under a umask of 077: the file, its -wal and -shm
 * and the folder made for it are group-readable. */
static void test_create_mode(void)
{
	char *dir = new_path("svc");
	char path[256];
	snprintf(path, sizeof path, "%s/journal.db", dir);
	mode_t old = umask(077);
	char *cause = NULL;
	struct journal *j = journal_open_mode(path, JOURNAL_READ_WRITE, 0640, &cause);
	umask(old);
	CHECK(j != NULL);
	if (!j) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		free(dir);
		return;
	}
	append_reject(j, 1);
	CHECK(journal_flush(j, NULL));
	CHECK_INT(mode_of(path), 0640);
	char side[300];
	snprintf(side, sizeof side, "%s-wal", path);
	CHECK_INT(mode_of(side), 0640);
	snprintf(side, sizeof side, "%s-shm", path);
	CHECK_INT(mode_of(side), 0640);
	CHECK_INT(mode_of(dir), 0750);
	journal_close(j);

	/* The default stays private. */
	char *other = new_path("private.db");
	j = journal_open(other, JOURNAL_READ_WRITE, NULL);
	CHECK(j != NULL);
	journal_close(j);
	CHECK_INT(mode_of(other), 0600);
	free(other);
	free(dir);
}

/* No writer: a reader reads the file as it is and creates nothing; once
 * a writer starts, the same reader sees what it adds. */
static void test_reader_creates_nothing(void)
{
	char *path = new_path("ro.db");
	struct journal *w = open_rw(path);
	CHECK(w != NULL);
	if (!w) {
		free(path);
		return;
	}
	append_reject(w, 1);
	append_reject(w, 2);
	journal_close(w);
	CHECK(!exists(path, "-wal") && !exists(path, "-shm"));

	char *cause = NULL;
	struct journal *r = journal_open(path, JOURNAL_READ_ONLY, &cause);
	CHECK(r != NULL);
	if (!r) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		free(path);
		return;
	}
	CHECK_INT(journal_last_seq(r), 2);
	CHECK(!exists(path, "-wal") && !exists(path, "-shm"));

	w = open_rw(path);
	CHECK(w != NULL);
	if (w) {
		append_reject(w, 3);
		CHECK(journal_flush(w, NULL));
		CHECK_INT(journal_last_seq(r), 3);
		append_reject(w, 4);
		CHECK(journal_flush(w, NULL));
		CHECK_INT(journal_last_seq(r), 4);
	}
	journal_close(r);
	journal_close(w);

	/* A writer that came and went while a reader was open. */
	r = journal_open(path, JOURNAL_READ_ONLY, NULL);
	CHECK(r != NULL);
	sleep(1); /* a coarse mtime must still tell the write apart */
	w = open_rw(path);
	if (w) {
		append_reject(w, 5);
		journal_close(w);
	}
	if (r) {
		CHECK_INT(journal_last_seq(r), 5);
		journal_close(r);
	}
	CHECK(!exists(path, "-wal") && !exists(path, "-shm"));
	free(path);
}

static void test_folder_errors(void)
{
	char *dir = new_path("adir");
	CHECK(mkdir(dir, 0700) == 0);
	char want[400];
	snprintf(want, sizeof want, "journal %s is a folder, not a file (give a file path, like "
	         "%s/journal.db)", dir, dir);
	for (int mode = 0; mode < 2; mode++) {
		char *cause = NULL;
		struct journal *j = journal_open(dir, mode ? JOURNAL_READ_ONLY : JOURNAL_READ_WRITE, &cause);
		CHECK(j == NULL);
		CHECK_STR(cause ? cause : "", want);
		free(cause);
		journal_close(j);
	}
	free(dir);
}

int main(void)
{
	if (temp_dir_create("journal-files") != 0)
		return 1;
	RUN(test_create_mode);
	RUN(test_reader_creates_nothing);
	RUN(test_folder_errors);
	temp_dir_remove();
	return check_summary();
}
