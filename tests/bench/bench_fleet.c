/* Fleet table benchmark: apply cost at 100,000 things, memory per thing at
 * 1,000,000 things (RSS), snapshot save/load of 100,000 things.
 * Usage: bench_fleet [things-for-memory] */
#include "build_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fleet.h"
#include "xalloc.h"

#define T0 INT64_C(1700000000000)

/* CPU time of this thread: other processes on a busy machine do not count. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How much of the process is in transparent huge pages (kB). */
static long huge_kb(void)
{
	char line[256];
	long kb = 0;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static long rss_bytes(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

/* ~24-byte client ids, like "factory-07/sensor-000123". */
static char **make_ids(size_t n)
{
	char **ids = xcalloc(n, sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = xasprintf("factory-%02zu/sensor-%07zu", i % 97, i);
	return ids;
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void apply_one(struct fleet *fleet, const char *id, uint64_t seq, bool connect,
                      const char *session)
{
	struct fleet_event e = {
		.type = connect ? EVENT_CONNECTED : EVENT_DISCONNECTED,
		.client_id = id,
		.timestamp_ms = T0 + (int64_t)seq * 10,
		.received_ms = T0 + (int64_t)seq * 10 + 50,
		.has_version = true,
		.version = (int64_t)(seq / 2),
		.session_id = session,
		.reason = connect ? NULL : "CONNECTION_LOST",
		.ip = connect ? "192.0.2.44" : NULL,
		.seq = seq,
	};
	fleet_apply(fleet, &e, NULL);
}

static void bench_apply(size_t things, size_t events)
{
	char **ids = make_ids(things);
	struct fleet *fleet = fleet_create(NULL);
	uint64_t seq = 0;
	char sessions[64][40];

	for (int i = 0; i < 64; i++)
		snprintf(sessions[i], sizeof sessions[i], "%08x-1111-2222-3333-444455556666", i * 2654435761u);
	for (size_t i = 0; i < things; i++)
		apply_one(fleet, ids[i], ++seq, true, sessions[0]);

	/* Random things, each event a connect or disconnect of some session.
	 * The client ids sit in the event stream itself, as a freshly parsed
	 * message's would, so the timing is the table's and not the harness's
	 * cache misses. */
	size_t batch = 250000;
	char (*stream)[32] = xcalloc(batch, sizeof *stream);
	for (size_t i = 0; i < batch; i++)
		snprintf(stream[i], sizeof stream[i], "%s", ids[rng() % things]);
	double start = now_s();
	for (size_t i = 0; i < events; i++)
		apply_one(fleet, stream[i % batch], ++seq, i & 1, sessions[(i >> 1) & 63]);
	double took = now_s() - start;
	printf("apply: %zu events over %zu things: %.3f us/apply\n", events, things,
	       took * 1e6 / (double)events);
	free(stream);

	double t1 = now_s();
	size_t len;
	void *data = fleet_save(fleet, &len);
	double t2 = now_s();
	char *cause = NULL;
	struct fleet *loaded = fleet_load(data, len, NULL, &cause);
	double t3 = now_s();
	printf("snapshot of %zu things: %zu bytes, save %.1f ms, load %.1f ms%s%s\n", things, len,
	       (t2 - t1) * 1e3, (t3 - t2) * 1e3, loaded ? "" : ", FAILED: ", loaded ? "" : cause);
	free(cause);
	fleet_destroy(loaded);
	free(data);
	fleet_destroy(fleet);
	free_ids(ids, things);
}

static void bench_memory(size_t things)
{
	/* Ids are made one at a time so only the fleet's own memory counts. */
	long before = rss_bytes();
	struct fleet *fleet = fleet_create(NULL);
	char id[64];
	uint64_t seq = 0;
	for (size_t i = 0; i < things; i++) {
		snprintf(id, sizeof id, "factory-%02zu/sensor-%07zu", i % 97, i);
		apply_one(fleet, id, ++seq, true, "0b9e3a2c-1111-2222-3333-444455556666");
		apply_one(fleet, id, ++seq, false, "0b9e3a2c-1111-2222-3333-444455556666");
	}
	long after = rss_bytes();
	printf("memory: %zu things, sizeof(struct fleet_thing) %zu, RSS %.1f MB, %.1f bytes/thing"
	       " (%ld kB in huge pages)\n",
	       things, sizeof(struct fleet_thing), (double)(after - before) / 1e6,
	       (double)(after - before) / (double)things, huge_kb());
	fleet_destroy(fleet);
}

int main(int argc, char **argv)
{
	size_t mem_things = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;

	bench_memory(mem_things);
	bench_apply(100000, 2000000);
	return 0;
}
