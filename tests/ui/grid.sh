#!/bin/bash
# The fleet grid: counts, sorting by status and by client id, filters, the
# escaped client id, Ctrl-C.
. "$(dirname "$0")/lib.sh"
make_journal
start 80 24 -j "$DIR/j.db" --no-connect

# fleet.ndjson by hand: alpha, charlie (reconnected), echo, evil connected;
# bravo, delta, foxtrot disconnected; 7 things.
s=$(screen)
check "4 connected" grep -qF "4 connected" <<<"$s"
check "3 disconnected" grep -qF "3 disconnected" <<<"$s"
check "0 unknown" grep -qF "0 unknown" <<<"$s"
check "7 of 7 shown" grep -qF "7/7" <<<"$s"

# Default order: status (connected first), then client id.
want=$'alpha-01\ncharlie-03\necho-05\nevil\\e[31mred\nbravo-02\ndelta-04\nfoxtrot-06'
check "default order: status, then client id" test "$(grid_ids)" == "$want"

# The escape sequence in a client id is shown escaped, not interpreted.
check "client id escaped" grep -qF 'evil\e[31mred' <<<"$s"

keys I
want=$'alpha-01\nbravo-02\ncharlie-03\ndelta-04\necho-05\nevil\\e[31mred\nfoxtrot-06'
check "sort by client id" test "$(grid_ids)" == "$want"
check "ascending mark on CLIENT ID" grep -qF "CLIENT ID▲" <<<"$(screen)"
keys I
want=$'foxtrot-06\nevil\\e[31mred\necho-05\ndelta-04\ncharlie-03\nbravo-02\nalpha-01'
check "same key reverses" test "$(grid_ids)" == "$want"
check "descending mark" grep -qF "CLIENT ID▼" <<<"$(screen)"

keys S
want=$'alpha-01\ncharlie-03\necho-05\nevil\\e[31mred\nbravo-02\ndelta-04\nfoxtrot-06'
check "sort by status" test "$(grid_ids)" == "$want"
keys S
want=$'bravo-02\ndelta-04\nfoxtrot-06\nalpha-01\ncharlie-03\necho-05\nevil\\e[31mred'
check "sort by status reversed" test "$(grid_ids)" == "$want"

keys /
literal "status:disconnected"
keys Enter
check "filter: the disconnected things" test "$(grid_ids | sort)" == $'bravo-02\ndelta-04\nfoxtrot-06'
check "filter shown in the title" grep -qF "filter: status:disconnected" <<<"$(screen)"
check "3 of 7 shown" grep -qF "3/7" <<<"$(screen)"

keys /
keys C-u
literal "sessions>1"
keys Enter
check "filter sessions>1: only charlie" test "$(grid_ids)" == "charlie-03"

keys /
keys C-u
literal "!o-0"
keys Enter
# !o-0 hides ids containing "o-0": bravo-02, echo-05
check "negated filter" test "$(grid_ids | sort)" == $'alpha-01\ncharlie-03\ndelta-04\nevil\\e[31mred\nfoxtrot-06'

keys /
keys Escape
check "Esc clears the filter" grep -qF "7/7" <<<"$(screen)"

# A bad filter says where, and keeps the rows.
keys /
literal "stauts:x"
keys Enter
check "bad filter reported" grep -q "column 1" <<<"$(screen)"

keys C-c
check "Ctrl-C quits with 0" wait_for "EXIT=0"
finish
