#!/bin/bash
# TLS with certificates made here by openssl: server authentication,
# client-certificate authentication (require_certificate true), a clear
# error for a wrong CA, and a private key readable by others refused.
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

run_record nocert "$P2" "tls: { ca_file = \"$WORK/ca.pem\"; };"
grep -q "connected to" nocert.log && fail "connected without the required client certificate"
grep -q "retrying in" nocert.log || { cat nocert.log; fail "no error without a client certificate"; }

run_record wrong "$P1" "tls: { ca_file = \"$WORK/wrongca.pem\"; };"
grep -q "connected to" wrong.log && fail "connected with a wrong CA"
grep -qi "certificate verify failed" wrong.log || { cat wrong.log; fail "wrong CA: unclear error"; }

cp client.key open.key; chmod 644 open.key
printf 'tls: { ca_file = "%s"; cert_file = "%s"; key_file = "%s"; };\n' "$WORK/ca.pem" "$WORK/client.pem" "$WORK/open.key" > open.conf
"$TT" record -c open.conf --broker 127.0.0.1:$P2 -j open.db 2>open.log && fail "record accepted an open key"
grep -q "chmod 600" open.log || { cat open.log; fail "open key: no chmod advice"; }
echo "ok: server auth, client certificate, wrong CA and open key"
