/* The mouse, opt-in (ui.mouse): curses' event turned into what the
 * screens handle. term.c asks curses for these events only. */
#include "build_config.h"

#include <curses.h>

#include "app.h"

bool app_mouse_read(struct app_mouse *m)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return false;
	m->y = ev.y;
	m->x = ev.x;
	if (ev.bstate & BUTTON4_PRESSED)
		m->kind = APP_MOUSE_WHEEL_UP;
	else if (ev.bstate & BUTTON5_PRESSED)
		m->kind = APP_MOUSE_WHEEL_DOWN;
	else if (ev.bstate & BUTTON1_DOUBLE_CLICKED)
		m->kind = APP_MOUSE_DOUBLE;
	else if (ev.bstate & BUTTON1_CLICKED)
		m->kind = APP_MOUSE_CLICK;
	else
		return false;
	return true;
}
