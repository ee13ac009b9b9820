#!/bin/bash
# More than one connection: record --connections 4 subscribes with
# $share/thingtop/<filter> as <id>-1..4, and every event a simulated fleet
# publishes (all quirks, QoS 1) is journaled exactly once, spread over the
# four, with the final table equal to the truth. Then one connection held
# near broker.max_rate for over 10 s is reported. The broker is the test
# suite's stub (tests/broker): Debian 12's mosquitto never delivers $aws/...
# topics to $share subscribers.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
python3 "$(dirname "$0")/../broker/stub_broker.py" "$PORT" 2>"$WORK/stub.log" &
BROKER_PID=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done
J=$WORK/journal.db
"$TT" record --broker 127.0.0.1:$PORT -j "$J" --connections 4 --stats-interval 1 2>"$WORK/record.log" &
REC=$!; PIDS=$REC
for _ in $(seq 100); do [ "$(grep -c '^connect thingtop-' "$WORK/stub.log")" -ge 4 ] && break; sleep 0.05; done
sleep 0.5
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 300 --events 6000 --rate 3000 --seed 5 \
	--quirks all --truth "$WORK/truth.csv" 2>"$WORK/sim.log" || { cat "$WORK/sim.log"; fail "simulate"; }
SENT=$(sed -n 's/.*: \([0-9]*\) messages.*/\1/p' "$WORK/sim.log")
for _ in $(seq 200); do
	grep -q "received $SENT " "$WORK/record.log" && break
	sleep 0.1
done
kill -TERM $REC; wait $REC || fail "record exit status"
for k in 1 2 3 4; do
	grep -q "^connect thingtop-.*-$k session_present=0" "$WORK/stub.log" || { cat "$WORK/stub.log"; fail "connection $k missing"; }
done
ROWS=$(sqlite3 "$J" 'SELECT count(*) FROM events')
[ "$ROWS" = "$SENT" ] || { tail -3 "$WORK/record.log"; fail "journal has $ROWS rows, $SENT published"; }
"$TT" export -j "$J" > "$WORK/export.csv" || fail "export"
compare_truth "$WORK/export.csv" "$WORK/truth.csv" || fail "statuses differ from the truth"
echo "ok: 4 shared connections, $SENT of $SENT events journaled once, statuses equal the truth"

# One connection held above 80 % of a 50/s limit for over 10 s.
printf 'broker: { max_rate = 50; };\n' > "$WORK/rate.conf"
"$TT" record -c "$WORK/rate.conf" --broker 127.0.0.1:$PORT -j "$WORK/rate.db" --stats-interval 0 \
	2>"$WORK/rate.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/rate.log" "connected to" 10 || exit 1
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 50 --events 1400 --rate 100 --seed 6 \
	--quirks none 2>/dev/null || fail "simulate at 100/s"
kill -TERM $REC; wait $REC
grep -q "warning: connection 1 at [0-9]* msg/s, near the broker's limit of 50/s" "$WORK/rate.log" ||
	{ cat "$WORK/rate.log"; fail "no warning for a connection held near its rate limit"; }
grep -q "set broker.connections to [2-9]" "$WORK/rate.log" || fail "the warning suggests no connection count"
echo "ok: a connection near the rate limit for 10 s is reported with a suggested connection count"
