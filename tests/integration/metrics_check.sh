#!/bin/bash
# record --metrics-file while the simulator publishes: the file passes
# `promtool check metrics` (skipped with a note when promtool is absent)
# and its counts equal what `export` lists and the journal holds. Then
# `thingtop check` gives 0/1/2/3 against counts taken from the export.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_broker "$PORT" "persistence false"
J=$WORK/journal.db
M=$WORK/textfile/thingtop.prom
mkdir -p "$WORK/textfile"
cat > "$WORK/thingtop.conf" <<CONF
metrics = { interval = "1s"; };
alerts = ( { name = "down \"long\""; filter = "status:disconnected"; for = "1h"; } );
CONF
"$TT" record -c "$WORK/thingtop.conf" --broker 127.0.0.1:$PORT -j "$J" --metrics-file "$M" \
	--stats-interval 1 2>"$WORK/record.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/record.log" "connected to" || exit 1
wait_for "$M" "thingtop_mqtt_connected{broker=\"127.0.0.1:$PORT\"} 1" 5 || fail "no metrics while running"
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 400 --events 8000 --seed 11 \
	--quirks all 2>"$WORK/sim.log" || { cat "$WORK/sim.log"; fail "simulate"; }
SENT=$(sed -n 's/.*: \([0-9]*\) messages.*/\1/p' "$WORK/sim.log")
mosquitto_pub -p "$PORT" -q 1 -t '$aws/events/presence/connected/bad-1' -m '{"clientId":"bad-1","timest' \
	|| fail "mosquitto_pub"
wait_for "$WORK/record.log" "received $((SENT + 1)) " 30 || exit 1
kill -INT $REC; wait $REC || fail "record exited $?"
ls "$WORK/textfile" | grep -v '^thingtop.prom$' && fail "temp files left beside the metrics file"

PROMTOOL=$(command -v promtool || true)
if [ -n "$PROMTOOL" ]; then
	"$PROMTOOL" check metrics < "$M" > "$WORK/promtool.txt" 2>&1 || { cat "$WORK/promtool.txt"; fail "promtool check metrics"; }
	echo "promtool check metrics: ok"
else
	echo "promtool not installed (Debian package prometheus): format check skipped"
fi

"$TT" export -j "$J" > "$WORK/export.csv" || fail "export"
python3 - "$M" "$WORK/export.csv" "$(sqlite3 "$J" 'SELECT count(*) FROM events')" \
	"$(sqlite3 "$J" 'SELECT count(*) FROM events WHERE type = 0')" <<'PY' || fail "metrics differ from export"
import collections, csv, re, sys
metrics = {}
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    name, value = line.rsplit(" ", 1)
    metrics[name] = float(value)
rows = list(csv.DictReader(open(sys.argv[2], newline="", encoding="utf-8")))
status = collections.Counter(r["status"] for r in rows)
for s in ("connected", "disconnected", "unknown"):
    got = metrics['thingtop_things{status="%s"}' % s]
    assert got == status[s], (s, got, status[s])
reasons = collections.Counter(r["last_reason"] for r in rows)
for reason, n in reasons.items():
    got = metrics['thingtop_things_by_last_reason{reason="%s"}' % reason]
    assert got == n, (reason, got, n)
assert metrics["thingtop_thing_disconnects"] == sum(int(r["disconnects"]) for r in rows)
events = sum(v for k, v in metrics.items() if k.startswith("thingtop_events_total"))
assert events == int(sys.argv[3]), (events, sys.argv[3])
rejects = sum(v for k, v in metrics.items() if k.startswith("thingtop_rejects_total"))
assert rejects == int(sys.argv[4]) == 1, (rejects, sys.argv[4])
assert metrics['thingtop_alerts_firing{rule="down \\"long\\""}'] == 0
assert metrics["thingtop_journal_bytes"] > 0
assert metrics["thingtop_last_event_timestamp_seconds"] > 1.7e9
print("metrics equal export: %d things, %d events" % (len(rows), events))
PY

# thingtop check: thresholds around the export's count of disconnected things.
DOWN=$(python3 -c 'import csv,sys; print(sum(r["status"] == "disconnected" for r in csv.DictReader(open(sys.argv[1]))))' "$WORK/export.csv")
[ "$DOWN" -ge 2 ] || fail "too few disconnected things ($DOWN) for the check test"
check() {
	"$TT" check -j "$J" --filter status:disconnected --warning "$1" --critical "$2" > "$WORK/check.txt"
	RC=$?
	[ "$RC" = "$3" ] || { cat "$WORK/check.txt"; fail "check -w $1 -c $2: exit $RC, want $3"; }
	grep -q "^THINGTOP $4 - $DOWN things match 'status:disconnected' | things=$DOWN;$1;$2;0\$" "$WORK/check.txt" \
		|| { cat "$WORK/check.txt"; fail "check line"; }
}
check "$DOWN" $((DOWN + 5)) 0 OK
check $((DOWN - 1)) $((DOWN + 5)) 1 WARNING
check 0 $((DOWN - 1)) 2 CRITICAL
"$TT" check -j "$WORK/missing.db" --filter status:disconnected -w 1 -C 2 > "$WORK/check.txt" 2>/dev/null
[ $? = 3 ] && grep -q "^THINGTOP UNKNOWN - " "$WORK/check.txt" || fail "missing journal: not UNKNOWN (3)"
echo "not a journal" > "$WORK/garbage.db"
"$TT" check -j "$WORK/garbage.db" -w 1 -C 2 > "$WORK/check.txt" 2>/dev/null
[ $? = 3 ] || fail "unreadable journal: not UNKNOWN (3)"
"$TT" check -j "$J" --filter 'stauts:x' -w 1 -C 2 > "$WORK/check.txt" 2>/dev/null
[ $? = 3 ] && grep -q "did you mean" "$WORK/check.txt" || fail "bad filter: not UNKNOWN (3)"
echo "ok: metrics pass promtool and equal export; check exits 0/1/2/3"
