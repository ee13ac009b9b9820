#!/bin/bash
# Follow mode (issue 5): two read-only viewers (`thingtop -j J --follow`)
# watch a journal that a concurrent `thingtop record` writes from a private
# mosquitto; hand-written lifecycle events reach both screens within 2 s
# and the recorder journals every one of them. A viewer given a journal
# that does not exist says so and exits 1 at once: a viewer never creates
# a journal, and a missing file is usually a wrong -j, so waiting for it
# would look like a hang.
. "$(dirname "$0")/lib.sh"
MOSQUITTO=$(command -v mosquitto || { [ -x /usr/sbin/mosquitto ] && echo /usr/sbin/mosquitto; })
[ -n "$MOSQUITTO" ] || { echo "mosquitto not installed: skipped"; exit 77; }
command -v mosquitto_pub >/dev/null 2>&1 || { echo "mosquitto_pub not installed: skipped"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 not installed: skipped"; exit 77; }

BROKER_PID=
REC=
stop_all() {
	[ -n "$REC" ] && kill "$REC" 2>/dev/null
	[ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null
	wait 2>/dev/null
	cleanup
}
trap stop_all EXIT

# --- A journal that does not exist: a clear message, exit 1, nothing made.
missing=$DIR/not-there/j.db
timeout 5 "$THINGTOP" -j "$missing" --follow </dev/null >"$DIR/missing.out" 2>&1
rc=$?
check "missing journal: exit 1, not a hang (status $rc)" test "$rc" = 1
check "missing journal: says there is no journal there" grep -qF "no journal at $missing" "$DIR/missing.out"
check "missing journal: points at record" grep -qF "thingtop record" "$DIR/missing.out"
check "missing journal: the viewer created nothing" test ! -e "$DIR/not-there"
check "missing journal: no sanitizer report" bash -c "! grep -qE 'Sanitizer|runtime error' '$DIR/missing.out'"

# --- A private broker on a free loopback port.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '%s\n' "listener $PORT 127.0.0.1" "allow_anonymous true" "user $(id -un)" \
	"persistence false" >"$DIR/mosquitto.conf"
"$MOSQUITTO" -c "$DIR/mosquitto.conf" >"$DIR/mosquitto.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
	sleep 0.05
done

J=$DIR/j.db
"$THINGTOP" record --broker "127.0.0.1:$PORT" -j "$J" --qos 1 --stats-interval 1 2>"$DIR/record.log" &
REC=$!
for _ in $(seq 100); do
	grep -q "connected to" "$DIR/record.log" && break
	sleep 0.1
done
grep -q "connected to" "$DIR/record.log" || { cat "$DIR/record.log"; echo "record did not connect"; exit 1; }

# --- Two viewers of different sizes, read-only beside the recorder.
viewer() { # viewer SESSION WIDTH HEIGHT
	T new-session -d -s "$1" -x "$2" -y "$3" -c "$DIR" \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $(printf '%q ' "$THINGTOP" -j "$J" --follow) 2>$DIR/$1.err; echo EXIT=\$?; sleep 60"
}
viewer v1 80 24
viewer v2 120 40
shot() { T capture-pane -p -t "$1"; }
# The client id column of the grid rows (lines 4.. above the status and footer lines).
ids() { shot "$1" | head -n -2 | sed -n '4,$p' | awk 'NF >= 2 { print $2 }'; }

# expect SESSION DEADLINE_S DESCRIPTION PATTERN...: every fixed string shows
# on the screen before the deadline; prints how long it took.
expect() {
	local s=$1 secs=$2 what=$3; shift 3
	local t0 ok p
	t0=$(date +%s%N)
	while :; do
		ok=1
		local scr
		scr=$(shot "$s")
		for p in "$@"; do grep -qF -- "$p" <<<"$scr" || { ok=0; break; }; done
		local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
		if [ $ok = 1 ]; then pass "$s: $what (after $ms ms)"; return 0; fi
		if [ $ms -gt $((secs * 1000)) ]; then
			fail "$s: $what within $secs s (missing \"$p\")"
			echo "$scr"
			return 1
		fi
		sleep 0.05
	done
}
for v in v1 v2; do
	expect $v 5 "empty journal shown, following" "following " " 0 connected" " 0 disconnected" "0/0"
done

now=$(date +%s%3N)
pub() { # pub TYPE CLIENT SESSION VERSION [REASON]
	local extra=
	[ "$1" = disconnected ] && extra=",\"clientInitiatedDisconnect\":true,\"disconnectReason\":\"$5\""
	mosquitto_pub -p "$PORT" -q 1 -t "\$aws/events/presence/$1/$2" \
		-m "{\"clientId\":\"$2\",\"timestamp\":$now,\"eventType\":\"$1\",\"sessionIdentifier\":\"$3\",\"versionNumber\":$4,\"principalIdentifier\":\"p\",\"ipAddress\":\"10.0.0.1\"$extra}" ||
		fail "mosquitto_pub $1 $2"
	PUBLISHED=$((PUBLISHED + 1))
}
PUBLISHED=0

# Step 1: three things connect: 3 connected, none else.
pub connected dev-a s-a1 1
pub connected dev-b s-b1 1
pub connected dev-c s-c1 1
for v in v1 v2; do
	expect $v 2 "3 things connected" " 3 connected" " 0 disconnected" " 0 unknown" "3/3"
	check "$v: rows a, b, c" test "$(ids $v)" == $'dev-a\ndev-b\ndev-c'
done

# Step 2: two more connect, dev-b disconnects its session: 4 connected
# (a, c, d, e), 1 disconnected (b), listed connected first then by id.
pub connected dev-d s-d1 1
pub connected dev-e s-e1 1
now=$((now + 1000))
pub disconnected dev-b s-b1 1 CLIENT_INITIATED_DISCONNECT
for v in v1 v2; do
	expect $v 2 "4 connected, 1 disconnected" " 4 connected" " 1 disconnected" " 0 unknown" "5/5"
	check "$v: rows a, c, d, e, then b" test "$(ids $v)" == $'dev-a\ndev-c\ndev-d\ndev-e\ndev-b'
done

# Step 3: a duplicate of dev-b's disconnect changes no status (it is
# journaled all the same); a connect_failed of a thing never seen
# connected adds it as unknown.
pub disconnected dev-b s-b1 1 CLIENT_INITIATED_DISCONNECT
mosquitto_pub -p "$PORT" -q 1 -t '$aws/events/presence/connect_failed/dev-f' \
	-m "{\"clientId\":\"dev-f\",\"timestamp\":$now,\"eventType\":\"connect_failed\",\"connectFailureReason\":\"AUTHORIZATION_FAILED\"}" ||
	fail "mosquitto_pub connect_failed"
PUBLISHED=$((PUBLISHED + 1))
for v in v1 v2; do
	expect $v 2 "a never-connected thing is unknown" " 4 connected" " 1 disconnected" " 1 unknown" "6/6"
done

# The recorder kept up with both viewers open: every event is journaled.
for _ in $(seq 50); do
	rows=$(sqlite3 "$J" 'SELECT count(*) FROM events' 2>/dev/null)
	[ "$rows" = "$PUBLISHED" ] && break
	sleep 0.1
done
check "journal holds all $PUBLISHED published events (has $rows)" test "$rows" = "$PUBLISHED"
check "recorder still running" kill -0 "$REC"
kill -INT "$REC"
wait "$REC"
rc=$?
REC=
check "recorder exits 0 (status $rc)" test "$rc" = 0
check "recorder reported no error" bash -c "! grep -qiE 'locked|busy|error|failed' '$DIR/record.log'"

# Both viewers quit cleanly on Ctrl-C, with no sanitizer report.
for v in v1 v2; do
	T send-keys -t $v C-c
	expect $v 5 "quits with 0" "EXIT=0"
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$DIR/$v.err"; then
		cat "$DIR/$v.err"
		fail "$v: sanitizer report"
	fi
done
if [ "$FAILED" != 0 ]; then
	for v in v1 v2; do echo "--- $v:"; shot $v; done
	echo "--- record.log:"; cat "$DIR/record.log"
	exit 1
fi
exit 0
