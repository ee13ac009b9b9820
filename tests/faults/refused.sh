#!/bin/bash
# A broker that refuses subscriptions (SUBACK 0x80, what AWS answers when
# the policy lacks iot:Subscribe): the test suite's stub broker, since
# Debian 12's mosquitto grants every SUBSCRIBE whatever its ACLs say.
# - every filter refused: record names each with the policy statement it
#   needs and exits 1;
# - one refused: record goes on with the other, journal info lists the
#   refusal as a gap with events lost, and the monitor's header says so.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
STUB=$(dirname "$0")/../broker/stub_broker.py
start_stub() { # start_stub ARGS...: the stub broker on $PORT
	python3 "$STUB" "$PORT" "$@" 2>>"$WORK/stub.log" &
	BROKER_PID=$!
	for _ in $(seq 100); do
		(exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$WORK/stub.log"; fail "stub broker did not start"
}
start_stub --refuse '$aws/events/presence/#' --refuse '$aws/events/subscriptions/#'
J=$WORK/journal.db

"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 0 2>"$WORK/rec1.log" &
REC=$!; PIDS=$REC
wait_exit $REC 10; RC=$?
[ $RC = 1 ] || { cat "$WORK/rec1.log"; fail "record with every filter refused: status $RC, want 1"; }
for f in '$aws/events/presence/#' '$aws/events/subscriptions/#'; do
	grep -qF "refused the subscription to $f (SUBACK 0x80)" "$WORK/rec1.log" ||
		{ cat "$WORK/rec1.log"; fail "refusal of $f not reported"; }
done
grep -qF '"Action": "iot:Subscribe", "Resource": "arn:aws:iot:REGION:ACCOUNT:topicfilter/$aws/events/presence/*"' \
	"$WORK/rec1.log" || { cat "$WORK/rec1.log"; fail "no policy statement for the presence filter"; }
grep -q "refused every subscription" "$WORK/rec1.log" || fail "no closing cause"

# Only the subscription events are allowed.
stop_broker
start_stub --refuse '$aws/events/presence/#'
"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 0 2>"$WORK/rec2.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/rec2.log" 'refused the subscription to $aws/events/presence/#' 10 || fail "partial refusal not reported"
grep -qF 'refused the subscription to $aws/events/subscriptions/#' "$WORK/rec2.log" && fail "a granted filter reported as refused"
mosquitto_pub -p "$PORT" -q 1 -t '$aws/events/subscriptions/subscribed/dev-1' \
	-m '{"clientId":"dev-1","timestamp":1795000000000,"eventType":"subscribed","sessionIdentifier":"s-1","topics":["a/b"]}'
for _ in $(seq 50); do
	[ "$(sqlite3 "$J" 'SELECT count(*) FROM events')" = 1 ] && break
	sleep 0.1
done
kill -TERM $REC; wait $REC || fail "record with one filter granted: exit status"
[ "$(sqlite3 "$J" 'SELECT count(*) FROM events')" = 1 ] || fail "the granted filter's event was not journaled"
"$TT" journal info -j "$J" > "$WORK/info.txt" || fail "journal info"
grep -q 'LOST.*subscription refused: $aws/events/presence/#' "$WORK/info.txt" ||
	{ cat "$WORK/info.txt"; fail "the refusal is not a gap with events lost"; }

# The monitor keeps the refusal in its header.
if command -v tmux >/dev/null; then
	SOCK="thingtop-refused-$$"
	trap 'tmux -L "$SOCK" kill-server 2>/dev/null; fault_cleanup' EXIT
	tmux -L "$SOCK" -f /dev/null new-session -d -s ui -x 120 -y 30 \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $TT --broker 127.0.0.1:$PORT -j $WORK/mon.db; sleep 30"
	seen=
	for _ in $(seq 50); do
		tmux -L "$SOCK" capture-pane -p -t ui | head -1 | grep -q 'subscription refused: $aws/events/presence/#' && { seen=1; break; }
		sleep 0.1
	done
	[ -n "$seen" ] || { tmux -L "$SOCK" capture-pane -p -t ui; fail "the monitor's header does not show the refusal"; }
	tmux -L "$SOCK" kill-server
fi
echo "ok: refused subscriptions reported with their policy, record exits 1 when all are, gap listed, header shows it"
