#!/usr/bin/env bash
# The one test command: bash tools/test.sh [extra bazel args, e.g. //core/...]
# Runs `bazel test` (default target //...), then prints, as the very last line,
#   N passed, N failed[, N skipped]
# counted over gtest cases of THIS invocation (read from Bazel's build event
# protocol file, so stale bazel-testlogs never count). A test target that fails
# without a gtest failure in its XML (crash, timeout, build failure) counts as 1
# failed. Exits non-zero if Bazel failed or any test failed.
set -uo pipefail
cd "$(dirname "$0")/.."

# Tests find models/golden data through $EDGELLM_SHARED (passed by .bazelrc
# `test --test_env=EDGELLM_SHARED`); ../shared is not visible in the sandbox.
if [[ -z ${EDGELLM_SHARED:-} && -d ../shared ]]; then
  EDGELLM_SHARED=$(cd ../shared && pwd)
fi
[[ -n ${EDGELLM_SHARED:-} ]] && export EDGELLM_SHARED
echo "EDGELLM_SHARED=${EDGELLM_SHARED:-<unset>}"

bep=$(mktemp "${TMPDIR:-/tmp}/edgellm-bep.XXXXXX.json")
trap 'rm -f "$bep"' EXIT

# Default target //... unless the caller named one (any argument not starting with -).
targets=(//...)
for a in "$@"; do [[ $a != -* ]] && targets=(); done
bazel test --keep_going --build_event_json_file="$bep" "$@" "${targets[@]}"
rc=$?

python3 - "$bep" "$rc" <<'PY'
import json, sys, xml.etree.ElementTree as ET
from urllib.parse import urlparse, unquote

bep, rc = sys.argv[1], int(sys.argv[2])
results = {}      # (label, run, shard) -> (status, xml path); last attempt wins
tests, broken = set(), set()
for line in open(bep):
    ev = json.loads(line)
    eid = ev.get("id", {})
    if "targetConfigured" in eid and "testSize" in ev.get("configured", {}):
        tests.add(eid["targetConfigured"]["label"])
    elif "testResult" in eid:
        t, r = eid["testResult"], ev.get("testResult", {})
        xml = next((unquote(urlparse(f["uri"]).path) for f in r.get("testActionOutput", [])
                    if f.get("name") == "test.xml" and "uri" in f), None)
        results[(t["label"], t.get("run", 1), t.get("shard", 1))] = (r.get("status", "NO_STATUS"), xml)
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
line = f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
print(line)
sys.exit(1 if failed or rc not in (0, 4) else 0)
PY
