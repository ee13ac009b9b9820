# Shared by the CLI test scripts: a temp dir, checks that count, and the
# closing "N passed, N failed" line.
tmp=$(mktemp -d /tmp/thingtop-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAILED: $*" >&2; }
check() { # check DESCRIPTION COMMAND...: the command must succeed
  local what=$1; shift
  if "$@"; then ok; else fail "$what"; fi
}
check_eq() { # check_eq DESCRIPTION GOT WANT
  if [[ "$2" == "$3" ]]; then ok; else fail "$1: got [$2], want [$3]"; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
# Rows of CSV file $2 as seen by SQL query $3 over table $1 (sqlite3 parses the CSV).
csv_query() { # csv_query FILE SQL  (the file is table "t")
  sqlite3 :memory: -cmd ".import --csv '$1' t" "$2"
}
