/* The help overlay: every key of the current screen (and of the replay,
 * when replaying), in a box. */
#include "build_config.h"

#include <curses.h>
#include <string.h>

#include "app.h"
#include "draw.h"

void help_draw(struct app *app, const struct screen_ops *ops)
{
	int w = app->cols - 8;
	if (w > 100)
		w = 100;
	size_t extra = app->session.replay != NULL ? replay_help_count : 0;
	size_t total = extra + ops->help_count;
	int h = (int)total + 4;
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
	for (size_t i = 0; i < total && (int)i < h - 3; i++) {
		const struct key_help *k = i < extra ? &replay_help[i] : &ops->help[i - extra];
		int y = y0 + 2 + (int)i;
		draw_text(y, x0 + 2, kw, k->keys, kattr, false);
		draw_text(y, x0 + 3 + kw, w - kw - 5, k->desc, attr, false);
	}
}
