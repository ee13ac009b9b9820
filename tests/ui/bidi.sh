#!/bin/bash
# Bidi controls and zero-width characters in client ids: shown escaped
# like control characters, so no id can reorder its row or shift the
# grid's columns.
. "$(dirname "$0")/lib.sh"
# U+202E RIGHT-TO-LEFT OVERRIDE, U+2066/U+2069 isolates, U+200B ZERO WIDTH
# SPACE, U+FEFF; JSON escapes, so this file itself stays plain ASCII.
ids=('plain-01' 'dev-\u202egnp.exe' 'iso\u2066x\u2069-03' 'zw\u200bsp\u200b-04' '\ufeffbom-05')
for i in "${!ids[@]}"; do
	printf '{"clientId":"%s","timestamp":%d,"eventType":"connected","sessionIdentifier":"s-%d","principalIdentifier":"p","ipAddress":"10.0.0.%d","versionNumber":1}\n' \
		"${ids[$i]}" $((1767225600000 + i * 1000)) "$i" "$i"
done >"$DIR/bidi.ndjson"
"$THINGTOP" import -j "$DIR/j.db" "$DIR/bidi.ndjson" >/dev/null 2>"$DIR/import.err" ||
	{ cat "$DIR/import.err"; echo "import failed"; exit 1; }
start 100 20 -j "$DIR/j.db" --no-connect
keys I
s=$(screen)
check "5 connected" grep -qF "5 connected" <<<"$s"
check "U+202E escaped" grep -qF 'dev-\u{202E}gnp.exe' <<<"$s"
check "isolates escaped" grep -qF 'iso\u{2066}x\u{2069}-03' <<<"$s"
check "zero-width spaces escaped" grep -qF 'zw\u{200B}sp\u{200B}-04' <<<"$s"
check "BOM escaped" grep -qF '\u{FEFF}bom-05' <<<"$s"
# Sorted by the ids' own bytes (U+FEFF's lead byte 0xEF sorts last).
want=$'dev-\\u{202E}gnp.exe\niso\\u{2066}x\\u{2069}-03\nplain-01\nzw\\u{200B}sp\\u{200B}-04\n\\u{FEFF}bom-05'
check "sorted by client id, one id per row" test "$(grid_ids)" == "$want"
# No raw format character reached the terminal.
raw=$(printf '\u202e|\u2066|\u2069|\u200b|\ufeff')
check "no raw format characters on screen" bash -c '! grep -qE "$1" <<<"$2"' _ "$raw" "$s"
# Every row's IP column starts in the same terminal column (characters
# counted in the UTF-8 locale; the escapes are plain ASCII).
cols=$(screen | LC_ALL=C.UTF-8 awk '/10\.0\.0\./ { print index($0, "10.0.0.") }' | sort -u)
check "five rows with an IP" test "$(screen | grep -c '10\.0\.0\.')" == 5
check "IP column aligned on every row (at $cols)" test "$(wc -l <<<"$cols")" == 1
keys C-c
check "Ctrl-C quits with 0" wait_for "EXIT=0"
finish
