/* thingtop demo: a private mosquitto on a free loopback port, the simulator
 * publishing a fleet of ~300 things to it, and the monitor on it; all of it
 * cleaned up on exit. The children get SIGTERM when we die (PDEATHSIG), so
 * even a killed demo leaves no broker behind. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "timefmt.h"
#include "xalloc.h"

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int port = -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static bool port_accepts(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

/* Starts argv[0] (searched in PATH, then in the extra folders) with its
 * output to `log`; the child dies with us. */
static pid_t spawn(char *const argv[], const char *log)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if (null >= 0)
		dup2(null, 0);
	signal(SIGINT, SIG_IGN); /* Ctrl-C is for the monitor; we stop the children */
	execvp(argv[0], argv);
	if (!strchr(argv[0], '/')) {
		char path[256];
		snprintf(path, sizeof path, "/usr/sbin/%s", argv[0]);
		execv(path, argv);
	}
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void stop_child(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		struct timespec ts = { 0, 20000000L };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

static void print_log(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[512];
	int n = 0;
	while (fgets(line, sizeof line, f) && n++ < 20)
		fprintf(stderr, "  %s", line);
	fclose(f);
}

const char cmd_demo_usage[] =
	"Usage: thingtop demo [--things N] [--rate N]\n"
	"\n"
	"Starts a private mosquitto on a free loopback port, a simulated fleet\n"
	"publishing to it (`thingtop simulate --realtime`, every quirk but clock\n"
	"skew) and the monitor on it, with a journal in a temporary folder.\n"
	"Everything stops and is removed when you quit the monitor.\n"
	"\n"
	"Options:\n"
	"  --things N           fleet size (default 300)\n"
	"  --rate N             messages per second (default 20)\n"
	"  -h, --help           this text\n"
	"\n"
	"Needs mosquitto (apt install mosquitto). Exit status: the monitor's; 1 when\n"
	"the broker cannot start; 2 for a usage error.\n";

/* -1 to go on, else the exit status. */
static int parse_args(const struct cmd_entry *cmd, int argc, char **argv, const char **things,
                      const char **rate)
{
	enum { OPT_THINGS = 256, OPT_RATE };
	static const struct option options[] = {
		{"things", required_argument, NULL, OPT_THINGS},
		{"rate", required_argument, NULL, OPT_RATE},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt, usage_status = 0;
	while ((opt = cmd_getopt(cmd, argc, argv, "h", options, &usage_status)) != -1) {
		switch (opt) {
		case CMD_EXIT: return usage_status;
		case OPT_THINGS:
			if (atoi(optarg) <= 0)
				return cmd_usage_error(cmd, "--things %s: expected a positive number", optarg);
			*things = optarg;
			break;
		case OPT_RATE:
			if (atof(optarg) <= 0)
				return cmd_usage_error(cmd, "--rate %s: expected a positive number", optarg);
			*rate = optarg;
			break;
		}
	}
	if (optind < argc)
		return cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

int cmd_demo(const struct cmd_entry *cmd, int argc, char **argv)
{
	const char *things = "300", *rate = "20";
	int parsed = parse_args(cmd, argc, argv, &things, &rate);
	if (parsed >= 0)
		return parsed;

	char dir[] = "/tmp/thingtop-demo-XXXXXX";
	if (!mkdtemp(dir)) {
		fprintf(stderr, "thingtop demo: cannot make a temporary folder: %s\n", strerror(errno));
		return 1;
	}
	int status = 1;
	pid_t broker = -1, sim = -1;
	char *conf = xasprintf("%s/mosquitto.conf", dir);
	char *broker_log = xasprintf("%s/mosquitto.log", dir);
	char *sim_log = xasprintf("%s/simulate.log", dir);
	char *journal = xasprintf("%s/journal.db", dir);
	char port_text[16], broker_arg[64];

	int port = free_port();
	FILE *f = fopen(conf, "w");
	if (port < 0 || !f) {
		fprintf(stderr, "thingtop demo: cannot set up the broker: %s\n", strerror(errno));
		if (f)
			fclose(f);
		goto out;
	}
	/* Never drop queued messages for a slow subscriber (mosquitto's
	 * defaults drop past 1000 even at QoS 1). */
	fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
	        "max_inflight_messages 0\npersistence false\nlog_dest stderr\n", port);
	fclose(f);
	snprintf(port_text, sizeof port_text, "%d", port);
	snprintf(broker_arg, sizeof broker_arg, "127.0.0.1:%d", port);

	char *broker_argv[] = { "mosquitto", "-c", conf, NULL };
	broker = spawn(broker_argv, broker_log);
	int64_t deadline = time_mono_ms() + 5000;
	while (!port_accepts(port)) {
		if (waitpid(broker, NULL, WNOHANG) == broker || time_mono_ms() > deadline) {
			fprintf(stderr, "thingtop demo: mosquitto did not start (is it installed?):\n");
			print_log(broker_log);
			broker = -1;
			goto out;
		}
		struct timespec ts = { 0, 20000000L };
		nanosleep(&ts, NULL);
	}

	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		fprintf(stderr, "thingtop demo: cannot find my own program: %s\n", strerror(errno));
		goto out;
	}
	self[n] = '\0';
	char *sim_argv[] = { self, "simulate", "--broker", broker_arg, "--things", (char *)things,
	                     "--rate", (char *)rate, "--realtime", "--qos", "1",
	                     /* every quirk but skew: ages shown next to real time would go negative */
	                     "--quirks", "flapping,storms,reorder,duplicates,version-reset,takeover,"
	                     "keepalive,connect-failed,subscriptions", NULL };
	sim = spawn(sim_argv, sim_log);

	char *monitor_argv[] = { "thingtop", "--broker", broker_arg, "-j", journal, NULL };
	const struct cmd_entry *monitor = cmd_find(NULL);
	status = monitor->run(monitor, 5, monitor_argv);

	if (waitpid(sim, NULL, WNOHANG) == sim) {
		fprintf(stderr, "thingtop demo: the simulator stopped early:\n");
		print_log(sim_log);
		sim = -1;
	}
	if (waitpid(broker, NULL, WNOHANG) == broker) {
		fprintf(stderr, "thingtop demo: the broker stopped early:\n");
		print_log(broker_log);
		broker = -1;
	}
out:
	stop_child(sim);
	stop_child(broker);
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(conf);
	free(broker_log);
	free(sim_log);
	free(journal);
	return status;
}
