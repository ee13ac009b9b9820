#!/bin/bash
# TLS with certificates made here by openssl: server authentication,
# client-certificate authentication (require_certificate true), a clear
# error for a wrong CA, and the pre-flight checks that make `record` fail
# at once with one line naming the file: a private key readable by others,
# an expired or not yet valid client certificate, a key that does not match
# its certificate, a key with a passphrase, a CA file without a certificate.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "openssl not installed: skip"; exit 77; }
cd "$WORK" || exit 1
mkcert() { # name subject issuer-prefix extfile
	openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 2 \
		${4:+-extfile "$4"} -out "$1.pem" 2>/dev/null
}
for ca in ca wrongca; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout $ca.key -subj "/CN=thingtop test $ca" \
		-days 2 -out $ca.pem 2>/dev/null || fail "openssl CA"
done
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > server.ext
mkcert server "/CN=localhost" ca server.ext
mkcert client "/CN=thingtop-client" ca
chmod 600 ./*.key
[ -s server.pem ] && [ -s client.pem ] || fail "openssl certificates"

P1=$(free_port); P2=$(free_port)
start_broker "$P1" "persistence false" \
	"cafile $WORK/ca.pem" "certfile $WORK/server.pem" "keyfile $WORK/server.key" \
	"listener $P2 127.0.0.1" "cafile $WORK/ca.pem" "certfile $WORK/server.pem" \
	"keyfile $WORK/server.key" "require_certificate true"

# run_record NAME PORT CONFIG: record for up to 4 s, stderr in NAME.log
run_record() {
	printf '%s\n' "$3" > "$1.conf"
	timeout -s INT 4 "$TT" record -c "$1.conf" --broker 127.0.0.1:$2 -j "$1.db" \
		--stats-interval 0 2>"$1.log" &
	local pid=$!
	wait_for "$1.log" "connected to\|retrying in\|record: tls" 4 >/dev/null
	kill -INT $pid 2>/dev/null; wait $pid
}

run_record server "$P1" "tls: { ca_file = \"$WORK/ca.pem\"; };"
grep -q "connected to 127.0.0.1:$P1" server.log || { cat server.log; fail "server-auth TLS did not connect"; }

run_record client "$P2" "tls: { ca_file = \"$WORK/ca.pem\"; cert_file = \"$WORK/client.pem\"; key_file = \"$WORK/client.key\"; };"
grep -q "connected to 127.0.0.1:$P2" client.log || { cat client.log; fail "client-certificate TLS did not connect"; }

# The same with mosquitto_sub's flags instead of a config file, and no
# warning for a client certificate that connects.
timeout -s INT 4 "$TT" record --cafile "$WORK/ca.pem" --cert "$WORK/client.pem" --key "$WORK/client.key" \
	--broker 127.0.0.1:$P2 -j flags.db --stats-interval 0 2>flags.log &
pid=$!
wait_for flags.log "connected to\|retrying in" 4 >/dev/null
kill -INT $pid 2>/dev/null; wait $pid
grep -q "connected to 127.0.0.1:$P2" flags.log || { cat flags.log; fail "--cafile/--cert/--key did not connect"; }
grep -qi "warning" client.log flags.log && { cat client.log flags.log; fail "a warning for a working client certificate"; }

run_record nocert "$P2" "tls: { ca_file = \"$WORK/ca.pem\"; };"
grep -q "connected to" nocert.log && fail "connected without the required client certificate"
grep -q "retrying in" nocert.log || { cat nocert.log; fail "no error without a client certificate"; }

run_record wrong "$P1" "tls: { ca_file = \"$WORK/wrongca.pem\"; };"
grep -q "connected to" wrong.log && fail "connected with a wrong CA"
grep -qi "certificate verify failed" wrong.log || { cat wrong.log; fail "wrong CA: unclear error"; }

# expect_refused NAME CA CERT KEY PATTERN: record exits 1 at once (before
# any connect) with one line on stderr matching PATTERN.
expect_refused() {
	printf 'tls: { ca_file = "%s"; cert_file = "%s"; key_file = "%s"; };\n' "$2" "$3" "$4" > "$1.conf"
	timeout 10 "$TT" record -c "$1.conf" --broker 127.0.0.1:$P2 -j "$1.db" </dev/null 2>"$1.log"
	local rc=$?
	[ $rc -eq 1 ] || { cat "$1.log"; fail "$1: exit $rc, want 1"; }
	grep -q -- "$5" "$1.log" || { cat "$1.log"; fail "$1: want '$5'"; }
	[ "$(grep -c . "$1.log")" -eq 1 ] || { cat "$1.log"; fail "$1: want one line"; }
	grep -q "connect" "$1.log" && { cat "$1.log"; fail "$1: tried to connect"; }
	return 0
}

cp client.key open.key; chmod 644 open.key
expect_refused open "$WORK/ca.pem" "$WORK/client.pem" "$WORK/open.key" "open.key is readable by others.*chmod 600"

# Signed by our CA, valid 2025-01-01 to 2026-01-02 (openssl ca sets past dates).
mkdir -p cadb; : > cadb/index.txt; echo 01 > cadb/serial
printf '%s\n' '[ca]' 'default_ca = test' '[test]' 'database = cadb/index.txt' \
	'new_certs_dir = cadb' 'serial = cadb/serial' 'default_md = sha256' 'policy = any' \
	'unique_subject = no' '[any]' 'commonName = supplied' > ca.cnf
signed_between() { # name start end
	openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -subj "/CN=thingtop-$1" -out "$1.csr" 2>/dev/null
	openssl ca -batch -notext -config ca.cnf -cert ca.pem -keyfile ca.key -in "$1.csr" \
		-startdate "$2" -enddate "$3" -out "$1.pem" 2>/dev/null || fail "openssl ca $1"
	chmod 600 "$1.key"
}
signed_between expired 20250101000000Z 20260102000000Z
signed_between future 20990101000000Z 21000101000000Z
expect_refused expired "$WORK/ca.pem" "$WORK/expired.pem" "$WORK/expired.key" \
	"client certificate $WORK/expired.pem expired on 2026-01-02 (notAfter)"
expect_refused future "$WORK/ca.pem" "$WORK/future.pem" "$WORK/future.key" \
	"client certificate $WORK/future.pem is not valid before 2099-01-01 (notBefore)"

# The server's key with the client's certificate.
cp server.key other.key; chmod 600 other.key
expect_refused mismatch "$WORK/ca.pem" "$WORK/client.pem" "$WORK/other.key" \
	"client key $WORK/other.key does not match certificate $WORK/client.pem"

# A passphrase would make OpenSSL prompt on the terminal; we refuse instead
# (stdin is /dev/null and the run has a timeout, so a prompt fails here).
openssl pkey -in client.key -aes256 -passout pass:secret -out locked.key 2>/dev/null || fail "openssl pkey"
chmod 600 locked.key
expect_refused locked "$WORK/ca.pem" "$WORK/client.pem" "$WORK/locked.key" \
	"client key $WORK/locked.key is protected by a passphrase"

# A CA file that holds only a key, and one that is not PEM at all.
expect_refused noca "$WORK/client.key" "$WORK/client.pem" "$WORK/client.key" \
	"tls.ca_file $WORK/client.key holds no certificate"
head -c 300 /dev/urandom > junk.pem
expect_refused junkca "$WORK/junk.pem" "$WORK/client.pem" "$WORK/client.key" "tls.ca_file $WORK/junk.pem"

# A CA folder without the hashed names OpenSSL looks certificates up by.
mkdir cadir; cp ca.pem cadir/
printf 'tls: { ca_path = "%s"; };\n' "$WORK/cadir" > cadir.conf
"$TT" record -c cadir.conf --broker 127.0.0.1:$P1 -j cadir.db </dev/null 2>cadir.log && fail "record accepted an unhashed CA folder"
grep -q "openssl rehash '$WORK/cadir'" cadir.log || { cat cadir.log; fail "CA folder: no rehash advice"; }
# Hashed, the same folder works.
openssl rehash cadir 2>/dev/null || ln -s ca.pem "cadir/$(openssl x509 -in ca.pem -noout -hash).0"
run_record hashed "$P1" "tls: { ca_path = \"$WORK/cadir\"; };"
grep -q "connected to 127.0.0.1:$P1" hashed.log || { cat hashed.log; fail "hashed CA folder did not connect"; }

# A client certificate from another CA: the broker refuses it, and the
# reason names our certificate and the CA it does not chain to.
mkcert stranger "/CN=thingtop-stranger" wrongca
chmod 600 stranger.key
run_record stranger "$P2" "tls: { ca_file = \"$WORK/ca.pem\"; cert_file = \"$WORK/stranger.pem\"; key_file = \"$WORK/stranger.key\"; };"
grep -q "connected to" stranger.log && fail "connected with a client certificate from an unknown CA"
grep -q "client certificate $WORK/stranger.pem does not chain to tls.ca_file $WORK/ca.pem" stranger.log ||
	{ cat stranger.log; fail "foreign client certificate: no hint"; }

echo "ok: server auth, client certificate, wrong CA, CA folder, foreign client certificate; refused: open key, expired, not yet valid, mismatched key, passphrase key, CA file without a certificate"
