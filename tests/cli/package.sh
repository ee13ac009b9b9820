#!/bin/bash
# What a distribution packages: `meson install --destdir` puts every file
# where it belongs (binary, themes, man pages, completions, the example
# config as documentation, the systemd unit with the configured bindir);
# the man pages are clean for mandoc; the installed binary finds its themes
# from its own prefix and has no source path compiled in; the completions
# load and complete. The man pages, the completion and the tables in the
# code name the same subcommands, columns and settings.
# usage: package.sh THINGTOP BUILD_DIR SOURCE_DIR
set -u
TT=$1 BUILD=$2 SRC=$3
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

DEST=$tmp/dest
meson install --no-rebuild --quiet -C "$BUILD" --destdir "$DEST" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; echo "FAIL: meson install"; exit 1; }
PREFIX=$(meson introspect "$BUILD" --buildoptions | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
ROOT=$DEST$PREFIX
(cd "$DEST" && find . -type f | sed 's|^\.||' | sort) >"$tmp/files"
for f in bin/thingtop share/thingtop/themes/dark.theme share/thingtop/themes/light.theme \
	share/thingtop/themes/16color.theme share/thingtop/themes/high-contrast.theme \
	share/thingtop/themes/mono.theme share/man/man1/thingtop.1 share/man/man5/thingtop.conf.5 \
	share/bash-completion/completions/thingtop share/zsh/site-functions/_thingtop \
	share/doc/thingtop/thingtop.conf lib/systemd/system/thingtop-record.service; do
	grep -qx "$PREFIX/$f" "$tmp/files" || fail "not installed: $PREFIX/$f"
done
echo "installed files:"; sed 's/^/  /' "$tmp/files"
grep -qx "ExecStart=$PREFIX/bin/thingtop record .*" "$ROOT/lib/systemd/system/thingtop-record.service" ||
	fail "the unit's ExecStart does not use the configured bindir"
grep -q "@BINDIR@" "$ROOT/lib/systemd/system/thingtop-record.service" && fail "placeholder left in the unit"

if command -v mandoc >/dev/null; then
	for page in "$ROOT/share/man/man1/thingtop.1" "$ROOT/share/man/man5/thingtop.conf.5"; do
		out=$(mandoc -T lint -W warning "$page" 2>&1)
		[ -z "$out" ] || fail "mandoc lint $(basename "$page"): $out"
	done
else
	echo "mandoc not installed: lint skipped"
fi

# No source or build path in the program (debug information aside): it
# finds themes from its own prefix.
strip --strip-debug -o "$tmp/thingtop.stripped" "$ROOT/bin/thingtop" || fail "strip"
grep -qaF "$(cd "$SRC" && pwd)" "$tmp/thingtop.stripped" && fail "the binary has the source folder compiled in"
grep -qaF "$(cd "$BUILD" && pwd)" "$tmp/thingtop.stripped" && fail "the binary has the build folder compiled in"
printf '{"clientId":"a","timestamp":1767225600000,"eventType":"connected","sessionIdentifier":"s"}\n' >"$tmp/one.ndjson"
"$ROOT/bin/thingtop" import -q -j "$tmp/j.db" "$tmp/one.ndjson" 2>/dev/null || fail "installed import"
if command -v tmux >/dev/null; then
	# The installed binary, moved away from the build, loads an installed theme.
	SOCK="thingtop-pkg-$$"
	trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
	tmux -L "$SOCK" -f /dev/null new-session -d -s ui -x 100 -y 24 \
		"env HOME=$tmp LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $ROOT/bin/thingtop --no-connect -j $tmp/j.db --theme high-contrast; sleep 20"
	sleep 1.5
	tmux -L "$SOCK" capture-pane -p -t ui >"$tmp/screen.txt"
	tmux -L "$SOCK" kill-server
	grep -q "1 connected" "$tmp/screen.txt" || { cat "$tmp/screen.txt"; fail "the installed monitor did not start"; }
	grep -q "theme" "$tmp/screen.txt" && { cat "$tmp/screen.txt"; fail "the installed monitor did not find its theme"; }
fi

# Completion: bash -n, and completing words.
bash -n "$ROOT/share/bash-completion/completions/thingtop" || fail "bash completion does not parse"
complete_words() { # complete_words WORD...: what completing the last word offers
	bash -c '
		[ -f /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion
		. "$0"
		COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		_thingtop
		printf "%s\n" "${COMPREPLY[@]}"' "$ROOT/share/bash-completion/completions/thingtop" "$@"
}
[ "$(complete_words thingtop ex)" = export ] || fail "thingtop ex<TAB> gives '$(complete_words thingtop ex)'"
[ "$(complete_words thingtop journal d)" = dump ] || fail "thingtop journal d<TAB>"
complete_words thingtop export --sort status,-s | grep -qx 'status,-since' || fail "sort columns do not complete"
complete_words thingtop --theme high | grep -qx high-contrast || fail "theme names do not complete"

# One list of each fact: the code's tables against the pages and completion.
cmds=$(sed -n 's/^\t\t\.name = "\([a-z]*\)",$/\1/p' "$SRC/tui/commands.c")
[ -n "$cmds" ] || fail "no subcommands found in tui/commands.c"
for c in $cmds; do
	"$TT" "$c" -h >"$tmp/help.txt" 2>&1 || fail "thingtop $c -h exits $?"
	grep -qi "usage" "$tmp/help.txt" || fail "thingtop $c -h prints no usage"
	grep -q "^\.It Nm Cm $c" "$SRC/tui/thingtop.1" || fail "thingtop.1 does not describe '$c'"
	complete_words thingtop "$c" | grep -qx "$c" || fail "the completion does not offer '$c'"
done
cols=$(sed -n 's/^\t\[COL_[A-Z_]*\] = {COL_[A-Z_]*, "\([a-z_]*\)".*/\1/p' "$SRC/core/view_columns.c")
[ -n "$cols" ] || fail "no columns found in core/view_columns.c"
for c in $cols; do
	grep -q "$c" <(sed -n '/^\.Sh COLUMNS/,/^\.Sh KEYS/p' "$SRC/tui/thingtop.1") || fail "thingtop.1 does not define column '$c'"
	complete_words thingtop export --sort "$c" | grep -qE "^$c\.?$" || fail "the completion does not offer column '$c'"
done
settings=$(sed -n 's/^\t{ "\([a-z_.]*\)", KIND_.*/\1/p' "$SRC/core/config.c")
[ -n "$settings" ] || fail "no settings found in core/config.c"
for s in $settings; do
	grep -q "Cm .*\b${s##*.}\b" <(grep -F "${s%%.*}" "$SRC/config/thingtop.conf.5"; grep -F "$s" "$SRC/config/thingtop.conf.5") ||
		fail "thingtop.conf.5 does not describe '$s'"
done
[ $FAILED = 0 ] && echo "ok: install, man pages, completions and the code's tables agree"
exit $FAILED
