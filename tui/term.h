/* The terminal: curses set up for the monitor and restored on every exit
 * path (normal return, exit(), SIGTERM/SIGHUP, and crashes). */
#ifndef THINGTOP_TUI_TERM_H
#define THINGTOP_TUI_TERM_H

#include <stdbool.h>

/* initscr and friends: raw keys (Ctrl-C, Ctrl-S arrive as keys), no echo,
 * no cursor, non-blocking reads, mouse only when `mouse`. */
bool term_start(bool color, bool mouse);
void term_stop(void);
bool term_color_wanted(void);
/* True after SIGTERM, SIGHUP or SIGINT. */
bool term_should_quit(void);

#endif
