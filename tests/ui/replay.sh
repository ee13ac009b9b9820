#!/bin/bash
# thingtop replay in tmux: the header's clock and progress, pause/resume,
# one event per ".", start and end, jumps, and the activity log and
# timeline cut at the replay position. Counts are worked out by hand from
# tests/data/replay.ndjson (receive times, seconds after 00:00:00):
#   1 @0 alpha+   2 @10 bravo+   3 @20 charlie+   4 @30 alpha- LOST
#   5 @40 delta+  6 @50 bravo- KEEP_ALIVE  7 @70 alpha+  8 @90 charlie- CLIENT
#   9 @120 bravo+ 10 @150 delta- LOST
. "$(dirname "$0")/lib.sh"
"$THINGTOP" import -q -j "$DIR/r.db" "$HERE/../data/replay.ndjson" >/dev/null 2>&1 ||
	{ echo "import failed"; exit 1; }

header() { screen | head -1; }
# has TEXT: the header holds TEXT (waits a little for the redraw).
has() { wait_for "$1" >/dev/null && header | grep -qF -- "$1"; }

# At 0.01x the next event (10 s on) is 1000 s away: the state holds still.
start 140 30 replay "$DIR/r.db" --speed 0.01
check "clock at the first event" has "replay 2026-01-01T00:00:00"
check "speed shown" has "0.01x"
check "first event applied: progress 1/10" has "1/10 10.0%"
check "counts after event 1" has "● 1 connected  ○ 0 disconnected"

keys Space
check "Space pauses" has "PAUSED"
keys Space
check "Space resumes" test "$(header | grep -c PAUSED)" = 0

# "." applies exactly one event each time (and pauses).
keys .
check "step: 2/10" has "2/10 20.0%"
check "step: bravo connected" has "● 2 connected  ○ 0 disconnected"
check "step pauses" has "PAUSED"
check "step: clock at event 2" has "2026-01-01T00:00:10.000Z"
keys .
check "step: 3 connected" has "● 3 connected  ○ 0 disconnected"
keys .
check "step 4: alpha lost" has "● 2 connected  ○ 1 disconnected"
check "step 4: 4/10" has "4/10 40.0%"

# g: back to the start, nothing applied.
keys g
check "g: 0/10" has "0/10 0.0%"
check "g: counts zero" has "● 0 connected  ○ 0 disconnected  ? 0 unknown"
check "g: empty grid" wait_for "no things yet"
keys .
check "step from the start: 1 connected" has "● 1 connected  ○ 0 disconnected"

# G: the end, the journal's final table.
keys G
check "G: 10/10" has "10/10 100.0%"
check "G: END" has "END"
check "G: clock at the last event" has "2026-01-01T00:02:30.000Z"
check "G: final counts" has "● 2 connected  ○ 2 disconnected"

# [: a minute back, 00:01:30, events 1..8.
keys [
check "[: clock 00:01:30" has "2026-01-01T00:01:30.000Z"
check "[: 8/10" has "8/10 80.0%"
check "[: counts at 00:01:30" has "● 2 connected  ○ 2 disconnected"
keys [
check "[ again: 00:00:30, 4/10" has "4/10 40.0%"
keys ]
check "]: 00:01:30 again" has "8/10 80.0%"

# The activity log shows only what happened up to the position: delta has
# connected (event 5); its disconnect (event 10) is still to come.
keys :
literal "thing delta-04"
keys Enter
check "activity of delta" wait_for "Activity: delta-04"
check "only 1 event so far" grep -qF "1 events" <<<"$(screen)"
keys G
check "at the end: 2 events" wait_for "2 events"
keys [
check "back a minute: 1 event again" wait_for "1 events"
keys Escape

# The timeline: 3 disconnects by 00:01:30 (events 4, 6, 8), 4 at the end.
keys t
check "timeline open" wait_for "Disconnects"
check "timeline cut at the position" grep -qF "total: 3 shown, 3 disconnects" <<<"$(screen)"
keys G
check "timeline at the end" wait_for "total: 4 shown, 4 disconnects"
keys Escape

# Speed: + doubles, - halves.
keys g
keys +
check "+ doubles" has "0.02x"
keys -- -   # "--": a bare "-" would read as an option
check "- halves" has "0.01x"

# Playing: 0.01x * 2^11 = 20.48x; from the start the 150 s take ~7 s.
keys Space
for _ in $(seq 11); do T send-keys -t ui +; done
check "speed 20.48x" has "20.48x"
sleep 1.5
pos=$(header | grep -oE '[0-9]+/10 ' | cut -d/ -f1)
check "playing moves on (at $pos/10 after 1.5 s)" test "${pos:-0}" -ge 2 -a "${pos:-10}" -lt 10
for _ in $(seq 100); do header | grep -qF END && break; sleep 0.1; done
check "plays to the end" has "10/10 100.0%"
check "ends with the final counts" has "● 2 connected  ○ 2 disconnected"

# The help lists the replay keys.
keys ?
check "help has the replay keys" wait_for "replay: pause / resume"
keys Escape
finish
