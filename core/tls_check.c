/* TLS file checks with OpenSSL's libcrypto, the same library libmosquitto
 * loads the files with, so what passes here loads there too. Every
 * function leaves OpenSSL's error queue empty: libmosquitto prints that
 * queue after a failed handshake, and stale entries would mislead. */
#include "tls_check.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "xalloc.h"

/* OpenSSL's reason for the last failure, then an empty queue. */
static const char *ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;
	ERR_clear_error();
	return reason ? reason : "unknown error";
}

static void format_date(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1 || strftime(buf, size, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, size, "an unreadable date");
}

/* "0123abcd.0": the names OpenSSL looks certificates up by in a folder
 * ("0123abcd.r0" are revocation lists, not certificates). */
static bool is_hashed_cert_name(const char *name)
{
	for (int i = 0; i < 8; i++)
		if (!isxdigit((unsigned char)name[i]))
			return false;
	if (name[8] != '.' || !isdigit((unsigned char)name[9]))
		return false;
	for (const char *p = name + 10; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static bool check_ca_file(const char *path, char **cause)
{
	BIO *bio = BIO_new_file(path, "r");
	if (!bio) {
		set_cause(cause, "tls.ca_file %s: %s", path, ssl_reason());
		return false;
	}
	/* The reader SSL_CTX_load_verify_locations uses: any damaged block
	 * fails the whole file. */
	STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!infos) {
		set_cause(cause, "tls.ca_file %s: not a PEM certificate file (%s)", path, ssl_reason());
		return false;
	}
	int certs = 0;
	for (int i = 0; i < sk_X509_INFO_num(infos); i++)
		if (sk_X509_INFO_value(infos, i)->x509)
			certs++;
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	ERR_clear_error();
	if (certs == 0) {
		set_cause(cause, "tls.ca_file %s holds no certificate", path);
		return false;
	}
	return true;
}

static bool check_ca_path(const char *path, char **cause)
{
	DIR *dir = opendir(path);
	if (!dir) {
		set_cause(cause, "tls.ca_path %s: %s", path, strerror(errno));
		return false;
	}
	int certs = 0;
	struct dirent *d;
	while ((d = readdir(dir)) != NULL)
		if (is_hashed_cert_name(d->d_name))
			certs++;
	closedir(dir);
	if (certs == 0) {
		set_cause(cause, "tls.ca_path %s holds no hashed certificate names; run: openssl rehash '%s'",
		          path, path);
		return false;
	}
	return true;
}

bool tls_check_ca(const char *ca_file, const char *ca_path, char **cause)
{
	if (ca_file && !check_ca_file(ca_file, cause))
		return false;
	if (ca_path && !check_ca_path(ca_path, cause))
		return false;
	return true;
}

/* The leaf certificate, read the way SSL_CTX_use_certificate_chain_file
 * reads it. NULL with *cause. */
static X509 *read_leaf(const char *cert_file, BIO **rest, char **cause)
{
	BIO *bio = BIO_new_file(cert_file, "r");
	if (!bio) {
		set_cause(cause, "tls.cert_file %s: %s", cert_file, ssl_reason());
		return NULL;
	}
	X509 *cert = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
	if (!cert) {
		set_cause(cause, "tls.cert_file %s: no PEM certificate in it (%s)", cert_file, ssl_reason());
		BIO_free(bio);
		return NULL;
	}
	if (rest)
		*rest = bio;
	else
		BIO_free(bio);
	return cert;
}

/* A passphrase callback that never prompts: it only notes that the key
 * wanted one. */
static int no_passphrase(char *buf, int size, int rwflag, void *asked)
{
	*(bool *)asked = true;
	return -1;
}

static EVP_PKEY *read_key(const char *key_file, char **cause)
{
	BIO *bio = BIO_new_file(key_file, "r");
	if (!bio) {
		set_cause(cause, "tls.key_file %s: %s", key_file, ssl_reason());
		return NULL;
	}
	bool asked = false;
	EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked);
	BIO_free(bio);
	if (!key && asked) {
		ERR_clear_error();
		set_cause(cause, "client key %s is protected by a passphrase, which thingtop cannot ask for; "
		          "write an unprotected copy: openssl pkey -in '%s' -out NEW.key", key_file, key_file);
	} else if (!key) {
		set_cause(cause, "tls.key_file %s: no PEM private key in it (%s)", key_file, ssl_reason());
	}
	return key;
}

bool tls_check_client(const char *cert_file, const char *key_file, time_t now, char **cause)
{
	bool ok = false;
	EVP_PKEY *key = NULL;
	X509 *cert = read_leaf(cert_file, NULL, cause);
	if (!cert)
		goto out;

	char date[32];
	const ASN1_TIME *not_after = X509_get0_notAfter(cert);
	const ASN1_TIME *not_before = X509_get0_notBefore(cert);
	if (X509_cmp_time(not_after, &now) < 0) {
		format_date(not_after, date, sizeof date);
		set_cause(cause, "client certificate %s expired on %s (notAfter)", cert_file, date);
		goto out;
	}
	if (X509_cmp_time(not_before, &now) > 0) {
		format_date(not_before, date, sizeof date);
		set_cause(cause, "client certificate %s is not valid before %s (notBefore); check the clock",
		          cert_file, date);
		goto out;
	}

	key = read_key(key_file, cause);
	if (!key)
		goto out;
	if (X509_check_private_key(cert, key) != 1) {
		set_cause(cause, "client key %s does not match certificate %s", key_file, cert_file);
		goto out;
	}
	ok = true;
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	ERR_clear_error();
	return ok;
}

bool tls_check_chain(const char *cert_file, const char *ca_file, const char *ca_path, char **warning)
{
	bool ok = false;
	BIO *rest = NULL;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *chain = NULL;
	X509 *cert = read_leaf(cert_file, &rest, warning);
	if (!cert)
		goto out;

	/* Intermediates after the leaf go out in the handshake too. */
	chain = sk_X509_new_null();
	X509 *extra;
	while (chain && (extra = PEM_read_bio_X509(rest, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(chain, extra))
			X509_free(extra);
	ERR_clear_error(); /* the end of the file */

	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!store || !ctx || !chain) {
		set_cause(warning, "client certificate %s: cannot check its chain (%s)", cert_file, ssl_reason());
		goto out;
	}
	if (ca_file || ca_path) {
		if ((ca_file && X509_STORE_load_file(store, ca_file) != 1) ||
		    (ca_path && X509_STORE_load_path(store, ca_path) != 1)) {
			set_cause(warning, "client certificate %s: cannot load the CA to check its chain (%s)",
			          cert_file, ssl_reason());
			goto out;
		}
	} else {
		X509_STORE_set_default_paths(store);
	}
	if (X509_STORE_CTX_init(ctx, store, cert, chain) != 1) {
		set_cause(warning, "client certificate %s: cannot check its chain (%s)", cert_file, ssl_reason());
		goto out;
	}
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	if (X509_verify_cert(ctx) != 1) {
		set_cause(warning, "client certificate %s does not chain to %s%s (%s): the broker accepts it "
		          "only if it trusts another CA for clients", cert_file,
		          ca_file ? "tls.ca_file " : ca_path ? "tls.ca_path " : "the system CA store",
		          ca_file ? ca_file : ca_path ? ca_path : "",
		          X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	ok = true;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(chain, X509_free);
	X509_free(cert);
	BIO_free(rest);
	ERR_clear_error();
	return ok;
}
