#!/bin/bash
# `thingtop demo`, as the README's first command starts it, at 80x24: its
# own mosquitto and simulated fleet feed the monitor, whose journal fills;
# q quits with 0 and leaves no folder and no process behind.
. "$(dirname "$0")/lib.sh"
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] ||
	{ echo "mosquitto not installed: skipped"; exit 77; }

ls -d /tmp/thingtop-demo-* 2>/dev/null | sort >"$DIR/before"
start 80 24 demo --things 100 --rate 200
check "the whole fleet is in the grid" wait_for "100/100"
ls -d /tmp/thingtop-demo-* 2>/dev/null | sort >"$DIR/after"
demo_dir=$(comm -13 "$DIR/before" "$DIR/after" | head -n 1)
check "the demo made its folder" test -n "$demo_dir"

# Events arrive (the header's rate) and are journaled as they do.
rate_up() { screen | head -n 1 | grep -qE ' [1-9][0-9]*\.[0-9] ev/s'; }
for _ in $(seq 100); do rate_up && break; sleep 0.1; done
check "the header shows events arriving" rate_up
journal=$(ls "$demo_dir"/*.db 2>/dev/null | head -n 1)
rows() { sqlite3 "$journal" 'SELECT count(*) FROM events' 2>/dev/null || echo 0; }
first=$(rows)
sleep 1.5
second=$(rows)
check "the journal grows ($first then $second rows)" test "$second" -gt "$first"

# Every process under the pane: the monitor, its broker, its simulator.
pane=$(T display -p -t ui '#{pane_pid}')
descendants() {
	local pids=$1 all=""
	while [ -n "$pids" ]; do
		all="$all $pids"
		pids=$(for p in $pids; do ps -o pid= --ppid "$p"; done | tr '\n' ' ' | xargs)
	done
	echo "$all"
}
procs=$(descendants "$pane")
check "a broker runs under the demo" grep -q mosquitto <<<"$(for p in $procs; do ps -o comm= -p "$p"; done)"

keys q
check "q quits with 0" wait_for "EXIT=0"
sleep 0.5
left=""
for p in $procs; do
	[ "$p" = "$pane" ] && continue
	kill -0 "$p" 2>/dev/null && [ "$(ps -o comm= -p "$p")" != sleep ] && left="$left $p"
done
check "no process left behind (${left:-none})" test -z "$left"
check "its folder is removed" test ! -e "$demo_dir"
finish
