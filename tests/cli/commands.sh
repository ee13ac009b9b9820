#!/usr/bin/env bash
# The command table (tui/commands.c) as a user meets it: every command's
# -h/--help, the same error for unknown options and commands, the same
# config and journal resolution (-c, $THINGTOP_CONFIG, journal.path), one
# "no journal at" message, sizes like 1.5G in the config, theme names that
# agree, and `thingtop help columns` covering core's column table.
# usage: commands.sh THINGTOP SOURCE_DIR
set -uo pipefail
thingtop=$1 src=$2
. "$(dirname "$0")/lib.sh"
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_STATE_HOME=$tmp/home/.state
unset THINGTOP_CONFIG
mkdir -p "$HOME"

not_contains() { ! grep -qF -- "$2" "$1"; }

# The commands, read from the table's source, not from the program.
cmds=$(sed -n 's/^\t\t\.name = "\([a-z]*\)",$/\1/p' "$src/tui/commands.c")
check "the table names commands" test "$(echo "$cmds" | wc -w)" -ge 10
# Options each command takes, from the bash completion (written apart).
completion_opts() { # completion_opts CMD: the options the completion offers after CMD
  sed -n "s/^\t$1) opts=\"\(.*\)\" ;;\$/\1/p" "$src/tui/completions/thingtop.bash"
}

for c in $cmds ""; do
  name="thingtop${c:+ $c}"
  "$thingtop" $c -h >"$tmp/h.out" 2>"$tmp/h.err"
  check_eq "$name -h exit status" "$?" 0
  check "$name -h starts with its usage" grep -q "^Usage: $name" "$tmp/h.out"
  check "$name -h writes nothing on stderr" test ! -s "$tmp/h.err"
  # Read on an 80-column terminal over SSH: no line wraps.
  check_eq "$name -h lines over 80 columns" "$(awk 'length > 80' "$tmp/h.out")" ""
  "$thingtop" $c --help >"$tmp/help.out" 2>&1
  check "$name --help = -h" cmp -s "$tmp/h.out" "$tmp/help.out"
  if [[ -n $c ]]; then
    "$thingtop" help "$c" >"$tmp/help.out" 2>&1
    check "thingtop help $c = $name -h" cmp -s "$tmp/h.out" "$tmp/help.out"
    # Full usage: every option the completion offers is described.
    for o in $(completion_opts "$c"); do
      grep -qE -- "(^|[ ,\[])$o([] ,=]|$)" "$tmp/h.out" || fail "$name -h does not describe $o"
    done
  fi
  check "$name -h describes -h, --help" grep -q -- "-h, --help" "$tmp/h.out"

  # The same error shape for an unknown option, exit 2 (check: 3, Nagios UNKNOWN).
  want=2; [[ $c == check ]] && want=3
  "$thingtop" $c --no-such-option >"$tmp/e.out" 2>"$tmp/e.err"
  check_eq "$name --no-such-option exit status" "$?" "$want"
  check_eq "$name: the error names the option" "$(head -1 "$tmp/e.err")" \
    "$name: unknown option '--no-such-option'"
  check "$name: the error shows the usage's synopsis" grep -q "^Usage: $name" "$tmp/e.err"
  check_eq "$name: the error says where to read more" "$(tail -1 "$tmp/e.err")" \
    "Try '$name --help' for more."
  check "$name: the error is not the full usage" not_contains "$tmp/e.err" "-h, --help"
done

# What a command opens, said the same way for each (from the table).
for c in export check journal import record replay ""; do
  "$thingtop" $c -h | grep -qF 'config   -c FILE, else $THINGTOP_CONFIG, else' ||
    fail "thingtop $c -h does not say how it finds its config"
  "$thingtop" $c -h | grep -qF "journal  -j FILE, else the config's journal.path, else the default" ||
    fail "thingtop $c -h does not say how it finds its journal"
done
check "thingtop simulate opens no journal" not_contains <("$thingtop" simulate -h) "Opens:"

# A bogus command: exit 2, every command of the table listed.
"$thingtop" frobnicate >/dev/null 2>"$tmp/bogus.err"
check_eq "a bogus command exit status" "$?" 2
check "a bogus command is named" grep -q "unknown command 'frobnicate'" "$tmp/bogus.err"
for c in $cmds; do
  grep -qw -- "$c" "$tmp/bogus.err" || fail "the bogus-command error does not list '$c'"
done
# thingtop --help lists every command too.
"$thingtop" --help >"$tmp/main.txt"
for c in $cmds; do
  grep -qE "^  $c +[a-zA-Z]" "$tmp/main.txt" || fail "thingtop --help does not list '$c'"
done

# Theme names: the monitor's usage == themes/*.theme == the example config.
usage_themes=$("$thingtop" --help | sed -n 's/^  --theme NAME *\(.*\) or FILE\.theme$/\1/p' |
  tr -d ' ' | tr ',' '\n' | sort)
file_themes=$(cd "$src/themes" && ls *.theme | sed 's/\.theme$//' | sort)
config_themes=$(sed -n '/# Colour theme:/,/theme = /p' "$src/config/thingtop.conf" | sed 's/#//' |
  tr -d '\n' | sed 's/.*Colour theme: default (built in),//; s/, or the path.*//' | tr -d ' ' |
  tr ',' '\n' | sort)
check "the usage names themes" test -n "$usage_themes"
check_eq "theme names: usage = themes/" "$usage_themes" "$file_themes"
check_eq "theme names: example config = themes/" "$config_themes" "$file_themes"

# thingtop help columns: every column of core's table, each with a meaning,
# and every flag value.
"$thingtop" help columns >"$tmp/columns.txt"
check_eq "help columns exit status" "$?" 0
cols=$(sed -n 's/^\t\[COL_[A-Z_]*\] = {COL_[A-Z_]*, "\([a-z_]*\)".*/\1/p' "$src/core/view_columns.c")
check "core/view_columns.c has columns" test "$(echo "$cols" | wc -w)" -ge 13
for c in $cols; do
  grep -qE "^  $c +[a-zA-Z]" "$tmp/columns.txt" || fail "help columns does not define '$c'"
done
for f in settling flapping uncertain; do
  grep -qE "^  $f +[a-z]" "$tmp/columns.txt" || fail "help columns does not define flag '$f'"
done
check "help columns says what since measures" grep -qi "device's timestamp" "$tmp/columns.txt"
check "help columns says what since_received measures" grep -qi "receive time" "$tmp/columns.txt"
"$thingtop" help nonsense >/dev/null 2>&1
check_eq "help on an unknown topic exit status" "$?" 2

# A journal named by journal.path in $THINGTOP_CONFIG: every command finds it.
printf '{"clientId":"a","timestamp":1767225600000,"eventType":"connected","sessionIdentifier":"s"}\n' \
  >"$tmp/one.ndjson"
mkdir -p "$tmp/conf"
j=$tmp/configured/j.db
printf 'journal: { path = "%s"; };\n' "$j" >"$tmp/conf/tt.conf"
export THINGTOP_CONFIG=$tmp/conf/tt.conf
"$thingtop" import -q "$tmp/one.ndjson" 2>"$tmp/imp.err"
check_eq "import with THINGTOP_CONFIG (journal.path)" "$?" 0
check "import wrote the configured journal" test -s "$j"
"$thingtop" journal info >"$tmp/info.txt" 2>"$tmp/info.err"
check_eq "journal info with THINGTOP_CONFIG exit status" "$?" 0
check "journal info reads journal.path" grep -qF "$j" "$tmp/info.txt"
check_eq "journal info: one thing" "$(awk '$1 == "things" { print $2 }' "$tmp/info.txt")" 1
check_eq "export with THINGTOP_CONFIG: the same journal" \
  "$("$thingtop" export --columns client_id | tail -1)" "a"
"$thingtop" check --filter status:connected --warning 5 --critical 9 >"$tmp/check.txt"
check_eq "check with THINGTOP_CONFIG exit status" "$?" 0
# -j still wins over journal.path.
"$thingtop" journal info -j "$tmp/other.db" >/dev/null 2>"$tmp/other.err"
check_eq "-j over journal.path: a missing journal exit status" "$?" 1

# 1.5G in the config, and what is not a size.
printf 'journal: { path = "%s"; max_size = "1.5G"; };\n' "$j" >"$tmp/conf/tt.conf"
"$thingtop" journal info >/dev/null 2>&1
check_eq "journal info with max_size = \"1.5G\" in THINGTOP_CONFIG" "$?" 0
printf 'journal: { max_size = "1.5X"; };\n' >"$tmp/conf/bad.conf"
"$thingtop" journal info -c "$tmp/conf/bad.conf" -j "$j" >/dev/null 2>"$tmp/bad.err"
check_eq "max_size 1.5X exit status" "$?" 1
check "max_size 1.5X: names the setting" grep -q "max_size" "$tmp/bad.err"
for size in 1.5G 2G 512M 64k 1.5GB 100; do
  printf 'journal: { max_size = "%s"; };\n' "$size" >"$tmp/conf/size.conf"
  "$thingtop" journal info -c "$tmp/conf/size.conf" -j "$j" >/dev/null 2>&1 ||
    fail "max_size \"$size\" in the config is refused"
  "$thingtop" journal prune -j "$j" --max-size "$size" >/dev/null 2>&1 ||
    fail "--max-size $size is refused"
done
for size in 1.5X -1G G .G 1..5G inf 0x10; do
  printf 'journal: { max_size = "%s"; };\n' "$size" >"$tmp/conf/size.conf"
  "$thingtop" journal info -c "$tmp/conf/size.conf" -j "$j" >/dev/null 2>&1 &&
    fail "max_size \"$size\" in the config is accepted"
  "$thingtop" journal prune -j "$j" --max-size "$size" >/dev/null 2>&1 &&
    fail "--max-size $size is accepted"
done
unset THINGTOP_CONFIG

# One message for a missing journal, whichever command reads it.
missing=$tmp/none/missing.db
want="no journal at $missing (make one with thingtop record or thingtop import, or give the right -j FILE)"
for args in "export -j $missing" "journal info -j $missing" "journal vacuum -j $missing" \
  "check -j $missing -w 1 -C 2" "replay $missing --export -" "replay $missing --alerts" \
  "--no-connect -j $missing"; do
  "$thingtop" $args >/dev/null 2>"$tmp/missing.err"
  [[ $? -ne 0 ]] || fail "thingtop $args: succeeds on a missing journal"
  grep -qF "$want" "$tmp/missing.err" || fail "thingtop $args: says '$(cat "$tmp/missing.err")'"
done
check "a reader made no journal" test ! -e "$missing"
finish
