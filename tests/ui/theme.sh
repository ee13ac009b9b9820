#!/bin/bash
# Themes: a broken theme file is reported with file and line and the default
# is used; every shipped theme loads; :theme switches live.
. "$(dirname "$0")/lib.sh"
make_journal
printf 'name = "broken";\nnormal = { fg = "default"; };\nheader = { fg = "blu"; };\n' >"$DIR/broken.theme"

start 100 24 -j "$DIR/j.db" --no-connect --theme "$DIR/broken.theme"
check "error names file and line" wait_for "broken.theme:3: unknown colour"
check "still running with the default" grep -qF "7/7" <<<"$(screen)"

for t in dark light 16color high-contrast mono; do
	keys :
	literal "theme $HERE/../../themes/$t.theme"
	keys Enter
	check "theme $t loads" grep -qF "theme: $t" <<<"$(screen)"
done
keys :
literal "theme nosuch"
keys Enter
check "unknown theme reported" grep -qF 'theme "nosuch" not found' <<<"$(screen)"
# A folder, or a file that includes one: an error, and the monitor goes on
# (libconfig alone would end the program).
mkdir "$DIR/folder.theme"
keys :
literal "theme $DIR/folder.theme"
keys Enter
check "folder as theme reported" grep -qF 'folder.theme: is a folder, not a config file' <<<"$(screen)"
printf 'name = "inc";\n@include "%s"\n' "$DIR/folder.theme" >"$DIR/inc.theme"
keys :
literal "theme $DIR/inc.theme"
keys Enter
check "included folder reported" grep -qF 'inc.theme:2: @include' <<<"$(screen)"
check "still running after both" grep -qF "7/7" <<<"$(screen)"
finish
