#!/bin/bash
# The periodic re-sync (aws.sync_interval) of record, against a real
# mosquitto and a fake `aws` on PATH (recorded pages with nextToken; what
# it does is read from a file each time, so a case can change it while
# record runs):
# - every 2 s the fleet index is journaled again as baselines, in between
#   the lifecycle events, and every event published is journaled once;
# - an aws that fails, then is missing, is reported in record's log and
#   retried at the next interval, and no event is lost meanwhile;
# - an aws still running at the next interval is not started twice, and
#   is killed and reaped when record stops.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing: skip"; exit 77; }
PORT=$(free_port)
start_broker "$PORT"
BIN=$WORK/bin
mkdir -p "$BIN" "$WORK/pages"
cat >"$BIN/aws" <<'FAKE'
#!/bin/bash
echo "$$ $*" >>"$FAKE_AWS_LOG"
[[ "$1 $2 $3 $4 $5 $6 $7 $8" == "iot search-index --index-name AWS_Things --query-string thingName:* --output json" ]] ||
  { echo "fake aws: unexpected arguments: $*" >&2; exit 252; }
case $(cat "$FAKE_AWS_MODE") in
fail) echo "An error occurred (AccessDeniedException) when calling the SearchIndex operation" >&2; exit 254 ;;
slow) echo $$ >"$FAKE_AWS_MODE.pid"; sleep 30 ;;
garbage) echo "<html>throttled</html>"; exit 0 ;;
loop) echo '{"things": [{"thingName": "looping"}], "nextToken": "token-2"}'; exit 0 ;;
esac
page=1 args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [[ ${args[i]} == --next-token ]] && page=${args[i + 1]#token-}
done
cat "$FAKE_AWS_PAGES/page-$page.json"
FAKE
chmod +x "$BIN/aws"
export FAKE_AWS_LOG=$WORK/aws.log FAKE_AWS_MODE=$WORK/aws.mode FAKE_AWS_PAGES=$WORK/pages
# Three things over two pages; "spare" never connected.
printf '{"things": [{"thingName": "synced-a", "thingTypeName": "sensor", "connectivity": {"connected": true, "timestamp": 1767225600000}},\n {"thingName": "synced-b", "connectivity": {"connected": false, "timestamp": 1767225600000, "disconnectReason": "CONNECTION_LOST"}}],\n "nextToken": "token-2"}\n' >"$WORK/pages/page-1.json"
printf '{"things": [{"thingName": "spare", "connectivity": {"connected": false}}]}\n' >"$WORK/pages/page-2.json"
printf 'aws: { sync_interval = "2s"; };\n' >"$WORK/sync.conf"

wait_exit() { # PID SECONDS: its status, or 124 when still running
	for _ in $(seq $(( $2 * 20 ))); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; return $?; }
		sleep 0.05
	done
	return 124
}
sent_by() { sed -n 's/.*: \([0-9]*\) messages.*/\1/p' "$1"; }

# rows JOURNAL: "BASELINES EVENTS" from a dump of the journal.
rows() {
	"$TT" journal dump -j "$1" | python3 -c '
import json, sys
b = e = 0
for line in sys.stdin:
    m = json.loads(line)
    if m["topic"] is None and "thingName" in m["payload"]: b += 1
    elif m["topic"]: e += 1
print(b, e)'
}

# record_with MODE LOG JOURNAL [PATH]: starts record with the fake aws doing MODE.
record_with() {
	echo "$1" >"$FAKE_AWS_MODE"
	PATH=${4:-$BIN:$PATH} "$TT" record -c "$WORK/sync.conf" --broker 127.0.0.1:$PORT -j "$3" \
		--stats-interval 0 2>"$2" &
	REC=$!; PIDS=$REC
	wait_for "$2" "connected to" 10 || fail "record did not connect"
}

# publish SEED: a fleet for ~6 s at QoS 1; prints how many messages.
publish() {
	"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 60 --events 1200 --rate 200 --seed "$1" \
		--quirks none --truth "$WORK/truth.$1.csv" 2>"$WORK/sim.$1.log" || fail "simulate"
	sent_by "$WORK/sim.$1.log"
}

# ---- every 2 s, in between the events ----
: >"$FAKE_AWS_LOG"
J=$WORK/ok.db
record_with ok "$WORK/ok.log" "$J"
SENT=$(publish 11)
sleep 1
kill -TERM $REC; wait $REC || { cat "$WORK/ok.log"; fail "record exit status"; }
RUNS=$(grep -c "re-synced 3 things from AWS" "$WORK/ok.log")
read -r B E < <(rows "$J")
echo "record for ~7 s with aws.sync_interval = 2s: $RUNS re-syncs, $B baseline rows, $E of $SENT events"
[ "$RUNS" -ge 3 ] || { cat "$WORK/ok.log"; fail "$RUNS re-syncs in ~7 s at a 2 s interval, want 3 or more"; }
[ "$B" -ge $((RUNS * 3)) ] && [ "$B" -le $((RUNS * 3 + 3)) ] || fail "$B baseline rows for $RUNS complete runs of 3 things"
[ "$E" = "$SENT" ] || fail "$E events journaled, $SENT published"
grep -q -- "--next-token token-2" "$FAKE_AWS_LOG" || fail "the second page was never asked for"
# In order with the events: baselines journaled between event rows.
"$TT" journal dump -j "$J" | python3 -c '
import json, sys
kinds = ["b" if json.loads(l)["topic"] is None else "e" for l in sys.stdin]
s = "".join(kinds)
inside = s.strip("b").count("b")
print(f"{inside} baseline rows between the first and the last event")
sys.exit(0 if inside >= 3 else 1)' || fail "the re-syncs were not journaled in between the events"
"$TT" export -j "$J" --filter 'client_id~^(synced-|spare)' --columns client_id,status,thing_type \
	>"$WORK/synced.csv" || fail "export"
grep -q '^synced-a,connected,sensor$' "$WORK/synced.csv" || { cat "$WORK/synced.csv"; fail "synced-a is not connected with its thing type"; }
grep -q '^synced-b,disconnected,' "$WORK/synced.csv" || { cat "$WORK/synced.csv"; fail "synced-b is not disconnected"; }
"$TT" export -j "$J" >"$WORK/ok.csv" || fail "export"
grep -v -e '^synced-' -e '^spare' -e ',synced-' -e ',spare,' "$WORK/ok.csv" >"$WORK/ok-fleet.csv"
compare_truth "$WORK/ok-fleet.csv" "$WORK/truth.11.csv" || fail "the simulated fleet differs from the truth"
"$TT" journal check -j "$J" >"$WORK/check.out" 2>&1 || { cat "$WORK/check.out"; fail "journal check"; }
echo "ok: re-synced every 2 s in between the events, nothing lost"

# ---- a failing aws, then a missing one: reported, retried, nothing lost ----
J=$WORK/fail.db
record_with fail "$WORK/fail.log" "$J"
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 60 --events 1200 --rate 200 --seed 12 \
	--quirks none 2>"$WORK/sim.12.log" &
SIM=$!; PIDS="$REC $SIM"
wait_for "$WORK/fail.log" "re-sync from AWS failed: aws iot search-index failed (exit status 254): An error occurred (AccessDeniedException)" 5 ||
	fail "the failing aws is not reported"
grep -q "next try in 2s" "$WORK/fail.log" || fail "the report does not say when it is tried again"
echo ok >"$FAKE_AWS_MODE"
wait_for "$WORK/fail.log" "re-synced 3 things from AWS" 5 || fail "not retried at the next interval"
wait $SIM || fail "simulate"
SENT=$(sent_by "$WORK/sim.12.log")
kill -0 $REC 2>/dev/null || fail "record stopped"
kill -TERM $REC; wait $REC || { cat "$WORK/fail.log"; fail "record exit status with a failing aws"; }
read -r B E < <(rows "$J")
[ "$E" = "$SENT" ] || fail "with a failing aws: $E events journaled, $SENT published"
echo "ok: a failing aws is reported and retried; $E of $SENT events journaled"

J=$WORK/missing.db
mkdir -p "$WORK/nobin"
record_with ok "$WORK/missing.log" "$J" "$WORK/nobin"
wait_for "$WORK/missing.log" "the AWS CLI (aws) is not installed or not on PATH" 5 || fail "a missing aws is not reported"
SENT=$(publish 13)
kill -0 $REC 2>/dev/null || fail "record stopped without aws"
kill -TERM $REC; wait $REC || fail "record exit status without aws"
read -r B E < <(rows "$J")
[ "$E" = "$SENT" ] && [ "$B" = 0 ] || fail "without aws: $E of $SENT events, $B baselines"
echo "ok: a missing aws is reported, recording goes on: $E of $SENT events"

# ---- pages that are no search-index output, and a nextToken loop ----
J=$WORK/bad.db
record_with garbage "$WORK/bad.log" "$J"
wait_for "$WORK/bad.log" "re-sync from AWS failed: search-index page 1: line 1 column 1: bad JSON" 5 ||
	fail "a page that is no JSON is not reported"
echo loop >"$FAKE_AWS_MODE"
wait_for "$WORK/bad.log" "re-sync from AWS failed: the AWS CLI returned the same nextToken twice" 5 ||
	fail "a nextToken loop is not reported"
kill -TERM $REC; wait $REC || fail "record exit status with bad pages"
read -r B E < <(rows "$J")
# Each loop run journals its two pages' things before it stops.
[ "$B" -ge 2 ] || fail "the pages read before the loop was seen are not journaled ($B)"
echo "ok: a page that is no JSON and a nextToken loop are reported"

# ---- a slow aws: not started twice, killed and reaped at the stop ----
: >"$FAKE_AWS_LOG"
J=$WORK/slow.db
record_with slow "$WORK/slow.log" "$J"
sleep 5                 # two more intervals pass while the first run sleeps
STARTED=$(wc -l <"$FAKE_AWS_LOG")
[ "$STARTED" = 1 ] || { cat "$FAKE_AWS_LOG"; fail "aws started $STARTED times while the first run was going"; }
CHILD=$(cat "$FAKE_AWS_MODE.pid")
kill -0 "$CHILD" 2>/dev/null || fail "the slow aws is not running"
kill -TERM $REC; wait_exit $REC 10; RC=$?
[ $RC = 0 ] || fail "record with a running aws: exit status $RC"
kill -0 "$CHILD" 2>/dev/null && fail "the aws child (pid $CHILD) still runs after record stopped"
[ -z "$(ps -o pid= -g "$CHILD" 2>/dev/null)" ] || fail "processes of the aws child's group are left"
echo "ok: a running aws is not started twice and is killed and reaped at the stop"
