#!/bin/bash
# Ctrl-S opens the ":export" prompt with a default path: $XDG_DOWNLOAD_DIR,
# else ~/Downloads when it exists, else $HOME; Enter writes it, Esc writes
# nothing, and nothing goes into the working folder. At 80x24 and 200x60.
. "$(dirname "$0")/lib.sh"
make_journal
unset XDG_DOWNLOAD_DIR
stamp='thingtop-[0-9]{8}-[0-9]{6}\.csv'
prompt_line() { screen | tail -2 | head -1; }
csvs() { find "$DIR" -name 'thingtop-*.csv' | wc -l; }

for size in "80 24" "200 60"; do
	set -- $size
	new_server
	home=$DIR/home-$1
	mkdir -p "$home/Downloads"
	export HOME=$home
	start "$1" "$2" -j "$DIR/j.db" --no-connect --filter "status:disconnected"
	check "$1x$2: filtered at start" wait_for "3/7"
	keys C-s
	check "$1x$2: the prompt is prefilled with ~/Downloads/thingtop-DATE-TIME.csv" \
		grep -qE "^:export $home/Downloads/$stamp *\$" <<<"$(prompt_line)"
	keys Escape
	check "$1x$2: Esc closes the prompt" test -z "$(prompt_line | grep -F ':export')"
	sleep 0.3
	check "$1x$2: Esc writes nothing" test "$(csvs)" = 0
	keys C-s
	keys Enter
	check "$1x$2: says the row count" wait_for "exported 3 rows to"
	file=$(ls "$home"/Downloads/thingtop-*.csv 2>/dev/null | head -1)
	check "$1x$2: the file is in ~/Downloads" test -n "$file"
	# As much of the full path as the width shows (the status line is clipped).
	want="exported 3 rows to $file"
	check "$1x$2: the message has the full path" grep -qF "${want:0:$(($1 - 4))}" <<<"$(screen)"
	check "$1x$2: header and 3 rows" test "$(wc -l <"${file:-/dev/null}")" = 4
	check "$1x$2: every row disconnected" test "$(grep -c ',disconnected,\|^disconnected,' "${file:-/dev/null}")" = 3
	check "$1x$2: only that file written" test "$(csvs)" = 1
	rm -f "$file"
	keys C-c
	wait_for "EXIT=0" >/dev/null || fail "$1x$2: Ctrl-C did not quit with 0"
done

# No ~/Downloads: $HOME; $XDG_DOWNLOAD_DIR first when it is a folder.
new_server
export HOME=$DIR/bare
mkdir -p "$HOME"
start 80 24 -j "$DIR/j.db" --no-connect
keys C-s
check "no ~/Downloads: the prompt says \$HOME" grep -qE "^:export $HOME/$stamp *\$" <<<"$(prompt_line)"
keys Escape
keys C-c
wait_for "EXIT=0" >/dev/null || fail "Ctrl-C did not quit with 0"
new_server
mkdir -p "$DIR/dl"
export XDG_DOWNLOAD_DIR=$DIR/dl
start 80 24 -j "$DIR/j.db" --no-connect
keys C-s
check "the prompt says \$XDG_DOWNLOAD_DIR" grep -qE "^:export $DIR/dl/$stamp *\$" <<<"$(prompt_line)"
keys Enter
check "Enter writes the whole fleet there" test "$(cat "$DIR"/dl/thingtop-*.csv 2>/dev/null | wc -l)" = 8
check "nothing in the working folder" test -z "$(ls "$DIR"/thingtop-*.csv 2>/dev/null)"
finish
