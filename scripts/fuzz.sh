#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang under ASan + UBSan (build dir
# build-fuzz) and runs each one twice:
#   1. once over its checked-in corpus and regression inputs (-runs=0): a quick regression
#      check;
#   2. fuzzing for FUZZ_SECONDS (default 45) from that corpus, new inputs kept in a scratch
#      folder under build-fuzz.
# Any crash, leak, sanitizer report or failed check fails the target; the input that did it
# is saved as build-fuzz/fuzz-out/<target>/crash-* (copy it to tests/fuzz/regressions/<target>/
# once fixed, so every later run replays it). Logs: build-fuzz/fuzz-out/<target>.log.
# Ends with one line "fuzz: N passed, N failed, N skipped" (one count per target).
#
#     bash scripts/fuzz.sh                       # every target
#     FUZZ_SECONDS=600 bash scripts/fuzz.sh nal  # one target, longer
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-45}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(conversation h264_headers nal serve_request line_audio)
dir=build-fuzz
out=$dir/fuzz-out
passed=0 failed=0 skipped=0

if ! command -v clang >/dev/null; then
  echo "fuzz: clang not found (scripts/deps.sh installs it); skipping" >&2
  echo "fuzz: 0 passed, 0 failed, ${#targets[@]} skipped"
  exit 0
fi

if ! { [ -d "$dir" ] || CC=clang meson setup "$dir" -Dfuzz=true --buildtype=debugoptimized \
         -Db_sanitize=address,undefined -Db_lundef=false; } ||
   ! ninja -C "$dir" -j 2 "${targets[@]/#/tests/fuzz/fuzz_}"; then
  echo "fuzz: the fuzz build failed" >&2
  echo "fuzz: 0 passed, ${#targets[@]} failed, 0 skipped"
  exit 1
fi

# Leaks fail a run; a sanitizer report stops it with the stack.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:verify_asan_link_order=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp

# Runs a fuzzer into its log; the reader's per-line warnings would drown the log, so they
# are dropped (the fuzzer's exit status is what counts).
run_fuzzer() {  # target, log, fuzzer arguments...
  local t=$1 log=$2; shift 2
  "$dir/tests/fuzz/fuzz_$t" "$@" 2>&1 | grep -v ': warning: unknown field' >"$log"
  return "${PIPESTATUS[0]}"
}

for t in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/$t regressions=tests/fuzz/regressions/$t
  work=$out/$t
  rm -rf "$work" && mkdir -p "$work/new"
  start=$SECONDS
  dict=()  # tests/fuzz/<target>.dict: words of its input format for the mutator
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  if ! run_fuzzer "$t" "$out/$t.log" -runs=0 "$corpus" "$regressions"; then
    what="replaying $corpus and $regressions"
  elif ! run_fuzzer "$t" "$out/$t.log" -max_total_time="$seconds" -timeout=10 \
           -artifact_prefix="$work/" "${dict[@]}" "$work/new" "$corpus" "$regressions"; then
    what="fuzzing"
  else
    echo "fuzz: $t: ok in $((SECONDS - start)) s ($(sed -n 's/^#\([0-9]*\)\tDONE .*exec\/s: \([0-9]*\).*/\1 inputs, \2 per second/p' "$out/$t.log"))"
    passed=$((passed + 1))
    continue
  fi
  failed=$((failed + 1))
  echo "fuzz: $t: FAILED while $what; the end of $out/$t.log:" >&2
  tail -n 40 "$out/$t.log" >&2
  ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null |
    sed 's/^/fuzz: input saved as /' >&2
done
echo "fuzz: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
