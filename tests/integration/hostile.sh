#!/bin/bash
# Hostile input through a real mosquitto and import: a 10 MB payload is
# journaled as a reject holding its first 128 KiB and its size (the journal
# grows by less than 300 KiB); implausible timestamps are rejects that move
# no receive clock, and retention ("90d") keeps the whole history.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 not installed: skip"; exit 77; }
PORT=$(free_port)
start_broker "$PORT" "persistence false"
J=$WORK/journal.db
printf 'journal: { retain = "90d"; };\n' >"$WORK/thingtop.conf"
CONF=$WORK/thingtop.conf

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# publish CLIENT TIMESTAMP: a connected event at QoS 1
publish() {
	mosquitto_pub -p "$PORT" -q 1 -t "\$aws/events/presence/connected/$1" \
		-m "{\"clientId\":\"$1\",\"timestamp\":$2,\"eventType\":\"connected\",\"sessionIdentifier\":\"s-$1\",\"versionNumber\":1}" \
		|| fail "mosquitto_pub $1"
}
start_record() {
	"$TT" record -c "$CONF" --broker 127.0.0.1:$PORT -j "$J" --stats-interval 1 2>"$WORK/record.log" &
	REC=$!; PIDS=$REC
	wait_for "$WORK/record.log" "connected to" || exit 1
}
# stop_record RECEIVED: waits until the recorder has RECEIVED messages, stops it
stop_record() {
	for _ in $(seq 300); do
		grep -q "received $1 " "$WORK/record.log" && break
		sleep 0.1
	done
	PEAK_KB=$(awk '/VmHWM/ { print $2 }' /proc/$REC/status 2>/dev/null)
	kill -INT $REC; wait $REC; RC=$?
	[ $RC -eq 0 ] || { cat "$WORK/record.log"; fail "record exited $RC"; }
}
size_of() { cat "$J" "$J-wal" 2>/dev/null | wc -c; }

# ---- A 10 MB payload ----
start_record
for i in 1 2 3; do publish "good-$i" "$(now_ms)"; done
stop_record 3
BEFORE=$(size_of)
BEFORE_KB=$PEAK_KB

{ printf '{"clientId":"big","pad":"'; head -c 10485760 /dev/zero | tr '\0' x; printf '"}'; } >"$WORK/big.json"
BIG=$(wc -c <"$WORK/big.json")
start_record
mosquitto_pub -p "$PORT" -q 1 -t '$aws/events/presence/connected/big' -f "$WORK/big.json" ||
	fail "mosquitto_pub of $BIG bytes"
publish after-big "$(now_ms)"
stop_record 2
AFTER=$(size_of)
GROWTH=$((AFTER - BEFORE))
echo "figure: journal grew by $GROWTH bytes for a $BIG-byte payload; recorder peak RSS" \
	"${PEAK_KB:-?} KiB (${BEFORE_KB:-?} KiB without it)"
[ "$GROWTH" -lt $((300 * 1024)) ] || fail "journal grew by $GROWTH bytes"
# The payload as the journal gives it back (journal dump), and the reason.
KEPT=$("$TT" journal dump -j "$J" | python3 -c '
import json, sys
for line in sys.stdin:
    p = json.loads(line).get("payload")
    if isinstance(p, str) and p.startswith("{\"clientId\":\"big"):
        print(len(p.encode()))')
REASON=$(sqlite3 "$J" "SELECT reason FROM events WHERE type = 0 AND reason LIKE '%bytes%'")
[ "$KEPT" = 131072 ] || fail "the reject keeps ${KEPT:-no} bytes, want 131072"
grep -qF "payload is $BIG bytes" <<<"$REASON" || fail "reject reason '$REASON' lacks the size $BIG"
[ "$(sqlite3 "$J" 'SELECT count(*) FROM events')" = 5 ] || fail "want 5 rows (4 events, 1 reject)"
[ -n "$PEAK_KB" ] && [ "$PEAK_KB" -lt $((BEFORE_KB + 40 * 1024)) ] ||
	fail "peak RSS ${PEAK_KB:-?} KiB: more than 40 MiB over the ${BEFORE_KB:-?} KiB without it"
echo "ok: a $BIG-byte payload kept as a 131072-byte reject with its size; nothing lost"

# ---- An implausible timestamp while recording, retention on ----
start_record
NOW=$(now_ms)
publish early-1 "$NOW"
publish micro "$((NOW * 1000))"
publish ancient 1000
publish early-2 "$NOW"
stop_record 4
ROWS=$(sqlite3 "$J" 'SELECT count(*) FROM events')
[ "$ROWS" = 9 ] || fail "journal has $ROWS rows, want 9"
BAD=$(sqlite3 "$J" "SELECT count(*) FROM events WHERE type = 0 AND reason LIKE 'timestamp %'")
[ "$BAD" = 2 ] || fail "$BAD implausible-timestamp rejects, want 2"
"$TT" export -c "$CONF" -j "$J" >"$WORK/export.csv" || fail "export"
grep -q '^connected,early-2,' "$WORK/export.csv" || fail "early-2 not connected"
if grep -qE ',(micro|ancient),' "$WORK/export.csv"; then fail "a reject reached the fleet"; fi
echo "ok: implausible timestamps journaled as rejects, kept out of the fleet"

# ---- Import: bad times move no clock; retention keeps the history ----
NOW=$(now_ms)
{
	for i in $(seq 1 50); do
		printf '{"clientId":"imp-%d","timestamp":%d,"eventType":"connected","sessionIdentifier":"i-%d"}\n' \
			"$i" $((NOW - 3600000 + i * 1000)) "$i"
	done
	printf '{"clientId":"imp-micro","timestamp":%d,"eventType":"connected"}\n' $((NOW * 1000))
	printf '{"topic":"$aws/events/presence/connected/imp-env","payload":{"clientId":"imp-env","timestamp":%d,"eventType":"connected"},"receivedAt":%d}\n' \
		"$NOW" $((NOW * 1000))
	printf '{"clientId":"imp-last","timestamp":%d,"eventType":"connected"}\n' $((NOW - 1000))
} >"$WORK/import.ndjson"
"$TT" import -c "$CONF" -j "$J" "$WORK/import.ndjson" 2>"$WORK/import.log" ||
	{ cat "$WORK/import.log"; fail "import"; }
grep -q "51 accepted, 0 duplicates, 2 rejected" "$WORK/import.log" || { cat "$WORK/import.log"; fail "import counts"; }
grep -q "rejected (implausible_timestamp): envelope receivedAt" "$WORK/import.log" ||
	{ cat "$WORK/import.log"; fail "receivedAt reject not reported"; }
MAXREC=$(sqlite3 "$J" 'SELECT max(received_ms) FROM events')
[ "$MAXREC" -le $(( $(now_ms) + 60000 )) ] || fail "the receive clock moved ahead to $MAXREC"
ROWS=$(sqlite3 "$J" 'SELECT count(*) FROM events')
[ "$ROWS" = 62 ] || fail "journal has $ROWS rows, want 62"

# A row received "55,000 years ahead" (written straight into the file, as
# an older thingtop's import did) must not make retention erase the rest.
sqlite3 "$J" "INSERT INTO events(seq, received_ms, type, payload) VALUES (1000, $((NOW * 1000)), 0, x'00')"
sqlite3 "$J" "INSERT INTO snapshots SELECT 1000, $((NOW * 1000)), $NOW, data FROM snapshots ORDER BY seq DESC LIMIT 1"
BEFORE=$(sqlite3 "$J" 'SELECT count(*) FROM events')
"$TT" journal prune -j "$J" --retain 90d >"$WORK/prune.log" 2>&1 || { cat "$WORK/prune.log"; fail "prune"; }
AFTER=$(sqlite3 "$J" 'SELECT count(*) FROM events')
LOST=$((BEFORE - AFTER))
echo "figure: retention 90d with a row dated 55,000 years ahead: $BEFORE rows before, $AFTER after"
[ "$LOST" = 0 ] || fail "retention deleted $LOST rows"
echo "ok: import rejects implausible times, the clock stays, retention keeps all $AFTER rows"
