#!/bin/bash
# Alert rules end to end: record on a real mosquitto, events published as
# given (lifecycle_pub.py), the rule's command writing what it reads on
# stdin to a file per run, checked field by field (check_alerts.py).
#  - a thing that stays down fires once after `for`, resolves on reconnect;
#  - a thing back within `for`, and one that left on purpose, never fire;
#  - a restarted recorder knows the alert fires and does not send it again;
#  - `replay --alerts` lists it.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=$(free_port)
start_broker "$PORT" "persistence false"
J=$WORK/journal.db
OUT=$WORK/out; mkdir -p "$OUT"
cat > "$WORK/thingtop.conf" <<CONF
reconcile: { settle = "1s"; };
alerts = (
  { name = "offline"; filter = "status:disconnected !reason:CLIENT_INITIATED_DISCONNECT";
    for = "3s"; group_wait = "1s"; group_interval = "1s"; repeat_interval = "1h";
    command = "cat > $OUT/run-\$(date +%s%N).json"; }
);
CONF
pub() { python3 "$HERE/lifecycle_pub.py" "$PORT" || fail "publish"; }
runs() { ls "$OUT" | wc -l; }
start_record() {
	"$TT" record -c "$WORK/thingtop.conf" --broker 127.0.0.1:$PORT -j "$J" --stats-interval 1 \
		2>>"$WORK/record.log" &
	REC=$!; PIDS=$REC
	wait_for "$WORK/record.log" "connected to" || exit 1
}
start_record
pub <<PUB
connected dev-down s1 1
connected dev-quick s1 1
connected dev-bye s1 1
disconnected dev-down s1 1
disconnected dev-quick s1 1
disconnected dev-bye s1 1 CLIENT_INITIATED_DISCONNECT
PUB
sleep 1.6
echo "connected dev-quick s2 2" | pub
for _ in $(seq 100); do [ "$(runs)" -ge 1 ] && break; sleep 0.1; done
sleep 2.5  # nothing more may come
[ "$(runs)" = 1 ] || { ls -l "$OUT"; cat "$WORK/record.log"; fail "$(runs) command runs, want 1"; }
python3 "$HERE/check_alerts.py" "$OUT"/*.json > "$WORK/first.txt" || fail "bad alert JSON"
[ "$(grep -c '^firing' "$WORK/first.txt")" = 1 ] || { cat "$WORK/first.txt"; fail "want one firing alert"; }
grep -q '^firing dev-down offline$' "$WORK/first.txt" || fail "dev-down did not fire"
grep -q "dev-quick\|dev-bye" "$WORK/first.txt" && fail "a thing that came back or left on purpose fired"
python3 - "$OUT"/*.json <<'PY' || fail "labels"
import json, sys
a = json.load(open(sys.argv[1]))[0]
assert a["labels"] == {"alertname": "offline", "client_id": "dev-down", "status": "disconnected",
                       "reason": "CONNECTION_LOST"}, a["labels"]
assert "endsAt" not in a
PY

# Restart while it fires: known from the journal, not sent again.
kill -INT $REC; wait $REC || fail "record exited $?"
[ "$(sqlite3 "$J" 'SELECT count(*) FROM alerts WHERE resolved_ms IS NULL AND sent_ms IS NOT NULL')" = 1 ] \
	|| fail "the firing alert is not in the journal"
start_record
sleep 4
[ "$(runs)" = 1 ] || { cat "$WORK/record.log"; fail "sent again after a restart"; }

# Reconnects: resolved, sent with endsAt.
echo "connected dev-down s2 2" | pub
for _ in $(seq 100); do [ "$(runs)" -ge 2 ] && break; sleep 0.1; done
[ "$(runs)" = 2 ] || fail "no resolution sent"
python3 "$HERE/check_alerts.py" "$OUT"/*.json > "$WORK/all.txt" || fail "bad alert JSON"
grep -q '^resolved dev-down offline$' "$WORK/all.txt" || { cat "$WORK/all.txt"; fail "not resolved"; }
# Alertmanager knows an alert by its labels: the resolution carries the same.
python3 - "$OUT"/*.json <<'PY' || fail "resolution labels differ from the firing ones"
import json, sys
fired, resolved = (json.load(open(p))[0] for p in sorted(sys.argv[1:]))
assert "endsAt" in resolved and resolved["labels"] == fired["labels"], (fired, resolved)
assert resolved["startsAt"] == fired["startsAt"]
PY
kill -INT $REC; wait $REC || fail "record exited $?"

"$TT" replay "$J" --alerts > "$WORK/history.txt" || fail "replay --alerts"
grep -q "offline  dev-down  matching since .* sent 20.* resolved 20" "$WORK/history.txt" \
	|| { cat "$WORK/history.txt"; fail "replay --alerts does not show the alert"; }
echo "ok: fired once after for, not for quick or intended disconnects, survived a restart, resolved"
