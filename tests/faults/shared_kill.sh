#!/bin/bash
# kill -9 with several shared connections: record --connections 4 (client
# ids <id>-1..4, persistent sessions, $share/thingtop/<filter>) receives a
# simulated fleet at a steady rate (QoS 1, every quirk a broker carries),
# is killed mid-stream, restarts, resumes all four sessions and finishes.
# Every published message must be journaled at least once (a redelivery
# after the kill may add a duplicate): what was lost is counted, and must
# be 0; the exported fleet must equal the simulator's truth. The broker is
# the test suite's stub (tests/broker): Debian 12's mosquitto never hands
# $aws/... topics to $share subscribers.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
python3 "$(dirname "$0")/../broker/stub_broker.py" "$PORT" 2>"$WORK/stub.log" &
BROKER_PID=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done
J=$WORK/journal.db
RATE=${RATE:-200}

# start_record LOG: waits until all four connections are up.
start_record() {
	local before
	before=$(grep -c '^connect ' "$WORK/stub.log")
	"$TT" record --broker 127.0.0.1:$PORT -j "$J" --connections 4 --stats-interval 0 2>"$1" &
	REC=$!; PIDS="$REC ${SIM:-}"
	for _ in $(seq 200); do
		[ $(( $(grep -c '^connect ' "$WORK/stub.log") - before )) -ge 4 ] && return 0
		sleep 0.05
	done
	cat "$1" "$WORK/stub.log"; fail "record did not open four connections"
}

# The first start makes the four broker sessions before anything is published.
start_record "$WORK/rec.0.log"
sleep 0.5
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 300 --events $((RATE * 10)) --rate "$RATE" \
	--seed 41 --quirks all --ndjson "$WORK/sent.ndjson" --truth "$WORK/truth.csv" 2>"$WORK/sim.log" &
SIM=$!
sleep 4
kill -0 $SIM 2>/dev/null || fail "the simulator ended before the kill: no stream to kill into"
kill -KILL $REC
wait $REC; RC=$?
[ $RC = 137 ] || fail "kill -9: status $RC"
sleep 1                 # the broker queues for the four absent sessions meanwhile
start_record "$WORK/rec.1.log"
for k in 1 2 3 4; do
	tail -n 4 "$WORK/stub.log" | grep -q "^connect thingtop-.*-$k session_present=1" ||
		{ cat "$WORK/stub.log"; fail "connection $k did not resume its session"; }
done
wait $SIM || { cat "$WORK/sim.log"; fail "simulate"; }
SENT=$(sent_by "$WORK/sim.log")
[ "$(wc -l <"$WORK/sent.ndjson")" = "$SENT" ] || fail "the simulator's NDJSON does not hold what it sent"
DISTINCT=$(python3 -c '
import json, sys
print(len({json.dumps(json.loads(l)["payload"], sort_keys=True) for l in open(sys.argv[1])}))' "$WORK/sent.ndjson")
wait_events "$J" "$DISTINCT" 60 || fail "the journal never held the $DISTINCT distinct payloads published"
kill -TERM $REC; wait $REC || { cat "$WORK/rec.1.log"; fail "record exit status after the restart"; }

# What was lost: each published (topic, payload) must be in the journal at
# least as many times as it was published.
"$TT" journal dump -j "$J" >"$WORK/dump.ndjson" || fail "journal dump"
read -r LOST EXTRA < <(python3 - "$WORK/sent.ndjson" "$WORK/dump.ndjson" <<'PY'
import collections, json, sys
def keys(path):
    out = collections.Counter()
    for line in open(path, encoding="utf-8"):
        m = json.loads(line)
        out[(m["topic"], json.dumps(m["payload"], sort_keys=True))] += 1
    return out
sent, got = keys(sys.argv[1]), keys(sys.argv[2])
lost = sum(max(0, n - got[k]) for k, n in sent.items())
extra = sum(max(0, n - sent[k]) for k, n in got.items())
print(lost, extra)
PY
)
echo "published $SENT at $RATE/s over 4 shared connections, one kill -9: lost $LOST, redelivered $EXTRA"
[ "$LOST" = 0 ] || fail "$LOST published message(s) are not in the journal"
"$TT" journal info -j "$J" >"$WORK/info.txt" || fail "journal info"
grep -q "the recorder died: its last receive round" "$WORK/info.txt" || { cat "$WORK/info.txt"; fail "the kill is not listed as an unclean stop"; }
"$TT" export -j "$J" >"$WORK/export.csv" || fail "export"
compare_truth "$WORK/export.csv" "$WORK/truth.csv" || fail "statuses differ from the truth"
echo "ok: kill -9 with 4 shared connections: 0 of $SENT lost, the fleet equals the truth"
