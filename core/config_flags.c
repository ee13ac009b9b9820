/* What the command line lays over the config file: --broker, --aws-endpoint,
 * the TLS files, -V and --qos, read the way mosquitto_sub reads them; and
 * the client id made for a journal that has none. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "timefmt.h"
#include "xalloc.h"

static void replace(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

bool config_apply_flags(struct config *config, const struct config_flags *f, char **cause)
{
	if (f->aws_endpoint) {
		replace(&config->aws_endpoint, f->aws_endpoint);
		replace(&config->broker.host, f->aws_endpoint);
		config->broker.port = 443;
		if (!f->alpn)
			replace(&config->tls.alpn, CONFIG_AWS_ALPN);
		if (!f->cafile && !f->capath)
			replace(&config->tls.ca_file, CONFIG_AWS_ROOT_CA);
		config->tls.enabled = true;
	}
	if (f->broker && !config_apply_broker_arg(config, f->broker, cause))
		return false;
	/* HOST:PORT or [V6]:PORT (a bare IPv6 address has several colons). */
	const char *close = f->broker ? strrchr(f->broker, ']') : NULL;
	const char *colon = f->broker ? strchr(f->broker, ':') : NULL;
	bool port_given = close ? close[1] == ':' : colon && colon == strrchr(f->broker, ':');
	const char *const tls_values[] = { f->cafile, f->capath, f->cert, f->key, f->alpn };
	char **const tls_fields[] = { &config->tls.ca_file, &config->tls.ca_path,
	                              &config->tls.cert_file, &config->tls.key_file, &config->tls.alpn };
	bool tls = false;
	for (size_t i = 0; i < sizeof tls_values / sizeof tls_values[0]; i++) {
		if (tls_values[i]) {
			replace(tls_fields[i], tls_values[i]);
			tls = true;
		}
	}
	if (tls) {
		config->tls.enabled = true;
		/* A plain-MQTT port with TLS asked for on the command line. */
		if (!port_given && !f->aws_endpoint && config->broker.port == 1883)
			config->broker.port = 8883;
	}
	if (f->protocol) {
		const char *v = f->protocol;
		if (!strcmp(v, "5") || !strcmp(v, "mqttv5"))
			config->broker.protocol = CONFIG_MQTT_5;
		else if (!strcmp(v, "311") || !strcmp(v, "mqttv311") || !strcmp(v, "3.1.1"))
			config->broker.protocol = CONFIG_MQTT_311;
		else {
			set_cause(cause, "-V %s: expected 311 (or mqttv311, 3.1.1) or 5 (mqttv5)", v);
			return false;
		}
	}
	if (f->qos >= 0) {
		if (f->qos > 2) {
			set_cause(cause, "--qos %d: expected 0, 1 or 2", f->qos);
			return false;
		}
		config->broker.qos = f->qos;
	}
	return true;
}

bool config_apply_broker_arg(struct config *config, const char *arg, char **cause)
{
	char *host;
	const char *port_text = NULL;

	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');
		if (!close || close == arg + 1 || (close[1] && close[1] != ':')) {
			set_cause(cause, "--broker %s: expected [IPV6]:PORT", arg);
			return false;
		}
		host = xstrndup(arg + 1, (size_t)(close - arg - 1));
		if (close[1] == ':')
			port_text = close + 2;
	} else {
		const char *colon = strchr(arg, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 address */
		host = colon ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);
		if (colon)
			port_text = colon + 1;
	}
	if (!*host) {
		set_cause(cause, "--broker %s: no host name", arg);
		free(host);
		return false;
	}
	if (port_text) {
		char *end;
		errno = 0;
		long port = strtol(port_text, &end, 10);
		if (errno || end == port_text || *end || port < 1 || port > 65535) {
			set_cause(cause, "--broker %s: the port must be a number from 1 to 65535", arg);
			free(host);
			return false;
		}
		config->broker.port = (int)port;
	}
	free(config->broker.host);
	config->broker.host = host;
	return true;
}

char *config_make_client_id(void)
{
	char host[64] = "";
	char clean[17];
	size_t n = 0;

	if (gethostname(host, sizeof host - 1) != 0)
		strcpy(host, "host");
	for (size_t i = 0; host[i] && n < sizeof clean - 1; i++) {
		char c = host[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')
			clean[n++] = c;
	}
	clean[n] = '\0';
	uint32_t rnd = 0;
	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		rnd = (uint32_t)time_mono_ms() ^ ((uint32_t)getpid() << 16);
	return xasprintf("thingtop-%s-%06x", n ? clean : "host", rnd & 0xffffff);
}
