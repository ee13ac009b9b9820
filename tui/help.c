/* The help overlay: every key of the current screen, in a box. */
#include "config.h"

#include <curses.h>
#include <string.h>

#include "app.h"
#include "draw.h"

void help_draw(struct app *app, const struct screen_ops *ops)
{
	int w = app->cols - 8;
	if (w > 100)
		w = 100;
	int h = (int)ops->help_count + 4;
	if (h > app->rows - 4)
		h = app->rows - 4;
	int x0 = (app->cols - w) / 2, y0 = (app->rows - h) / 2;
	int attr = theme_attr(THEME_TITLE);
	int kattr = theme_attr(THEME_FOOTER_KEY);
	for (int y = y0; y < y0 + h; y++)
		draw_fill(y, x0, w, attr);
	char title[96];
	snprintf(title, sizeof title, " %s keys  (any key closes) ", ops->title);
	for (int x = x0; x < x0 + w; x++) {
		draw_text_clip(y0, x, 1, draw_glyph(GLYPH_HLINE), attr);
		draw_text_clip(y0 + h - 1, x, 1, draw_glyph(GLYPH_HLINE), attr);
	}
	draw_text_clip(y0, x0 + 2, w - 4, title, attr | A_BOLD);
	int kw = 20;
	for (size_t i = 0; i < ops->help_count && (int)i < h - 3; i++) {
		int y = y0 + 2 + (int)i;
		draw_text(y, x0 + 2, kw, ops->help[i].keys, kattr, false);
		draw_text(y, x0 + 3 + kw, w - kw - 5, ops->help[i].desc, attr, false);
	}
}
