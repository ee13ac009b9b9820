/* Exporting the view from the monitor: Ctrl-S opens the ":export" prompt
 * with a default path the user sees and can change before anything is
 * written; never the working folder unasked. */
#include "build_config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "draw.h"
#include "export.h"
#include "text.h"

static bool is_dir(const char *path)
{
	struct stat st;
	return path != NULL && *path == '/' && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* $HOME, else the password database's home, else "/tmp". */
static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	if (home != NULL && *home == '/')
		return home;
	const struct passwd *pw = getpwuid(getuid());
	return pw != NULL && pw->pw_dir != NULL && *pw->pw_dir == '/' ? pw->pw_dir : "/tmp";
}

void app_export_default_path(char *buf, size_t size)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	const char *home = home_dir();
	char downloads[4096];
	snprintf(downloads, sizeof downloads, "%s/Downloads", home);
	const char *dir = getenv("XDG_DOWNLOAD_DIR");
	if (!is_dir(dir))
		dir = is_dir(downloads) ? downloads : home;
	snprintf(buf, size, "%s%sthingtop-%s.csv", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", stamp);
}

void app_export_prompt(struct app *app)
{
	char path[4096], line[4200];
	app_export_default_path(path, sizeof path);
	snprintf(line, sizeof line, "export %s", path);
	prompt_open(&app->prompt, PROMPT_COMMAND, line);
}

void app_export(struct app *app, const char *path)
{
	char made[4096];
	if (path == NULL || *path == '\0') {
		app_export_default_path(made, sizeof made);
		path = made;
	}
	char *cause = NULL;
	if (export_view_csv_file(app->session.view, app->session.fleet, path, &cause)) {
		char safe[1024];
		text_escape(path, strlen(path), safe, sizeof safe, draw_ascii());
		app_message(app, false, "exported %zu rows to %s", view_count(app->session.view), safe);
	} else {
		app_message(app, true, "export: %s", cause != NULL ? cause : "failed");
		free(cause);
	}
}
