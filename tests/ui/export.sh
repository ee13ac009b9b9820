#!/bin/bash
# Ctrl-S then Enter writes exactly what `thingtop export` writes for the
# same filter and sort (into $HOME here: no ~/Downloads).
. "$(dirname "$0")/lib.sh"
make_journal
export HOME=$DIR
unset XDG_DOWNLOAD_DIR
start 80 24 -j "$DIR/j.db" --no-connect --filter "status:disconnected" --sort "-client_id"

check "filtered at start" wait_for "3/7"
keys C-s
keys Enter
check "says where" wait_for "exported 3 rows to $DIR/thingtop-"
file=$(ls "$DIR"/thingtop-*.csv 2>/dev/null | head -1)
check "file written" test -n "$file"
"$THINGTOP" export -j "$DIR/j.db" --filter "status:disconnected" --sort "-client_id" >"$DIR/want.csv"
check "same bytes as thingtop export" cmp "$file" "$DIR/want.csv"
check "3 rows plus header" test "$(wc -l <"$file")" = 4

# Re-sort in the UI, then :export FILE.
keys I
keys :
literal "export $DIR/b.csv"
keys Enter
"$THINGTOP" export -j "$DIR/j.db" --filter "status:disconnected" --sort "client_id" >"$DIR/want2.csv"
check ":export after a new sort" cmp "$DIR/b.csv" "$DIR/want2.csv"
finish
