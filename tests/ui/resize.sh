#!/bin/bash
# 80x24, a resize to 200x60 and back render without garbage; too small says so.
. "$(dirname "$0")/lib.sh"
make_journal
start 80 24 -j "$DIR/j.db" --no-connect

before=$(screen)
check "24 lines at 80x24" test "$(wc -l <<<"$before")" = 24
check "no line wider than 80" test "$(LC_ALL=C.UTF-8 wc -L <<<"$before")" -le 80
check "footer on the last line" grep -qE '^q quit' <<<"$(tail -1 <<<"$before")"

T resize-window -t ui -x 200 -y 60
sleep 0.6
big=$(screen)
check "60 lines at 200x60" test "$(wc -l <<<"$big")" = 60
check "wide grid shows IP" grep -qF "10.0.0.1" <<<"$big"
check "column header once" test "$(grep -c 'CLIENT ID' <<<"$big")" = 1
check "footer on the last line" grep -qE '^q quit' <<<"$(tail -1 <<<"$big")"
check "7 rows" test "$(grid_ids | wc -l)" = 7

T resize-window -t ui -x 80 -y 24
sleep 0.6
check "back to 80x24: same screen as before" test "$(screen)" == "$before"

T resize-window -t ui -x 40 -y 10
sleep 0.6
check "too small message" grep -qF "terminal too small (need" <<<"$(screen)"
T resize-window -t ui -x 80 -y 24
sleep 0.6
check "recovers after too small" test "$(screen)" == "$before"
finish
