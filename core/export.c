/* The view as CSV: the default columns (or those asked for), the rows in
 * view order. */
#include "export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "xalloc.h"

void export_view_csv_columns(const struct view *view, const struct fleet *fleet,
                             const struct column_ref *columns, int count, FILE *out)
{
	struct csv_writer csv;
	char buf[1024];  /* attribute values run to 800 bytes */
	int n = columns ? count : COL_DEFAULT_COUNT;

	/* csv.c writes with the _unlocked stdio calls: hold the lock once. */
	flockfile(out);
	csv_init(&csv, out);
	for (int c = 0; c < n; c++) {
		if (columns)
			view_column_ref_name(&columns[c], buf, sizeof buf);
		csv_cell_str(&csv, columns ? buf : view_columns[c].name);
	}
	csv_end_row(&csv);
	for (size_t r = 0; r < view_count(view); r++) {
		const struct fleet_thing *thing = fleet_thing_at(fleet, view_row(view, r));
		for (int c = 0; c < n; c++) {
			size_t len = columns ? view_cell_text_ref(fleet, thing, &columns[c], buf, sizeof buf)
			                     : view_cell_text(fleet, thing, (enum column_id)c, buf, sizeof buf);
			csv_cell(&csv, buf, len);
		}
		csv_end_row(&csv);
	}
	funlockfile(out);
}

void export_view_csv(const struct view *view, const struct fleet *fleet, FILE *out)
{
	export_view_csv_columns(view, fleet, NULL, 0, out);
}

/* A device, a pipe or a link (/dev/null, /dev/stdout, a FIFO) is written in place:
 * renaming a file over it would replace the device. */
static bool write_in_place(const struct view *view, const struct fleet *fleet,
                           const struct column_ref *columns, int count, const char *path,
                           char **cause)
{
	FILE *out = fopen(path, "w");
	if (!out) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return false;
	}
	export_view_csv_columns(view, fleet, columns, count, out);
	bool ok = fflush(out) == 0 && !ferror(out);
	if (fclose(out) != 0)
		ok = false;
	if (!ok)
		set_cause(cause, "%s: %s", path, strerror(errno ? errno : EIO));
	return ok;
}

bool export_view_csv_file(const struct view *view, const struct fleet *fleet, const char *path,
                          char **cause)
{
	return export_view_csv_file_columns(view, fleet, NULL, 0, path, cause);
}

bool export_view_csv_file_columns(const struct view *view, const struct fleet *fleet,
                                  const struct column_ref *columns, int count, const char *path,
                                  char **cause)
{
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(view, fleet, columns, count, path, cause);

	char *tmp = xasprintf("%s.tmp", path);
	FILE *out = fopen(tmp, "w");
	bool ok = false;

	if (!out) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	export_view_csv_columns(view, fleet, columns, count, out);
	if (fflush(out) != 0 || ferror(out) || fsync(fileno(out)) != 0) {
		set_cause(cause, "%s: %s", tmp, strerror(errno ? errno : EIO));
		fclose(out);
		unlink(tmp);
		goto out;
	}
	if (fclose(out) != 0) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	ok = true;
out:
	free(tmp);
	return ok;
}
