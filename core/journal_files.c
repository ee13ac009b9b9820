/* The journal's files on disk: the writer creates them with the mode the
 * config asks for and says plainly what is wrong with a folder or a file
 * it cannot use; a reader never creates a file. SQLite puts a "-wal" and
 * a "-shm" file beside a WAL database and gives them the database file's
 * mode and owner. */
#include "build_config.h"

#include "journal_internal.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The folder holding path ("." for a bare name), newly allocated. */
static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* mkdir -p of the folders above path. A folder gets search and read
 * for whoever the file's mode lets read the journal. */
static bool make_parents(const char *path, unsigned file_mode, char **cause)
{
	mode_t mode = 0700 | ((file_mode & 0040) ? 0050 : 0) | ((file_mode & 0004) ? 0005 : 0);
	char *dir = xstrdup(path);
	bool ok = true;
	for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, mode) == 0) {
			chmod(dir, mode); /* past the umask */
		} else if (errno != EEXIST) {
			set_cause(cause, "journal %s: cannot create folder %s: %s", path, dir, strerror(errno));
			ok = false;
			break;
		}
		*p = '/';
	}
	free(dir);
	return ok;
}

static bool is_folder(const char *path, char **cause)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return false;
	set_cause(cause, "journal %s is a folder, not a file (give a file path, like %s/journal.db)",
	          path, path);
	return true;
}

/* What SQLite will need: a file (not a folder), a folder it may create
 * its -wal and -shm in, and those two writable when they exist already
 * (a reader of another user may have left them behind). */
static bool check_writable(const char *path, char **cause)
{
	if (is_folder(path, cause))
		return false;
	char *dir = folder_of(path);
	bool ok = access(dir, W_OK | X_OK) == 0;
	if (!ok)
		set_cause(cause, "journal %s: cannot write in folder %s (%s): the journal keeps "
		          "its -wal and -shm files beside it", path, dir, strerror(errno));
	free(dir);
	static const char *const sides[] = { "-wal", "-shm" };
	for (size_t i = 0; ok && i < 2; i++) {
		char *side = xasprintf("%s%s", path, sides[i]);
		if (access(side, F_OK) == 0 && access(side, R_OK | W_OK) != 0) {
			set_cause(cause, "journal %s: %s is not writable by this user (%s); remove it "
			          "while no thingtop has the journal open", path, side, strerror(errno));
			ok = false;
		}
		free(side);
	}
	return ok;
}

/* Opens (creating it with exactly file_mode, whatever the umask) and
 * flocks the journal file. */
static int lock_file(const char *path, unsigned file_mode, char **cause)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)file_mode);
		if (fd >= 0)
			fchmod(fd, (mode_t)file_mode);
		else if (errno == EEXIST)
			fd = open(path, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0) {
		set_cause(cause, "journal %s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			set_cause(cause, "journal %s is being written by another thingtop"
			          " (open it read-only to watch it)", path);
		else
			set_cause(cause, "journal %s: cannot lock: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int journal_files_take(const char *path, unsigned file_mode, char **cause)
{
	if (!make_parents(path, file_mode, cause) || !check_writable(path, cause))
		return -1;
	return lock_file(path, file_mode, cause);
}

static bool exists(const char *path, const char *suffix)
{
	char *name = xasprintf("%s%s", path, suffix);
	bool ok = access(name, F_OK) == 0;
	free(name);
	return ok;
}

bool journal_files_writer_seen(const char *path)
{
	return exists(path, "-wal") && exists(path, "-shm");
}

uint64_t journal_files_stamp(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	return ((uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec) ^
	       ((uint64_t)st.st_size << 20) ^ (uint64_t)st.st_ino;
}

/* "file:" and the path percent-encoded where a URI needs it. */
static char *uri_of(const char *path, const char *query)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(path);
	char *uri = xmalloc(5 + 3 * len + strlen(query) + 1);
	char *o = uri;
	memcpy(o, "file:", 5);
	o += 5;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p <= ' ' || *p >= 0x7f) {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		} else {
			*o++ = (char)*p;
		}
	}
	strcpy(o, query);
	return uri;
}

/* With both files there (a writer has the journal, or left them), an
 * ordinary read-only connection uses them; since SQLite 3.22 it needs no
 * write access to them. Without them SQLite would create both and leave
 * them behind, owned by the reader; but then no writer has the file open
 * and it is complete in itself, so it is read as immutable until a writer
 * appears (journal_files_writer_seen). */
sqlite3 *journal_files_open_reader(const char *path, bool *immutable, uint64_t *stamp,
                                   char **cause)
{
	if (is_folder(path, cause))
		return NULL;
	if (access(path, R_OK) != 0) {
		set_cause(cause, "journal %s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	*stamp = journal_files_stamp(path);
	*immutable = !journal_files_writer_seen(path);
	char *uri = uri_of(path, *immutable ? "?mode=ro&immutable=1" : "?mode=ro");
	sqlite3 *db = journal_db_open_uri(uri, path, cause);
	free(uri);
	return db;
}
