# Shared helpers for the integration scripts: a private mosquitto on a free
# loopback port, started and stopped by the test.
set -u
TT=$1
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || { echo "mosquitto not installed: skip"; exit 77; }
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
WORK=$(mktemp -d /tmp/thingtop-it.XXXXXX)
BROKER_PID=
PIDS=
cleanup() {
	for p in $PIDS $BROKER_PID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_broker PORT [extra config lines...]
start_broker() {
	local port=$1; shift
	{
		echo "listener $port 127.0.0.1"
		echo "allow_anonymous true"
		echo "user $(id -un)"
		echo "max_queued_messages 0"
		echo "max_inflight_messages 0"
		for line in "$@"; do echo "$line"; done
	} > "$WORK/mosquitto.conf"
	"$MOSQUITTO" -c "$WORK/mosquitto.conf" >>"$WORK/mosquitto.log" 2>&1 &
	BROKER_PID=$!
	for _ in $(seq 100); do
		if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	echo "broker did not start"; cat "$WORK/mosquitto.log"; exit 1
}

stop_broker() {
	kill "$BROKER_PID" 2>/dev/null
	wait "$BROKER_PID" 2>/dev/null
	BROKER_PID=
}

# wait_for FILE PATTERN [SECONDS]
wait_for() {
	for _ in $(seq $(( ${3:-10} * 20 ))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "timed out waiting for '$2' in $1:"; cat "$1"; return 1
}

fail() { echo "FAIL: $*"; exit 1; }

# compare_truth EXPORT_CSV TRUTH_CSV: every client's status agrees
compare_truth() {
	python3 - "$1" "$2" <<'PY'
import csv, sys
exp = {r["client_id"]: r["status"] for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))}
tru = {r["client_id"]: r["status"] for r in csv.DictReader(open(sys.argv[2], newline="", encoding="utf-8"))}
bad = [(k, tru.get(k), exp.get(k)) for k in sorted(set(exp) | set(tru)) if tru.get(k) != exp.get(k)]
print(f"{len(tru)} things in truth, {len(exp)} exported, {len(bad)} differ")
for b in bad[:10]: print("  client %r: truth %s, export %s" % b)
sys.exit(1 if bad or not tru else 0)
PY
}
