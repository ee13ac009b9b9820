/* The `alerts` list of the config file: one group per rule,
 *   { name = "device-offline"; filter = "status:disconnected"; for = "5m";
 *     command = "curl ..."; group_wait = "10s"; group_interval = "1m";
 *     repeat_interval = "4h"; max_alerts = 100; timeout = "30s"; }
 * Filters are parsed here so a typo fails at startup, not at the first
 * event. */
#include "config.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "view.h"
#include "xalloc.h"

#define ALERT_RULES_MAX 64

static const char *const rule_keys[] = {
	"name", "filter", "for", "command", "group_wait", "group_interval",
	"repeat_interval", "max_alerts", "timeout",
};

void config_free_alerts(struct config *config)
{
	for (size_t i = 0; i < config->alert_count; i++) {
		free(config->alerts[i].name);
		free(config->alerts[i].filter);
		free(config->alerts[i].command);
	}
	free(config->alerts);
	config->alerts = NULL;
	config->alert_count = 0;
}

static bool read_duration(const config_setting_t *rule, const char *key, int64_t *out,
                          const char *file, int index, char **cause)
{
	const config_setting_t *s = config_setting_get_member(rule, key);
	if (!s)
		return true;
	int64_t ms;
	int type = config_setting_type(s);
	if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
		long long n = config_setting_get_int64(s);
		if (type == CONFIG_TYPE_INT)
			n = config_setting_get_int(s);
		if (n < 0 || n > INT64_MAX / 1000)
			goto bad;
		ms = n * 1000;
	} else if (type == CONFIG_TYPE_STRING) {
		if (!time_parse_duration(config_setting_get_string(s), &ms) || ms < 0)
			goto bad;
	} else {
		goto bad;
	}
	*out = ms;
	return true;
bad:
	set_cause(cause, "%s:%d: alerts rule %d: %s: expected a duration like \"30s\", \"5m\", \"4h\"",
	          file, config_setting_source_line(s), index, key);
	return false;
}

static bool read_string(const config_setting_t *rule, const char *key, char **out,
                        const char *file, int index, char **cause)
{
	const config_setting_t *s = config_setting_get_member(rule, key);
	if (!s)
		return true;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		set_cause(cause, "%s:%d: alerts rule %d: %s: expected a string in quotes", file,
		          config_setting_source_line(s), index, key);
		return false;
	}
	free(*out);
	*out = xstrdup(config_setting_get_string(s));
	return true;
}

static bool check_keys(const config_setting_t *rule, const char *file, int index, char **cause)
{
	int n = config_setting_length(rule);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(rule, (unsigned)i);
		const char *key = config_setting_name(s);
		bool known = false;
		for (size_t k = 0; k < sizeof rule_keys / sizeof rule_keys[0] && key; k++)
			known = known || strcmp(key, rule_keys[k]) == 0;
		if (!known) {
			set_cause(cause, "%s:%d: alerts rule %d: unknown setting %s (known: name, filter, for,"
			          " command, group_wait, group_interval, repeat_interval, max_alerts, timeout)",
			          file, config_setting_source_line(s), index, key ? key : "?");
			return false;
		}
	}
	return true;
}

static bool read_rule(const config_setting_t *rule, struct config_alert *out, const char *file,
                      int index, char **cause)
{
	int line = config_setting_source_line(rule);
	if (config_setting_type(rule) != CONFIG_TYPE_GROUP) {
		set_cause(cause, "%s:%d: alerts rule %d: expected a group { name = ...; filter = ...; }",
		          file, line, index);
		return false;
	}
	if (!check_keys(rule, file, index, cause) ||
	    !read_string(rule, "name", &out->name, file, index, cause) ||
	    !read_string(rule, "filter", &out->filter, file, index, cause) ||
	    !read_string(rule, "command", &out->command, file, index, cause) ||
	    !read_duration(rule, "for", &out->for_ms, file, index, cause) ||
	    !read_duration(rule, "group_wait", &out->group_wait_ms, file, index, cause) ||
	    !read_duration(rule, "group_interval", &out->group_interval_ms, file, index, cause) ||
	    !read_duration(rule, "repeat_interval", &out->repeat_interval_ms, file, index, cause) ||
	    !read_duration(rule, "timeout", &out->timeout_ms, file, index, cause))
		return false;
	const config_setting_t *max = config_setting_get_member(rule, "max_alerts");
	if (max) {
		if (config_setting_type(max) != CONFIG_TYPE_INT || config_setting_get_int(max) < 1) {
			set_cause(cause, "%s:%d: alerts rule %d: max_alerts: expected a positive integer",
			          file, config_setting_source_line(max), index);
			return false;
		}
		out->max_alerts = config_setting_get_int(max);
	}
	if (!out->name || !*out->name || !out->filter) {
		set_cause(cause, "%s:%d: alerts rule %d: needs a name and a filter", file, line, index);
		return false;
	}
	if (out->group_interval_ms < 1000 || out->timeout_ms < 100) {
		set_cause(cause, "%s:%d: alerts rule %s: group_interval must be at least 1s and timeout 0.1s",
		          file, line, out->name);
		return false;
	}
	char *why = NULL;
	struct filter *filter = filter_parse(out->filter, &why);
	if (!filter) {
		set_cause(cause, "%s:%d: alerts rule %s: filter: %s", file, line, out->name, why);
		free(why);
		return false;
	}
	filter_destroy(filter);
	return true;
}

bool config_read_alerts(struct config *config, const void *list_setting, const char *file,
                        char **cause)
{
	const config_setting_t *list = list_setting;
	int type = config_setting_type(list);
	if (type != CONFIG_TYPE_LIST) {
		set_cause(cause, "%s:%d: alerts: expected a list ( { name = ...; }, ... )", file,
		          config_setting_source_line(list));
		return false;
	}
	int count = config_setting_length(list);
	if (count > ALERT_RULES_MAX) {
		set_cause(cause, "%s:%d: alerts: at most %d rules, got %d", file,
		          config_setting_source_line(list), ALERT_RULES_MAX, count);
		return false;
	}
	config_free_alerts(config);
	config->alerts = xcalloc(count > 0 ? (size_t)count : 1, sizeof *config->alerts);
	for (int i = 0; i < count; i++) {
		struct config_alert *rule = &config->alerts[config->alert_count++];
		rule->for_ms = 5 * 60 * 1000;
		rule->group_wait_ms = 10 * 1000;
		rule->group_interval_ms = 60 * 1000;
		rule->repeat_interval_ms = 4 * 60 * 60 * 1000;
		rule->timeout_ms = 30 * 1000;
		rule->max_alerts = 100;
		if (!read_rule(config_setting_get_elem(list, (unsigned)i), rule, file, i + 1, cause))
			return false;
		for (int j = 0; j < i; j++) {
			if (strcmp(config->alerts[j].name, rule->name) == 0) {
				set_cause(cause, "%s:%d: alerts: two rules named %s", file,
				          config_setting_source_line(config_setting_get_elem(list, (unsigned)i)),
				          rule->name);
				return false;
			}
		}
	}
	return true;
}
