/* Theme files and colour pairs. */
#include "build_config.h"

#include <curses.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "theme.h"
#include "xalloc.h"

static const char *const element_names[THEME_COUNT] = {
	[THEME_NORMAL] = "normal",
	[THEME_HEADER] = "header",
	[THEME_TITLE] = "title",
	[THEME_COLUMNS] = "columns",
	[THEME_CURSOR] = "cursor",
	[THEME_CONNECTED] = "connected",
	[THEME_DISCONNECTED] = "disconnected",
	[THEME_UNKNOWN] = "unknown",
	[THEME_MARK] = "mark",
	[THEME_FOOTER] = "footer",
	[THEME_FOOTER_KEY] = "footer_key",
	[THEME_MESSAGE] = "message",
	[THEME_ERROR] = "error",
	[THEME_PROMPT] = "prompt",
	[THEME_DIM] = "dim",
	[THEME_REASON0] = "reason0",
	[THEME_REASON0 + 1] = "reason1",
	[THEME_REASON0 + 2] = "reason2",
	[THEME_REASON0 + 3] = "reason3",
	[THEME_REASON0 + 4] = "reason4",
	[THEME_REASON0 + 5] = "reason5",
	[THEME_REASON0 + 6] = "reason6",
	[THEME_REASON0 + 7] = "reason7",
};

/* What each element colours, for the help page. */
static const char *const element_meanings[THEME_REASON0] = {
	[THEME_NORMAL] = "ordinary text",
	[THEME_HEADER] = "the top line: recording state, event rate, counts",
	[THEME_TITLE] = "the screen's title line: filter, drill-down, rows shown",
	[THEME_COLUMNS] = "column titles",
	[THEME_CURSOR] = "the row under the cursor",
	[THEME_CONNECTED] = "a connected thing",
	[THEME_DISCONNECTED] = "a disconnected thing",
	[THEME_UNKNOWN] = "a thing whose status is unknown",
	[THEME_MARK] = "flags (settling, flapping, uncertain) and duplicates",
	[THEME_FOOTER] = "the key hints at the bottom",
	[THEME_FOOTER_KEY] = "a key in the hints",
	[THEME_MESSAGE] = "an information message (fades after a few seconds)",
	[THEME_ERROR] = "an error message (stays until the next key)",
	[THEME_PROMPT] = "the / f : prompts",
	[THEME_DIM] = "secondary text",
};

const char *theme_element_name(enum theme_element element)
{
	return element_names[element];
}

const char *theme_element_meaning(enum theme_element element)
{
	return element < THEME_REASON0 ? element_meanings[element] :
	       "a disconnect reason on the timeline, one colour each";
}

static const char *const color_names[16] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	"bright_black", "bright_red", "bright_green", "bright_yellow",
	"bright_blue", "bright_magenta", "bright_cyan", "bright_white",
};

#define S(f, b, a) { .fg = (f), .bg = (b), .attrs = (a) }
static const struct theme builtin_dark = {
	.name = "dark",
	.style = {
		[THEME_NORMAL] = S(-1, -1, 0),
		[THEME_HEADER] = S(231, 24, THEME_BOLD),
		[THEME_TITLE] = S(252, 236, 0),
		[THEME_COLUMNS] = S(16, 109, THEME_BOLD),
		[THEME_CURSOR] = S(16, 180, 0),
		[THEME_CONNECTED] = S(114, -1, 0),
		[THEME_DISCONNECTED] = S(203, -1, 0),
		[THEME_UNKNOWN] = S(245, -1, 0),
		[THEME_MARK] = S(221, -1, THEME_BOLD),
		[THEME_FOOTER] = S(252, 236, 0),
		[THEME_FOOTER_KEY] = S(16, 109, THEME_BOLD),
		[THEME_MESSAGE] = S(117, -1, 0),
		[THEME_ERROR] = S(231, 124, THEME_BOLD),
		[THEME_PROMPT] = S(231, -1, THEME_BOLD),
		[THEME_DIM] = S(244, -1, 0),
		[THEME_REASON0] = S(203, -1, 0),
		[THEME_REASON0 + 1] = S(221, -1, 0),
		[THEME_REASON0 + 2] = S(75, -1, 0),
		[THEME_REASON0 + 3] = S(176, -1, 0),
		[THEME_REASON0 + 4] = S(114, -1, 0),
		[THEME_REASON0 + 5] = S(215, -1, 0),
		[THEME_REASON0 + 6] = S(80, -1, 0),
		[THEME_REASON0 + 7] = S(250, -1, 0),
	},
};
#undef S

/* Attributes added when there is no colour, so every element stays apart. */
static const unsigned mono_extra[THEME_COUNT] = {
	[THEME_HEADER] = THEME_REVERSE,
	[THEME_COLUMNS] = THEME_UNDERLINE | THEME_BOLD,
	[THEME_CURSOR] = THEME_REVERSE,
	[THEME_CONNECTED] = THEME_BOLD,
	[THEME_MARK] = THEME_BOLD,
	[THEME_FOOTER_KEY] = THEME_REVERSE,
	[THEME_ERROR] = THEME_BOLD | THEME_REVERSE,
	[THEME_PROMPT] = THEME_BOLD,
	[THEME_DIM] = THEME_DIM_ATTR,
};

static int element_attr[THEME_COUNT];
static bool has_color;

void theme_builtin(struct theme *theme)
{
	*theme = builtin_dark;
}

static bool parse_color(const config_setting_t *s, short *out, const char *path, char **cause)
{
	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		int v = config_setting_get_int(s);
		if (v < -1 || v > 255) {
			set_cause(cause, "%s:%d: colour %d out of range (0-255, or -1 for default)",
			          path, config_setting_source_line(s), v);
			return false;
		}
		*out = (short)v;
		return true;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *name = config_setting_get_string(s);
		if (strcmp(name, "default") == 0) {
			*out = THEME_DEFAULT_COLOR;
			return true;
		}
		for (int i = 0; i < 16; i++) {
			if (strcmp(name, color_names[i]) == 0) {
				*out = (short)i;
				return true;
			}
		}
		set_cause(cause, "%s:%d: unknown colour \"%s\" (a name like \"red\" or "
		          "\"bright_blue\", \"default\", or a number 0-255)",
		          path, config_setting_source_line(s), name);
		return false;
	}
	set_cause(cause, "%s:%d: a colour is a name or a number", path, config_setting_source_line(s));
	return false;
}

static bool parse_attrs(const config_setting_t *s, unsigned *out, const char *path, char **cause)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		set_cause(cause, "%s:%d: attr is a string like \"bold|underline\"", path,
		          config_setting_source_line(s));
		return false;
	}
	char *copy = xstrdup(config_setting_get_string(s));
	char *save = NULL;
	unsigned attrs = 0;
	bool ok = true;
	for (char *tok = strtok_r(copy, "|, ", &save); tok != NULL; tok = strtok_r(NULL, "|, ", &save)) {
		if (strcmp(tok, "bold") == 0)
			attrs |= THEME_BOLD;
		else if (strcmp(tok, "reverse") == 0)
			attrs |= THEME_REVERSE;
		else if (strcmp(tok, "underline") == 0)
			attrs |= THEME_UNDERLINE;
		else if (strcmp(tok, "dim") == 0)
			attrs |= THEME_DIM_ATTR;
		else if (strcmp(tok, "none") != 0) {
			set_cause(cause, "%s:%d: unknown attribute \"%s\" (bold, reverse, underline, dim, none)",
			          path, config_setting_source_line(s), tok);
			ok = false;
			break;
		}
	}
	free(copy);
	if (ok)
		*out = attrs;
	return ok;
}

static int element_by_name(const char *name)
{
	for (int i = 0; i < THEME_COUNT; i++) {
		if (strcmp(element_names[i], name) == 0)
			return i;
	}
	return -1;
}

bool theme_load_file(struct theme *theme, const char *path, char **cause)
{
	config_t cfg;
	config_init(&cfg);
	bool ok = false;
	struct theme t;
	theme_builtin(&t);

	/* Checked first: libconfig ends the program on a folder. */
	char *text = config_file_read(path, cause);
	if (text == NULL)
		goto out;
	int read_ok = config_read_string(&cfg, text);
	free(text);
	if (read_ok != CONFIG_TRUE) {
		set_cause(cause, "%s:%d: %s", path, config_error_line(&cfg), config_error_text(&cfg));
		goto out;
	}
	config_setting_t *root = config_root_setting(&cfg);
	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *key = config_setting_name(s);
		int line = config_setting_source_line(s);
		if (strcmp(key, "name") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_STRING) {
				set_cause(cause, "%s:%d: name is a string", path, line);
				goto out;
			}
			snprintf(t.name, sizeof t.name, "%s", config_setting_get_string(s));
			continue;
		}
		int e = element_by_name(key);
		if (e < 0) {
			set_cause(cause, "%s:%d: unknown element \"%s\"", path, line, key);
			goto out;
		}
		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			set_cause(cause, "%s:%d: %s is a group like { fg = \"red\"; bg = \"default\"; }",
			          path, line, key);
			goto out;
		}
		struct theme_style style = { THEME_DEFAULT_COLOR, THEME_DEFAULT_COLOR, 0 };
		for (int j = 0; j < config_setting_length(s); j++) {
			config_setting_t *f = config_setting_get_elem(s, (unsigned)j);
			const char *fname = config_setting_name(f);
			bool fok;
			if (strcmp(fname, "fg") == 0)
				fok = parse_color(f, &style.fg, path, cause);
			else if (strcmp(fname, "bg") == 0)
				fok = parse_color(f, &style.bg, path, cause);
			else if (strcmp(fname, "attr") == 0)
				fok = parse_attrs(f, &style.attrs, path, cause);
			else {
				set_cause(cause, "%s:%d: unknown field \"%s\" in %s (fg, bg, attr)",
				          path, config_setting_source_line(f), fname, key);
				fok = false;
			}
			if (!fok)
				goto out;
		}
		t.style[e] = style;
	}
	*theme = t;
	ok = true;
out:
	config_destroy(&cfg);
	return ok;
}

/* The folder of the running binary, or NULL. */
static char *exe_dir(void)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	char *slash = strrchr(path, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	return xstrdup(path);
}

/* Where themes are looked for, in order: the user's, the install prefix's
 * (found from the binary, so a moved install still works; then the
 * configured one), and beside an uninstalled binary in its build tree
 * (BUILD/tui/thingtop finds BUILD/themes, copied there by meson). */
static char *find_theme(const char *name)
{
	char *dirs[5] = { NULL };
	int n = 0;
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg != NULL && *xdg != '\0')
		dirs[n++] = xasprintf("%s/thingtop/themes", xdg);
	else if (home != NULL && *home != '\0')
		dirs[n++] = xasprintf("%s/.config/thingtop/themes", home);
	char *exe = exe_dir();
	if (exe != NULL)
		dirs[n++] = xasprintf("%s/../share/thingtop/themes", exe);
	dirs[n++] = xstrdup(THINGTOP_DATADIR "/themes");
	if (exe != NULL)
		dirs[n++] = xasprintf("%s/../themes", exe);
	free(exe);
	char *found = NULL;
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s.theme", dirs[i], name);
		if (found == NULL && access(path, R_OK) == 0)
			found = path;
		else
			free(path);
		free(dirs[i]);
	}
	return found;
}

bool theme_load(struct theme *theme, const char *name, char **cause)
{
	if (name == NULL || *name == '\0' || strcmp(name, "default") == 0)
		name = "dark";
	/* Other names people use for the same themes. */
	if (strcmp(name, "basic16") == 0 || strcmp(name, "16") == 0)
		name = "16color";
	else if (strcmp(name, "contrast") == 0)
		name = "high-contrast";
	else if (strcmp(name, "monochrome") == 0)
		name = "mono";
	size_t len = strlen(name);
	if (strchr(name, '/') != NULL || (len > 6 && strcmp(name + len - 6, ".theme") == 0))
		return theme_load_file(theme, name, cause);
	for (const char *p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_')) {
			set_cause(cause, "bad theme name (letters, digits, - and _ only)");
			return false;
		}
	}
	char *path = find_theme(name);
	if (path == NULL) {
		if (strcmp(name, "dark") == 0) {
			theme_builtin(theme);
			return true;
		}
		set_cause(cause, "theme \"%s\" not found (looked for %s.theme in "
		          "~/.config/thingtop/themes and %s/themes)", name, name, THINGTOP_DATADIR);
		return false;
	}
	bool ok = theme_load_file(theme, path, cause);
	free(path);
	return ok;
}

/* The xterm palette's colour `c` as RGB. */
static void xterm_rgb(int c, int rgb[3])
{
	static const int base[16][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
		{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
		{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
		{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
	};
	static const int level[6] = { 0, 95, 135, 175, 215, 255 };
	if (c < 16) {
		memcpy(rgb, base[c], sizeof base[c]);
	} else if (c < 232) {
		c -= 16;
		rgb[0] = level[c / 36];
		rgb[1] = level[(c / 6) % 6];
		rgb[2] = level[c % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
	}
}

/* The nearest of the first `n` palette colours (16 or 8). */
static short nearest_color(int c, int n)
{
	int rgb[3];
	xterm_rgb(c, rgb);
	int best = 0;
	long best_d = -1;
	for (int i = 0; i < n; i++) {
		int o[3];
		xterm_rgb(i, o);
		long d = 0;
		for (int k = 0; k < 3; k++)
			d += (long)(rgb[k] - o[k]) * (rgb[k] - o[k]);
		if (best_d < 0 || d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return (short)best;
}

static int curses_attrs(unsigned a)
{
	int r = 0;
	if (a & THEME_BOLD)
		r |= A_BOLD;
	if (a & THEME_REVERSE)
		r |= A_REVERSE;
	if (a & THEME_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_DIM_ATTR)
		r |= A_DIM;
	return r;
}

/* Maps a theme colour to what the terminal has; sets *bold for a bright
 * colour on an 8-colour terminal. */
static short fit_color(short c, bool *bold)
{
	if (c < 0)
		return c;
	if (COLORS >= 256)
		return c;
	if (COLORS >= 16)
		return c < 16 ? c : nearest_color(c, 16);
	if (c >= 16)
		c = nearest_color(c, 16);
	if (c >= 8) {
		*bold = true;
		c = (short)(c - 8);
	}
	return c;
}

void theme_apply(const struct theme *theme, bool color)
{
	has_color = color && has_colors();
	bool defaults = false;
	if (has_color) {
		start_color();
		defaults = use_default_colors() == OK;
	}
	for (int e = 0; e < THEME_COUNT; e++) {
		const struct theme_style *s = &theme->style[e];
		if (!has_color) {
			element_attr[e] = curses_attrs(s->attrs | mono_extra[e]);
			continue;
		}
		bool bold = false;
		short fg = fit_color(s->fg, &bold);
		/* A 256-colour text colour that lands on black or grey would be
		 * unreadable on a dark background: the terminal's own instead. */
		if (s->fg >= 16 && COLORS < 256 && (fg == 0 || fg == 8)) {
			fg = -1;
			bold = false;
		}
		bool bg_bold = false;
		short bg = fit_color(s->bg, &bg_bold);
		if (!defaults) {
			if (fg < 0)
				fg = COLOR_WHITE;
			if (bg < 0)
				bg = COLOR_BLACK;
		}
		/* The same colour on itself would hide the text (8-colour fallbacks). */
		if (fg >= 0 && fg == bg)
			fg = bg == COLOR_BLACK ? COLOR_WHITE : COLOR_BLACK;
		int pair = e + 1;
		if (pair < COLOR_PAIRS && init_pair((short)pair, fg, bg) == OK)
			element_attr[e] = (int)COLOR_PAIR(pair) | curses_attrs(s->attrs) | (bold ? A_BOLD : 0);
		else
			element_attr[e] = curses_attrs(s->attrs | mono_extra[e]);
	}
}

int theme_attr(enum theme_element element)
{
	return element_attr[element];
}

bool theme_has_color(void)
{
	return has_color;
}
