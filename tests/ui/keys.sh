#!/bin/bash
# Keys as htop, less and vim users expect them, on a terminal whose TERM
# does not match what it sends (xterm-256color inside tmux): Home and End
# in every form go to the first and last row, g and G too; L sorts by
# F10 quits with status 0; Ctrl-Z suspends and `fg` brings the
# screen back.
. "$(dirname "$0")/lib.sh"
make_journal
# An interactive shell, so Ctrl-Z has job control to return to.
T new-session -d -s ui -x 80 -y 24 -c "$DIR" "env -i PATH=$PATH HOME=$DIR TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 PS1='sh$ ' bash --norc -i"
sleep 0.5
T send-keys -t ui "( $(printf '%q ' "$THINGTOP" -j "$DIR/j.db" --no-connect --sort client_id)" '2>stderr; echo EXIT=$? )' Enter
wait_for "7/7" || exit 1

cursor_on() { # cursor_on ID: Enter opens the log of the thing under the cursor
	keys Enter
	local s; s=$(screen)
	keys Escape
	grep -qF "Activity: $1" <<<"$s"
}
keys g; check "g goes to the first row" cursor_on alpha-01
keys G; check "G goes to the last row" cursor_on foxtrot-06
for seq in '1b 5b 31 7e' '1b 5b 48' '1b 4f 48' '1b 5b 37 7e'; do
	keys G
	keys -H $seq
	check "Home as '$seq' goes to the first row" cursor_on alpha-01
done
for seq in '1b 5b 34 7e' '1b 5b 46' '1b 4f 46' '1b 5b 38 7e'; do
	keys g
	keys -H $seq
	check "End as '$seq' goes to the last row" cursor_on foxtrot-06
	check "End as '$seq' kept the filter line closed" bash -c "! tmux -L $SOCK capture-pane -p -t ui | grep -q '^/'"
done

keys C-z
wait_for "Stopped" || fail "Ctrl-Z did not suspend"
T send-keys -t ui fg Enter
sleep 1
check "fg brings the screen back" grep -qF "7/7" <<<"$(screen)"

keys F10
wait_for "EXIT=" >/dev/null || fail "F10 did not quit"
check "F10 quits with status 0" grep -qF "EXIT=0" <<<"$(screen)"
finish
