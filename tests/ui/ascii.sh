#!/bin/bash
# --ascii: no byte above 0x7f anywhere on the screen, in every screen; the
# UTF-8 default does use glyphs (so the check can fail).
. "$(dirname "$0")/lib.sh"
make_journal

start 80 24 -j "$DIR/j.db" --no-connect
check "UTF-8 glyphs by default" grep -qF "●" <<<"$(screen)"
new_server

high() { LC_ALL=C grep -c $'[\x80-\xff]' || true; }
start 80 24 -j "$DIR/j.db" --no-connect --ascii --no-color
check "grid: ASCII only" test "$(screen | high)" = 0
check "ASCII glyph for connected" grep -qF "* 4 connected" <<<"$(screen)"
check "ASCII sort mark" grep -qF "ST^" <<<"$(screen)"
check "escaped client id" grep -qF 'evil\e[31mred' <<<"$(screen)"
keys t
check "timeline: ASCII only" test "$(screen | high)" = 0
keys Escape
keys Enter
check "activity: ASCII only" test "$(screen | high)" = 0
keys Enter
check "raw: ASCII only" test "$(screen | high)" = 0
keys Escape Escape
keys '?'
check "help: ASCII only" test "$(screen | high)" = 0
finish
