#!/bin/bash
# htop's F-keys in the grid (issue 12): F5 toggles follow mode (FOLLOW in
# the header); F6 opens the sort menu listing core's sortable columns:
# Down + Enter sorts by the next column, choosing the sorted column again
# reverses, Esc cancels. At 80x24 and 200x60.
. "$(dirname "$0")/lib.sh"
make_journal
header_has() { screen | head -n 1 | grep -qF -- "$1"; }
titles() { screen | sed -n 3p; }

for size in 80x24 200x60; do
	w=${size%x*} h=${size#*x}
	new_server
	start "$w" "$h" -j "$DIR/j.db" --no-connect
	wait_for "alpha-01" || fail "$size: grid shown"

	keys F5
	check "$size: F5 shows FOLLOW" header_has FOLLOW
	keys F5
	check "$size: F5 again ends it" bash -c "! tmux -L '$SOCK' capture-pane -p -t ui | head -n 1 | grep -qF FOLLOW"

	# The menu lists the columns of core's table by name, the sorted one marked.
	before=$(grid_ids | tr '\n' ' ')
	keys F6
	check "$size: F6 opens the sort menu" wait_for "Sort by"
	for name in status client_id since last_reason connect_failures; do
		check "$size: the menu lists $name" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | grep -qE '^ [A-Z] $name'"
	done
	check "$size: the menu marks status as the sort" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | grep -qE '^ S status[▲▼]'"
	# Esc cancels: the menu goes, the order stays.
	keys Escape
	check "$size: Esc closes the menu" bash -c "! tmux -L '$SOCK' capture-pane -p -t ui | grep -qF 'Sort by'"
	check "$size: Esc keeps the order" test "$(grid_ids | tr '\n' ' ')" = "$before"
	check "$size: Esc keeps the filter (none)" bash -c "! tmux -L '$SOCK' capture-pane -p -t ui | sed -n 2p | grep -qF filter:"

	# Down from status is client_id: Enter sorts by it, ascending.
	keys F6
	keys Down
	keys Enter
	check "$size: Enter closes the menu" bash -c "! tmux -L '$SOCK' capture-pane -p -t ui | grep -qF 'Sort by'"
	check "$size: F6 Down Enter sorts by client id (title marked)" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 3p | grep -qF 'CLIENT ID▲'"
	check "$size: ascending: alpha-01 first" test "$(grid_ids | head -n 1)" = alpha-01
	check "$size: ascending: foxtrot-06 last" test "$(grid_ids | tail -n 1)" = foxtrot-06
	# The menu opens on the sorted column: Enter again reverses.
	keys F6
	keys Enter
	check "$size: choosing it again reverses (title marked)" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 3p | grep -qF 'CLIENT ID▼'"
	check "$size: descending: foxtrot-06 first" test "$(grid_ids | head -n 1)" = foxtrot-06
	check "$size: descending: alpha-01 last" test "$(grid_ids | tail -n 1)" = alpha-01
	# Keys in the menu are the menu's: q closes it and does not quit.
	keys F6
	keys q
	check "$size: q in the menu closes it, the monitor runs on" bash -c "! tmux -L '$SOCK' capture-pane -p -t ui | grep -qE 'Sort by|EXIT='"
	# F10 quits with 0 even from the open menu.
	keys F6
	keys F10
	check "$size: F10 from the sort menu quits with 0" wait_for "EXIT=0"
	[ "$FAILED" = 0 ] || { echo "--- $size:"; screen; }
done
finish
