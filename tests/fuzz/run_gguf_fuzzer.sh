#!/usr/bin/env bash
# Builds the GGUF reader's libFuzzer target (tests/fuzz/gguf_fuzzer.cc) with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer, seeds a corpus with small generated GGUF files (make_gguf_seeds)
# and the first 4 KiB of each shared model, and fuzzes for FUZZ_SECONDS (default 60).
# Exits non-zero when the fuzzer finds a crash, sanitizer report, leak, timeout or out-of-memory;
# the input that triggered it is kept (its path is printed) and, under `bazel test`, copied to the
# test's undeclared outputs.
#
# Usage: tests/fuzz/run_gguf_fuzzer.sh [extra libFuzzer flags]
# Env:   FUZZ_SECONDS    fuzzing time in seconds (default 60)
#        FUZZ_WORKDIR    build and corpus folder (default: a new temporary folder)
#        EDGELLM_SHARED  the shared folder, for model seeds (default: ../shared when present)
#        CXX             the clang driver (default clang++)
set -euo pipefail

if [[ -n ${TEST_SRCDIR:-} ]]; then  # under bazel test: sources come as runfiles
  root="$TEST_SRCDIR/${TEST_WORKSPACE:-edgellm}"
else
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fi
cxx=${CXX:-clang++}
if ! command -v "$cxx" >/dev/null; then
  echo "run_gguf_fuzzer: $cxx not found; install clang and libclang-rt-dev (tools/install_deps.sh)" >&2
  exit 1
fi
seconds=${FUZZ_SECONDS:-60}
work=${FUZZ_WORKDIR:-$(mktemp -d "${TEST_TMPDIR:-${TMPDIR:-/tmp}}/gguf_fuzz.XXXXXX")}
mkdir -p "$work/obj" "$work/corpus"

# Debian's Abseil, built with GCC, links fine into clang binaries (both use libstdc++).
read -r -a absl_libs <<<"$(pkg-config --libs absl_status absl_statusor absl_str_format absl_strings)"
lib_srcs=(core/gguf/ggml_type_names.cc core/gguf/gguf_file.cc core/gguf/gguf_value.cc
          core/gguf/gguf_writer.cc tests/gguf/test_type_layouts.cc)
cflags=(-std=c++17 -g -O1 -I"$root" -fsanitize=address,undefined -fno-sanitize-recover=all)

echo "run_gguf_fuzzer: building in $work"
objs=()
for src in "${lib_srcs[@]}"; do
  obj="$work/obj/$(basename "$src" .cc).o"
  "$cxx" "${cflags[@]}" -fsanitize=fuzzer-no-link -c "$root/$src" -o "$obj"
  objs+=("$obj")
done
"$cxx" "${cflags[@]}" -fsanitize=fuzzer "$root/tests/fuzz/gguf_fuzzer.cc" "${objs[@]}" \
  "${absl_libs[@]}" -o "$work/gguf_fuzzer"
"$cxx" "${cflags[@]}" "$root/tests/fuzz/make_gguf_seeds.cc" "${objs[@]}" "${absl_libs[@]}" \
  -o "$work/make_gguf_seeds"

"$work/make_gguf_seeds" "$work/corpus"
shared=${EDGELLM_SHARED:-}
if [[ -z $shared && -d $root/../shared ]]; then shared="$root/../shared"; fi
if [[ -n $shared && -d $shared/models ]]; then
  while IFS= read -r -d '' model; do
    head -c 4096 "$model" >"$work/corpus/prefix_$(basename "$model")"
  done < <(find "$shared/models" -name '*.gguf' -print0)
fi
echo "run_gguf_fuzzer: $(find "$work/corpus" -type f | wc -l) seeds; fuzzing for ${seconds}s"

rc=0
"$work/gguf_fuzzer" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -dict="$root/tests/fuzz/gguf.dict" -artifact_prefix="$work/" -print_final_stats=1 -print_funcs=0 \
  "$@" "$work/corpus" || rc=$?
if [[ $rc -ne 0 ]]; then
  echo "run_gguf_fuzzer: FAILED (exit $rc); artifacts:" >&2
  for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [[ -e $a ]] || continue
    echo "  $a   (reproduce: $work/gguf_fuzzer $a)" >&2
    if [[ -n ${TEST_UNDECLARED_OUTPUTS_DIR:-} ]]; then cp "$a" "$TEST_UNDECLARED_OUTPUTS_DIR/"; fi
  done
  exit "$rc"
fi
echo "run_gguf_fuzzer: no crash in ${seconds}s"
