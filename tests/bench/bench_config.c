/* Config parsing time on large generated files: just under the 1 MiB
 * limit (comments and every kind of setting), and 80,000 settings (which
 * libconfig alone would take ~30 s on: refused by the pre-check). Prints
 * figures; passes or fails on none of them. */
#include "build_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "timefmt.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static void time_parse(const char *what, const char *path)
{
	struct config c;
	char *cause = NULL;
	config_defaults(&c);
	int64_t start = time_mono_ms();
	bool ok = config_read_path(&c, path, &cause);
	int64_t ms = time_mono_ms() - start;
	printf("%-40s %6lld ms  %s\n", what, (long long)ms, ok ? "parsed" : cause);
	free(cause);
	config_finish(&c);
}

int main(void)
{
	char dir[] = "/tmp/thingtop-bench-config-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	size_t cap = CONFIG_FILE_MAX + 1;
	char *text = malloc(cap);
	char path[128];
	size_t len = 0;

	while (len < CONFIG_FILE_MAX - 4096)
		len += (size_t)snprintf(text + len, cap - len, "# padding = a comment : line\n");
	snprintf(text + len, cap - len,
	         "broker: { host = \"h\"; port = 1884; qos = 0; };\n"
	         "journal: { retain = \"90d\"; max_size = \"2G\"; mode = \"0640\"; };\n"
	         "topics = [ \"a/#\", \"b/#\" ];\nui: { refresh_hz = 5; };\n");
	snprintf(path, sizeof path, "%s/large.conf", dir);
	write_file(path, text);
	time_parse("1 MiB config (comments + settings)", path);

	len = 0;
	for (int i = 0; i < 80000 && len < cap - 32; i++)
		len += (size_t)snprintf(text + len, cap - len, "s%d = 1;\n", i);
	snprintf(path, sizeof path, "%s/many.conf", dir);
	write_file(path, text);
	time_parse("80,000 settings", path);

	len = 0;
	for (int i = 0; i < CONFIG_SETTINGS_MAX - 1; i++)
		len += (size_t)snprintf(text + len, cap - len, "s%d = 1;\n", i);
	snprintf(path, sizeof path, "%s/limit.conf", dir);
	write_file(path, text);
	time_parse("999 settings (libconfig parses them all)", path);

	free(text);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
