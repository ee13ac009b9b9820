/* The monitor's screens: their table, their state's lifetime, and which
 * one is shown. app.c and replay_ui.c call the shown screen's hooks; no
 * code outside a screen's file asks which screen it is. */
#include "build_config.h"

#include "app.h"

static const struct screen_ops *const screen_table[SCREEN_COUNT] = {
	[SCREEN_GRID] = &grid_screen,
	[SCREEN_ACTIVITY] = &activity_screen,
	[SCREEN_TIMELINE] = &timeline_screen,
	[SCREEN_ALERTS] = &alerts_screen,
	[SCREEN_SUMMARY] = &summary_screen,
};

void app_screens_create(struct app *app)
{
	for (int i = 0; i < SCREEN_COUNT; i++) {
		struct screen *s = &app->screens[i];
		s->ops = screen_table[i];
		s->data = s->ops->create != NULL ? s->ops->create(app) : NULL;
	}
	app->screen = SCREEN_GRID;
}

void app_screens_destroy(struct app *app)
{
	for (int i = 0; i < SCREEN_COUNT; i++) {
		struct screen *s = &app->screens[i];
		if (s->ops != NULL && s->ops->destroy != NULL)
			s->ops->destroy(s->data);
		s->data = NULL;
	}
}

void *app_screen_data(const struct app *app, enum app_screen screen)
{
	return app->screens[screen].data;
}

bool app_show(struct app *app, enum app_screen screen)
{
	struct screen *s = &app->screens[screen];
	if (s->ops->enter != NULL && !s->ops->enter(app, s->data))
		return false;
	app->screen = screen;
	app->dirty = true;
	return true;
}

void app_fleet_replaced(struct app *app)
{
	app_refresh_view(app);
	struct screen *s = &app->screens[app->screen];
	if (s->ops->fleet_replaced != NULL)
		s->ops->fleet_replaced(app, s->data);
	app->dirty = true;
}
