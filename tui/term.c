/* Terminal setup and restore. Signal handlers only set a flag, except for
 * fatal ones, which restore the terminal and re-raise (htop CRT.c). */
#include "build_config.h"

#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"

static volatile sig_atomic_t quit_flag;
static volatile sig_atomic_t active;
static bool color_wanted;
static bool atexit_done;

static void restore(void)
{
	if (active) {
		active = 0;
		curs_set(1);
		endwin();
	}
}

static void on_quit_signal(int sig)
{
	(void)sig;
	quit_flag = 1;
}

static void on_fatal_signal(int sig)
{
	/* Not async-signal-safe, but the process is dying anyway and a
	 * terminal left in raw mode is worse. */
	if (active) {
		active = 0;
		endwin();
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install(int sig, void (*fn)(int), bool once)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = once ? SA_RESETHAND : 0;
	sigaction(sig, &sa, NULL);
}

bool term_start(bool color, bool mouse)
{
	if (!atexit_done) {
		atexit(restore);
		atexit_done = true;
	}
	install(SIGTERM, on_quit_signal, false);
	install(SIGHUP, on_quit_signal, false);
	install(SIGINT, on_quit_signal, false);
	install(SIGQUIT, on_quit_signal, false);
	install(SIGSEGV, on_fatal_signal, true);
	install(SIGBUS, on_fatal_signal, true);
	install(SIGFPE, on_fatal_signal, true);
	install(SIGILL, on_fatal_signal, true);
	install(SIGABRT, on_fatal_signal, true);
	signal(SIGPIPE, SIG_IGN);

	set_escdelay(25);
	if (newterm(NULL, stdout, stdin) == NULL)
		return false;
	active = 1;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	/* Home and End arrive in many forms when TERM does not match the
	 * terminal (tmux, PuTTY): take every one, or ESC would be read and the
	 * rest typed. */
	static const char *const home[] = { "\033[1~", "\033[H", "\033OH", "\033[7~" };
	static const char *const end[] = { "\033[4~", "\033[F", "\033OF", "\033[8~" };
	for (size_t i = 0; i < sizeof home / sizeof home[0]; i++) {
		define_key(home[i], KEY_HOME);
		define_key(end[i], KEY_END);
	}
	nodelay(stdscr, TRUE);
	curs_set(0);
	color_wanted = color && has_colors();
	if (mouse) {
		/* Clicks, double clicks (the activity log) and the wheel. */
		mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
		mouseinterval(250);
	} else
		mousemask(0, NULL);
	return true;
}

void term_stop(void)
{
	restore();
}

bool term_color_wanted(void)
{
	return color_wanted;
}

bool term_should_quit(void)
{
	return quit_flag != 0;
}
