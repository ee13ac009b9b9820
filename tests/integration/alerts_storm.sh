#!/bin/bash
# A storm: 2,000 things disconnect at once. The rule's command runs a
# bounded number of times (not once per thing), every firing thing is in
# exactly one notification, and a summary alert counts them by reason.
# Then a failing command: retried with back-off and logged, while the
# simulator's events keep being journaled, every one of them.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=$(free_port)
start_broker "$PORT" "persistence false"
J=$WORK/journal.db
OUT=$WORK/out; mkdir -p "$OUT"
cat > "$WORK/thingtop.conf" <<CONF
reconcile: { settle = "1s"; };
alerts = (
  { name = "offline"; filter = "status:disconnected"; for = "2s"; group_wait = "1s";
    group_interval = "2s"; max_alerts = 100; command = "cat > $OUT/run-\$(date +%s%N).json"; }
);
CONF
"$TT" record -c "$WORK/thingtop.conf" --broker 127.0.0.1:$PORT -j "$J" --stats-interval 1 \
	2>"$WORK/record.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/record.log" "connected to" || exit 1

N=2000
python3 - "$N" > "$WORK/events.txt" <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n): print("connected storm-%04d s1 1" % i)
for i in range(n): print("disconnected storm-%04d s1 1 %s" % (i, "CONNECTION_LOST" if i % 4 else "MQTT_KEEP_ALIVE_TIMEOUT"))
PY
python3 "$HERE/lifecycle_pub.py" "$PORT" < "$WORK/events.txt" || fail "publish"
wait_for "$WORK/record.log" "received $((2 * N)) " 30 || exit 1
for _ in $(seq 150); do
	[ "$(sqlite3 "$J" 'SELECT count(*) FROM alerts WHERE sent_ms IS NOT NULL')" = "$N" ] && break
	sleep 0.1
done
sleep 3  # any further run would come within group_interval
kill -INT $REC; wait $REC || fail "record exited $?"
RUNS=$(ls "$OUT" | wc -l)
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 3 ] || { cat "$WORK/record.log"; fail "$RUNS command runs for one storm"; }
python3 "$HERE/check_alerts.py" "$OUT"/*.json > "$WORK/alerts.txt" || fail "bad alert JSON"
FIRING=$(grep -c '^firing' "$WORK/alerts.txt")
UNIQUE=$(grep '^firing' "$WORK/alerts.txt" | sort -u | wc -l)
[ "$FIRING" = "$N" ] && [ "$UNIQUE" = "$N" ] || fail "$FIRING firing alerts ($UNIQUE distinct), want $N once each"
# Each run with more than max_alerts firing ends with a summary whose
# counts add up to that run's firing alerts.
awk '/^storm/ { if ($3 != $4 || $3 <= 100) bad = 1; n++ } END { exit bad || n < 1 }' "$WORK/alerts.txt" \
	|| { grep storm "$WORK/alerts.txt"; fail "storm summary missing or wrong"; }
grep -q "count_MQTT_KEEP_ALIVE_TIMEOUT" "$OUT"/*.json || fail "no count by reason"
echo "ok: $N disconnects, $RUNS command runs, every thing once, with a storm summary"

# A failing command: retried with back-off, logged, ingest goes on.
rm -f "$OUT"/*
cat > "$WORK/failing.conf" <<CONF
reconcile: { settle = "1s"; };
alerts = (
  { name = "offline"; filter = "status:disconnected"; for = "1s"; group_wait = "1s";
    group_interval = "1s"; command = "cat > /dev/null; echo 'upstream said no' >&2; exit 3"; }
);
CONF
J2=$WORK/journal2.db
"$TT" record -c "$WORK/failing.conf" --broker 127.0.0.1:$PORT -j "$J2" --stats-interval 1 \
	2>"$WORK/record2.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/record2.log" "connected to" || exit 1
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 500 --events 30000 --seed 3 \
	--quirks none 2>"$WORK/sim.log" || { cat "$WORK/sim.log"; fail "simulate"; }
SENT=$(sed -n 's/.*: \([0-9]*\) messages.*/\1/p' "$WORK/sim.log")
wait_for "$WORK/record2.log" "retrying in 2 s" 20 || fail "no second attempt"
wait_for "$WORK/record2.log" "received $SENT " 30 || fail "ingest did not keep up"
kill -INT $REC; wait $REC || fail "record exited $?"
grep -q "command failed (attempt 1, retrying in 1 s): exit status 3: upstream said no" "$WORK/record2.log" \
	|| { grep alert "$WORK/record2.log"; fail "failure not logged with its output"; }
ROWS=$(sqlite3 "$J2" 'SELECT count(*) FROM events')
[ "$ROWS" = "$SENT" ] || fail "journal has $ROWS rows, $SENT published"
echo "ok: failing command retried and logged; all $SENT events journaled meanwhile"
