#!/usr/bin/env bash
# Builds thingtop and runs the whole test suite three ways: a normal build
# (warnings are errors), a sanitizer build (address, undefined) and, when
# clang is there, each libFuzzer harness briefly on its seed corpus.
# Ends with one line "N passed, N failed, N skipped", and the time of each
# stage. TEST_PROCESSES (default 2, one a core) tests run at once; 3 is
# faster on 2 cores but not yet shown stable over several runs.
# FUZZ_SECONDS (default 30) each harness runs; two at a time, one a core.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0 skipped=0

setup() { # setup DIR [meson options...]
  local dir=$1; shift
  if [[ -d $dir ]]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

# Runs meson test and adds its summary to the totals.
run_suite() { # run_suite NAME DIR [meson test options...]
  local name=$1 dir=$2; shift 2
  local log
  log=$(mktemp)
  echo "=== $name"
  meson test -C "$dir" --print-errorlogs --num-processes "${TEST_PROCESSES:-2}" "$@" 2>&1 | tee "$log" | grep -vE '^ *[0-9]+/[0-9]+ .* OK ' || true
  local ok fail skip timeout
  ok=$(awk '/^Ok:/ {print $2}' "$log"); fail=$(awk '/^Fail:/ {print $2}' "$log")
  skip=$(awk '/^Skipped:/ {print $2}' "$log"); timeout=$(awk '/^Timeout:/ {print $2}' "$log")
  if [[ -z $ok ]]; then
    echo "meson test ($name) did not finish" >&2
    failed=$((failed + 1))
  fi
  passed=$((passed + ${ok:-0})); failed=$((failed + ${fail:-0} + ${timeout:-0})); skipped=$((skipped + ${skip:-0}))
  rm -f "$log"
}

build() { # build DIR
  if ! ninja -C "$1" >/dev/null; then
    ninja -C "$1" | tail -40
    echo "build in $1 failed" >&2
    failed=$((failed + 1))
    return 1
  fi
}

export LC_ALL=C.UTF-8

# stage NAME: prints how long the stage before it took.
stage_start=$SECONDS stage_name=
stage() {
  [[ -z $stage_name ]] || echo "--- $stage_name: $((SECONDS - stage_start)) s"
  stage_name=$1 stage_start=$SECONDS
}

stage "build and tests"

setup build-test --werror --buildtype=debugoptimized && build build-test &&
  run_suite "tests" build-test

stage "sanitizer build and tests"
setup build-san --werror --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false &&
  build build-san &&
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp run_suite "tests under address+undefined sanitizers" build-san

# fuzz HARNESS: runs it on a copy of its seed corpus; its log on failure.
fuzz() {
  local harness=$1 name corpus
  name=$(basename "$harness")
  corpus=$(mktemp -d)
  cp tests/fuzz/corpus_"${name#fuzz_}"/* "$corpus"/ 2>/dev/null
  if "$harness" -max_total_time="${FUZZ_SECONDS:-30}" -print_final_stats=0 "$corpus" \
       >"$corpus.log" 2>&1; then
    rm -rf "$corpus" "$corpus.log"
    return 0
  fi
  echo "=== $name failed:"
  tail -30 "$corpus.log"
  rm -rf "$corpus" "$corpus.log"
  return 1
}

stage "fuzzers"
if command -v clang >/dev/null; then
  if CC=clang setup build-fuzz --buildtype=debug -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false &&
     build build-fuzz; then
    # Two harnesses at a time (2 cores): each still gets its full time.
    pids=()
    for harness in build-fuzz/tests/fuzz/fuzz_*; do
      [[ -f $harness && -x $harness ]] || continue
      echo "=== $(basename "$harness") (${FUZZ_SECONDS:-30} s)"
      fuzz "$harness" &
      pids+=($!)
      if [[ ${#pids[@]} -ge 2 ]]; then
        if wait "${pids[0]}"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
        pids=("${pids[@]:1}")
      fi
    done
    for pid in "${pids[@]}"; do
      if wait "$pid"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    done
  fi
else
  echo "clang not found: fuzzers not run"
fi
stage ""
echo "--- all: $SECONDS s"

echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
