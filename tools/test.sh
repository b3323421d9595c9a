#!/usr/bin/env bash
# The one test command: bash tools/test.sh [extra bazel args, e.g. //core/...]
# Runs `bazel test` for this machine (default target //...), then, on a full run (no targets
# named), the aarch64 suite: the NEON build (--config=aarch64, Debian's cross compiler) of the
# plugins and the tests that exercise them, run under qemu-aarch64. Prints, as the very last line,
#   N passed, N failed[, N skipped]
# counted over gtest cases of THESE invocations (read from one Bazel build event protocol file per
# invocation, so stale bazel-testlogs never count). A test target that fails without a gtest
# failure in its XML (crash, timeout, build failure) counts as 1 failed. On a full run it also runs
# README's main-job commands as written (tools/check_readme_main_job.sh: the server answering a
# real generation request), which counts as one test. Exits non-zero if Bazel failed or any test
# failed.
#
# EDGELLM_TEST_AARCH64: auto (default: the aarch64 suite on full runs only), 1 (also with named
# targets; fails when the cross toolchain or qemu is missing), 0 (never).
set -uo pipefail
cd "$(dirname "$0")/.."

# Tests find models/golden data through $EDGELLM_SHARED (passed by .bazelrc
# `test --test_env=EDGELLM_SHARED`); ../shared is not visible in the sandbox.
if [[ -z ${EDGELLM_SHARED:-} && -d ../shared ]]; then
  EDGELLM_SHARED=$(cd ../shared && pwd)
fi
[[ -n ${EDGELLM_SHARED:-} ]] && export EDGELLM_SHARED
echo "EDGELLM_SHARED=${EDGELLM_SHARED:-<unset>}"

if ! command -v bazel >/dev/null; then
  echo "bazel not found: run tools/install_deps.sh first (README, Set-up)"
  echo "0 passed, 1 failed"
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/edgellm-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
runs=()   # "bep-file rc" per bazel invocation

# One bazel test invocation with its own BEP file.
run_bazel_test() {
  local bep="$tmp/bep.${#runs[@]}.json"
  bazel test --keep_going --build_event_json_file="$bep" "$@"
  runs+=("$bep $?")
}

# Default target //... unless the caller named one (any argument not starting with -).
targets=(//...)
named=0
for a in "$@"; do [[ $a != -* ]] && targets=() && named=1; done
run_bazel_test "$@" "${targets[@]}"

# README's main job, as written there: counted as one test ("check" entry).
if [[ $named == 0 ]]; then
  bash tools/check_readme_main_job.sh
  runs+=("check $?")
fi

# The aarch64 suite: every NEON kernel against the golden vectors, the plugin host, the formats'
# own tests, attention's batch invariance and model parity with llama.cpp on the scalar and
# neon backends, on an emulated CPU with every extension (QEMU_CPU=max, .bazelrc); then the
# kernels and the neon backend again on an emulated Cortex-A72 (Raspberry Pi 4: no dotprod, no
# fp16 arithmetic), where the host must pick the plain NEON entries and those must not use the
# extensions (qemu raises SIGILL if they do).
aarch64_mode=${EDGELLM_TEST_AARCH64:-auto}
aarch64_missing=()
for tool in aarch64-linux-gnu-gcc qemu-aarch64; do
  command -v "$tool" >/dev/null || aarch64_missing+=("$tool")
done
[[ -e /usr/lib/aarch64-linux-gnu/libgtest.a ]] || aarch64_missing+=("libgtest-dev:arm64")
if [[ $aarch64_mode == 1 || ($aarch64_mode == auto && $named == 0) ]]; then
  if [[ ${#aarch64_missing[@]} -gt 0 ]]; then
    echo "aarch64 suite: missing ${aarch64_missing[*]} (run tools/install_deps.sh)"
    [[ $aarch64_mode == 1 ]] && runs+=("- 1")
  else
    start=$SECONDS
    run_bazel_test --config=aarch64 --build_tests_only \
      //tests/golden:quant_golden_test //tests/golden:model_golden_test \
      //tests/core:plugin_registry_test //tests/core:cpu_features_test \
      //tests/core:dropin_format_test //tests/model:attention_test //quant_formats/...
    run_bazel_test --config=aarch64 --test_env=QEMU_CPU=cortex-a72 \
      --test_filter='AllTypes/*:*_neon' //tests/golden:quant_golden_test \
      //tests/golden:model_golden_test
    echo "aarch64 suite (cross build + qemu): $((SECONDS - start)) s"
  fi
fi

python3 - "${runs[@]}" <<'PY'
import json, sys, xml.etree.ElementTree as ET
from urllib.parse import urlparse, unquote


def count(bep, rc):
    """(passed, failed, skipped) of one bazel test invocation from its BEP file."""
    results = {}      # (label, run, shard) -> (status, xml path); last attempt wins
    tests, broken = set(), set()
    try:
        events = [json.loads(line) for line in open(bep)]
    except (OSError, ValueError) as e:
        print(f"test.sh: no readable build event file from bazel ({e})", file=sys.stderr)
        return 0, 1, 0
    for ev in events:
        eid = ev.get("id", {})
        if "targetConfigured" in eid and "testSize" in ev.get("configured", {}):
            tests.add(eid["targetConfigured"]["label"])
        elif "testResult" in eid:
            t, r = eid["testResult"], ev.get("testResult", {})
            xml = next((unquote(urlparse(f["uri"]).path) for f in r.get("testActionOutput", [])
                        if f.get("name") == "test.xml" and "uri" in f), None)
            results[(t["label"], t.get("run", 1), t.get("shard", 1))] = (
                r.get("status", "NO_STATUS"), xml)
        elif "targetCompleted" in eid and not ev.get("completed", {}).get("success", False):
            broken.add(eid["targetCompleted"]["label"])   # failed to build, or aborted
        elif "testSummary" in eid and ev.get("testSummary", {}).get("overallStatus") not in (
                None, "PASSED", "FLAKY"):
            broken.add(eid["testSummary"]["label"])

    passed = failed = skipped = 0
    for (label, _, _), (status, xml) in sorted(results.items()):
        p = f = s = 0
        try:
            for tc in ET.parse(xml).getroot().iter("testcase"):
                if tc.find("failure") is not None or tc.find("error") is not None:
                    f += 1
                elif (tc.find("skipped") is not None or tc.get("status") == "notrun"
                      or tc.get("result") == "skipped"):
                    s += 1
                else:
                    p += 1
        except (OSError, TypeError, ET.ParseError):
            pass
        if status not in ("PASSED", "FLAKY") and f == 0:
            f = 1          # crashed / timed out / bad exit without a recorded gtest failure
        if p + f + s == 0:
            p = 1          # a passing test that wrote no test cases (e.g. sh_test)
        passed, failed, skipped = passed + p, failed + f, skipped + s

    ran = {k[0] for k in results}
    failed += len((broken & tests) - ran)         # test targets that never ran
    if rc not in (0, 3, 4) and failed == 0:        # 3: tests failed, 4: no tests found
        failed = 1                                # Bazel itself failed (e.g. analysis error)
    return passed, failed, skipped


passed = failed = skipped = 0
bad_exit = False
for run in sys.argv[1:]:
    bep, rc = run.rsplit(" ", 1)
    rc = int(rc)
    # "-": a suite that could not run at all (its reason is printed above);
    # "check": one scripted check, passed when its exit status is 0.
    if bep == "-":
        p, f, s = 0, 1, 0
    elif bep == "check":
        p, f, s = (1, 0, 0) if rc == 0 else (0, 1, 0)
        rc = 0 if rc == 0 else 1
    else:
        p, f, s = count(bep, rc)
    passed, failed, skipped = passed + p, failed + f, skipped + s
    bad_exit |= rc not in (0, 4)
line = f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
print(line)
sys.exit(1 if failed or bad_exit else 0)
PY
