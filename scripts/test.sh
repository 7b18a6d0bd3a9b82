#!/usr/bin/env bash
# Runs every test: a normal build, then the whole suite again under AddressSanitizer and
# UndefinedBehaviorSanitizer, then the tests of suite "threads" under ThreadSanitizer (only
# those are built there: the rest starts no threads of its own), then the fuzz targets for a
# bounded time (scripts/fuzz.sh; FUZZ_SECONDS per target). Vulkan validation is on in the
# tests (TALKIE_VALIDATION=1).
# Ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1

passed=0 failed=0 skipped=0
run_suite() {  # build dir, meson options...
  local dir=$1; shift
  { [ -d "$dir" ] || meson setup "$dir" "$@"; } && ninja -C "$dir" || { failed=$((failed + 1)); return; }
  meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier 3
  count_results "$dir"
}

# Only the tests of suite "threads": their executables are built, then run.
run_threads_suite() {  # build dir, meson options...
  local dir=$1; shift
  [ -d "$dir" ] || meson setup "$dir" "$@" || { failed=$((failed + 1)); return; }
  # An existing build dir regenerates first, so that the list of tests is current.
  ninja -C "$dir" build.ninja >/dev/null || { failed=$((failed + 1)); return; }
  local targets
  targets=$(meson introspect "$dir" --tests | python3 -c '
import json, os, sys
for t in json.load(sys.stdin):
    if any(s.endswith(":threads") for s in t["suite"]):
        print(os.path.relpath(t["cmd"][0], os.path.abspath(sys.argv[1])))' "$dir")
  # (unquoted: one ninja target per line)
  # shellcheck disable=SC2086
  ninja -C "$dir" $targets || { failed=$((failed + 1)); return; }
  meson test -C "$dir" --no-rebuild --suite threads --print-errorlogs --num-processes 2 \
    --timeout-multiplier 3
  count_results "$dir"
}

count_results() {  # build dir
  local log="$1/meson-logs/testlog.json"
  if [ -f "$log" ]; then
    read -r p f s < <(python3 -c '
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)' "$log")
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  else
    failed=$((failed + 1))
  fi
}

export VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-/usr/share/vulkan/icd.d/lvp_icd.x86_64.json}
# The npm package's test dependencies (werift, playwright-core), from the committed lockfile.
# Without them (no npm, no registry) the WebRTC test skips.
if command -v npm >/dev/null && [ -f node/package-lock.json ]; then
  (cd node && npm ci --no-audit --no-fund --loglevel=error) ||
    echo "test.sh: npm ci failed in node/: the tests that need werift/playwright-core skip" >&2
fi
run_suite build-test --buildtype=debugoptimized
run_suite build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
run_threads_suite build-tsan --buildtype=debug -Db_sanitize=thread -Db_lundef=false
# libFuzzer targets (clang, ASan + UBSan), each for a bounded time: one count per target.
fuzz_log=$(mktemp)
bash scripts/fuzz.sh | tee "$fuzz_log"
read -r fp ff fs < <(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$fuzz_log") ||
  { fp=0 ff=1 fs=0; }  # no summary line: the fuzz step itself broke
rm -f "$fuzz_log"
passed=$((passed + fp)) failed=$((failed + ff)) skipped=$((skipped + fs))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
