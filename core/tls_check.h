/* Pre-flight checks of the TLS files with OpenSSL, run before the first
 * connect. libmosquitto only opens the files in mosquitto_tls_set() and
 * loads them at connect time, where a key that does not fit its
 * certificate is logged and retried forever, an expired client
 * certificate shows only as the broker's handshake alert, and a key with
 * a passphrase makes OpenSSL prompt on the terminal. These checks turn
 * each of those into one line that names the file. */
#ifndef THINGTOP_TLS_CHECK_H
#define THINGTOP_TLS_CHECK_H

#include <stdbool.h>
#include <time.h>

/* The CA file holds at least one certificate and parses as PEM the way
 * OpenSSL loads it; the CA folder holds at least one hashed certificate
 * name ("openssl rehash"). Either may be NULL. */
bool tls_check_ca(const char *ca_file, const char *ca_path, char **cause);

/* The client certificate (first PEM certificate of `cert_file`) is valid
 * at `now` (not expired, not before its start), and the key in
 * `key_file` is an unencrypted PEM private key that matches it. */
bool tls_check_client(const char *cert_file, const char *key_file, time_t now, char **cause);

/* Whether the client certificate chains to the CA given (ca_file, ca_path,
 * or the system store when both are NULL), with any intermediates from
 * `cert_file`. A failure is only a warning, set in *warning: the broker
 * may trust another CA for clients than the one that signed its own
 * certificate. Time is not checked here (tls_check_client does). */
bool tls_check_chain(const char *cert_file, const char *ca_file, const char *ca_path, char **warning);

#endif
