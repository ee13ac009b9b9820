/* The yardstick for the import benchmark: the least any importer must do,
 * on one core. Reads each line of an NDJSON file, parses it with jansson,
 * reads six fields of the lifecycle payload (from an envelope's "payload"
 * when there is one) and frees it. Prints "bare_parse: N lines in S s = R lines/s". */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bare_parse FILE.ndjson\n");
		return 2;
	}
	FILE *in = fopen(argv[1], "rb");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lines = 0, fields = 0;
	double start = now_s();
	while ((len = getline(&line, &cap, in)) > 0) {
		lines++;
		json_t *root = json_loadb(line, (size_t)len, 0, NULL);
		if (!root)
			continue;
		json_t *payload = json_object_get(root, "payload");
		if (!payload)
			payload = root;
		static const char *const names[] = {"clientId", "timestamp", "eventType",
		                                    "sessionIdentifier", "versionNumber", "disconnectReason"};
		for (size_t i = 0; i < 6; i++)
			fields += json_object_get(payload, names[i]) != NULL;
		json_decref(root);
	}
	double seconds = now_s() - start;
	printf("bare_parse: %lu lines in %.3f s = %.0f lines/s (%lu fields read)\n", lines, seconds,
	       (double)lines / seconds, fields);
	free(line);
	fclose(in);
	return 0;
}
