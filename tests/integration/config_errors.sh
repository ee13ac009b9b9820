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
echo "ok: config errors name file, line and setting"
