# Shared helpers for the fault suite: the integration helpers (a private
# mosquitto on a free loopback port), plus what the fault cases need: a
# small tmpfs, counting what a journal holds, and process timing.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

# need_root WHAT: the case needs root (mount, other users); skip otherwise.
need_root() {
	[ "$(id -u)" = 0 ] || { echo "skipped: $1 needs root (mount a tmpfs, switch users)"; exit 77; }
}

# mount_tmpfs DIR SIZE: a small filesystem that fills up; unmounted at exit.
MOUNTS=
mount_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" || { echo "skipped: cannot mount a tmpfs"; exit 77; }
	MOUNTS="$MOUNTS $1"
}
fault_cleanup() {
	for p in $PIDS $BROKER_PID; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	for m in $MOUNTS; do umount "$m" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap fault_cleanup EXIT

# events_in JOURNAL: lifecycle events journaled, each published payload
# counted once (a redelivery after a restart is a duplicate of it).
events_in() {
	"$TT" journal dump -j "$1" 2>/dev/null | python3 -c '
import json, sys
seen = set()
for line in sys.stdin:
    e = json.loads(line)
    p = e.get("payload")
    if isinstance(p, dict) and p.get("eventType"):
        seen.add(json.dumps(p, sort_keys=True))
print(len(seen))'
}

# wait_events JOURNAL N [SECONDS]: until the journal holds N distinct
# events (rows counted first: a dump is the slower look).
wait_events() {
	for _ in $(seq $(( ${3:-30} * 10 ))); do
		[ "$(sqlite3 "$1" 'SELECT count(*) FROM events WHERE type > 0' 2>/dev/null || echo 0)" -ge "$2" ] && break
		sleep 0.1
	done
	for _ in $(seq 10); do
		[ "$(events_in "$1")" -ge "$2" ] && return 0
		sleep 1
	done
	return 1
}

# sent_by LOG: the message count a `thingtop simulate` run reported.
sent_by() { sed -n 's/.*: \([0-9]*\) messages.*/\1/p' "$1"; }

now_ms() { date +%s%3N; }

# wait_exit PID SECONDS: waits for a background process; its status, or
# 124 when it is still running after SECONDS.
wait_exit() {
	for _ in $(seq $(( $2 * 20 ))); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; return $?; }
		sleep 0.05
	done
	return 124
}
