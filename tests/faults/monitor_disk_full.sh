#!/bin/bash
# The monitor on a full disk: a sticky NOT RECORDING banner, no reading
# from the broker meanwhile (its persistent session queues), a retry every
# few seconds, and recording resumes by itself once there is room; nothing
# is lost. Quitting while not recording exits non-zero.
. "$(dirname "$0")/lib.sh"
need_root "disk full"
command -v tmux >/dev/null || { echo "skipped: tmux not installed"; exit 77; }
PORT=$(free_port)
start_broker "$PORT" "persistence false"
DISK=$WORK/disk
mount_tmpfs "$DISK" 80m
dd if=/dev/zero of="$DISK/filler" bs=1M count=70 status=none
J=$DISK/journal.db
SOCK="thingtop-fault-$$"
T() { tmux -L "$SOCK" -f /dev/null "$@"; }
# The monitor must be gone before its tmpfs can be unmounted.
trap 'T kill-server 2>/dev/null; pkill -f -- "-j $J" 2>/dev/null; sleep 0.3; fault_cleanup' EXIT
T new-session -d -s ui -x 100 -y 30 \
	"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $TT --broker 127.0.0.1:$PORT -j $J 2>$WORK/stderr; echo EXIT=\$?; sleep 60"
header_has() { # header_has TEXT SECONDS
	for _ in $(seq $(( $2 * 10 ))); do
		T capture-pane -p -t ui | head -1 | grep -qF "$1" && return 0
		sleep 0.1
	done
	return 1
}
header_has "connected" 10 || { T capture-pane -p -t ui; fail "the monitor did not connect"; }
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 2000 --events 40000 --rate 10000 \
	--quirks none --seed 31 2>"$WORK/sim.log" || fail "simulate"
header_has "NOT RECORDING: journal $J" 20 || { T capture-pane -p -t ui; fail "no NOT RECORDING banner on a full disk"; }
T capture-pane -p -t ui | head -1 | grep -q "disk full" || fail "the banner does not say why"
SENT=$(sent_by "$WORK/sim.log")

rm -f "$DISK/filler"
for _ in $(seq 100); do
	T capture-pane -p -t ui | head -1 | grep -qF "NOT RECORDING" || break
	sleep 0.1
done
T capture-pane -p -t ui | head -1 | grep -qF "NOT RECORDING" && fail "still not recording 10 s after space came back"
wait_events "$J" "$SENT" 60
GOT=$(events_in "$J")
echo "published $SENT, journaled $GOT after the disk had room again"
[ "$GOT" = "$SENT" ] || fail "lost $((SENT - GOT)) events"

# Full again, and quit while not recording: a non-zero exit.
dd if=/dev/zero of="$DISK/filler2" bs=1M count=200 status=none 2>/dev/null
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 2000 --events 20000 --rate 10000 \
	--quirks none --seed 32 2>/dev/null
header_has "NOT RECORDING" 20 || { T capture-pane -p -t ui; fail "no banner the second time"; }
T send-keys -t ui q
for _ in $(seq 100); do
	T capture-pane -p -t ui | grep -q "EXIT=" && break
	sleep 0.1
done
T capture-pane -p -t ui | grep -q "EXIT=1" || { T capture-pane -p -t ui; fail "quitting while not recording did not exit 1"; }
grep -q "cannot" "$WORK/stderr" || { cat "$WORK/stderr"; fail "nothing said on stderr at exit"; }
echo "ok: banner on a full disk, resumed by itself, $GOT of $SENT journaled, exit 1 when quitting while failing"
