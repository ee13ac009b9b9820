#!/bin/bash
# Messages: an error stays until the next key (still there after 9 s, past
# the old 8 s timeout), information fades after its 4 s; a wrong filter
# being typed shows a caret under the term the parser names and keeps the
# previous filter's rows, also after Enter; sorting by a column hidden at
# this width says so in the title line. At 80x24 and 200x60.
. "$(dirname "$0")/lib.sh"
make_journal
status_line() { screen | tail -2 | head -1; }
title_line() { screen | sed -n 2p; }

for size in "80 24" "200 60"; do
	set -- $size
	new_server
	start "$1" "$2" -j "$DIR/j.db" --no-connect --filter "status:disconnected"
	check "$1x$2: filtered at start" wait_for "3/7"
	before=$(grid_ids | sort)
	check "$1x$2: three rows" test "$(wc -l <<<"$before")" = 3

	keys n
	check "$1x$2: an error shows" grep -qF "no search text" <<<"$(status_line)"
	sleep 9
	check "$1x$2: ... and is still there after 9 s" grep -qF "no search text" <<<"$(status_line)"
	keys j
	check "$1x$2: ... and goes on the next key" test -z "$(status_line | grep -F 'no search text')"
	shown=$(ms_now)
	keys Z
	check "$1x$2: an info message shows" grep -qF "paused: events" <<<"$(status_line)"
	# Polled until 5.5 s after the key (it fades after 4 s).
	while [ $(($(ms_now) - shown)) -lt 5500 ] && status_line | grep -qF 'paused: events'; do sleep 0.05; done
	check "$1x$2: ... and is gone after its time" test -z "$(status_line | grep -F 'paused: events')"
	keys Z

	# A wrong field while typing: caret under it, the old rows stay.
	keys /
	literal " stauts:x"
	prompt=$(status_line)
	bottom=$(screen | tail -1)
	check "$1x$2: the prompt has the text" grep -qF "/status:disconnected stauts:x" <<<"$prompt"
	at=$(awk '{ print index($0, "stauts:x") }' <<<"$prompt")
	caret=$(awk '{ print index($0, "^") }' <<<"$bottom")
	check "$1x$2: the caret is under the wrong term ($caret, $at)" test "$caret" = "$at" -a "$at" -gt 0
	check "$1x$2: the parser's words beside it" grep -qF "unknown field" <<<"$bottom"
	check "$1x$2: the grid keeps the previous filter's rows" test "$(grid_ids | sort)" = "$before"
	keys Enter
	# "stauts" is character 21 of "status:disconnected stauts:x".
	check "$1x$2: Enter keeps the previous filter" grep -qF "filter: status:disconnected" <<<"$(title_line)"
	check "$1x$2: ... and its rows" test "$(grid_ids | sort)" = "$before"
	check "$1x$2: ... and says why" grep -qF "filter unchanged, column 21: unknown field" <<<"$(status_line)"
	keys j
	check "$1x$2: the error goes on the next key" test -z "$(status_line | grep -F 'unknown field')"
	# A good filter typed afterwards applies and shows no error line.
	keys /
	keys C-u
	literal "status:connected"
	check "$1x$2: a good filter previews" grep -qF "4/7" <<<"$(title_line)"
	check "$1x$2: no error under it" test -z "$(screen | tail -1 | grep -F 'column')"
	keys Enter

	# Sorting by a column the width hides: ip goes below 100 columns,
	# duplicates is never a grid column.
	keys P
	if [ "$1" -lt 100 ]; then
		check "$1x$2: sort by the hidden ip says so" grep -qE "sort: ip.* \(hidden\)" <<<"$(title_line)"
	else
		check "$1x$2: ip is shown: no indicator" test -z "$(title_line | grep -F '(hidden)')"
	fi
	keys U
	check "$1x$2: sort by duplicates says hidden" grep -qE "sort: duplicates.* \(hidden\)" <<<"$(title_line)"
	keys S
	check "$1x$2: sort by status: no indicator" test -z "$(title_line | grep -F '(hidden)')"
	keys C-c
	wait_for "EXIT=0" >/dev/null || fail "$1x$2: Ctrl-C did not quit with 0"
done
finish
