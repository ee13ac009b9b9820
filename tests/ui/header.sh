#!/bin/bash
# The header says first what matters, at any width: the mode (following,
# replay, the connection's state), the event rate and PAUSED come first;
# the journal's name goes, then the counts shrink. The footer always ends
# with "? help".
. "$(dirname "$0")/lib.sh"
make_journal
start 100 24 -j "$DIR/j.db" --no-connect
head1() { screen | head -1; }
check "100 columns: mode, rate, name and full counts" \
	grep -qE '^following  [0-9.]+ ev/s  thingtop  j\.db .*4 connected' <<<"$(head1)"
keys Z
check "PAUSED after the rate" grep -qE '^following  [0-9.]+ ev/s  PAUSED' <<<"$(head1)"
T resize-window -t ui -x 80 -y 24; sleep 0.5
check "80 columns: PAUSED and the full counts, the name gone" \
	grep -qE '^following  [0-9.]+ ev/s  PAUSED .*4 connected' <<<"$(head1)"
T resize-window -t ui -x 60 -y 24; sleep 0.5
check "60 columns: PAUSED and the short counts" grep -qE '^following  [0-9.]+ ev/s  PAUSED .*4 .*3 .*0$' <<<"$(head1)"
keys Z
for w in 60 80; do
	T resize-window -t ui -x $w -y 24; sleep 0.4
	check "$w columns: '? help' in the footer" grep -qE '\? help *$' <<<"$(screen | tail -1)"
done
finish
