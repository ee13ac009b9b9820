#!/bin/bash
# Config-file errors as the user sees them: file, line, setting, and a
# suggestion for a misspelt name; the command refuses to run.
set -u
TT=$1
WORK=$(mktemp -d /tmp/thingtop-cfg.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
printf 'broker: {\n  host = "localhost";\n  prot = 1883;\n};\n' > "$WORK/a.conf"
"$TT" record -c "$WORK/a.conf" -j "$WORK/j.db" 2>"$WORK/a.err" && fail "record ran with a bad config"
grep -qF "$WORK/a.conf:3: unknown setting broker.prot (did you mean broker.port?)" "$WORK/a.err" \
	|| { cat "$WORK/a.err"; fail "misspelt setting"; }
printf '# comment\nbroker: { qos = "one"; };\n' > "$WORK/b.conf"
THINGTOP_CONFIG=$WORK/b.conf "$TT" record -j "$WORK/j.db" 2>"$WORK/b.err" && fail "record ran with a bad type"
grep -qF "$WORK/b.conf:2: broker.qos: expected an integer, got a string" "$WORK/b.err" \
	|| { cat "$WORK/b.err"; fail "bad type"; }
"$TT" record -c "$WORK/missing.conf" -j "$WORK/j.db" 2>"$WORK/c.err" && fail "record ran without its config"
grep -qF "$WORK/missing.conf: No such file or directory" "$WORK/c.err" || { cat "$WORK/c.err"; fail "missing file"; }
# A folder as config, as an @include, or as journal: one line saying so
# (libconfig alone ends the program with "input in flex scanner failed").
mkdir "$WORK/folder"
"$TT" export -c "$WORK/folder" -j "$WORK/j.db" 2>"$WORK/d.err" && fail "export ran with a folder as config"
[ "$(cat "$WORK/d.err")" = "thingtop export: $WORK/folder: is a folder, not a config file" ] ||
	{ cat "$WORK/d.err"; fail "folder as config"; }
printf '@include "%s"\n' "$WORK/folder" >"$WORK/inc.conf"
"$TT" record -c "$WORK/inc.conf" -j "$WORK/j.db" 2>"$WORK/e.err" && fail "record ran with an included folder"
[ "$(cat "$WORK/e.err")" = "thingtop record: $WORK/inc.conf:1: @include \"$WORK/folder\": is a folder, not a config file" ] ||
	{ cat "$WORK/e.err"; fail "included folder"; }
head -c 1100000 /dev/zero | tr '\0' '#' >"$WORK/huge.conf"
"$TT" record -c "$WORK/huge.conf" -j "$WORK/j.db" 2>"$WORK/f.err" && fail "record ran with a 1.1 MB config"
grep -qF "$WORK/huge.conf: 1100000 bytes, over the 1048576-byte limit for a config file" "$WORK/f.err" ||
	{ cat "$WORK/f.err"; fail "huge config"; }
for cmd in record import export; do
	args=(-c /dev/null -j "$WORK/folder")
	[ $cmd = import ] && args+=(/dev/null)
	"$TT" $cmd "${args[@]}" 2>"$WORK/g.err" >/dev/null && fail "$cmd ran with a folder as journal"
	grep -qF "journal $WORK/folder is a folder, not a file" "$WORK/g.err" ||
		{ cat "$WORK/g.err"; fail "$cmd: folder as journal"; }
	[ "$(wc -l <"$WORK/g.err")" = 1 ] || { cat "$WORK/g.err"; fail "$cmd: more than one line"; }
done
echo "ok: config errors name file, line and setting; folders and huge files refused in one line"
