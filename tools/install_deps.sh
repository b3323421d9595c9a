#!/usr/bin/env bash
# Installs every system package edgellm needs to build and test (Debian 12, apt only).
# Idempotent and non-interactive; runs as root or through sudo. Lists what it will install,
# installs it, and exits non-zero with one line naming the failing step when apt fails.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap bazel-platforms          # Bazel 4.2.3 + @platforms, offline
  g++ pkg-config python3                   # toolchain; python3 parses test results
  libabsl-dev libprotobuf-dev protobuf-compiler
  libgrpc++-dev protobuf-compiler-grpc     # gRPC C++ + grpc_cpp_plugin
  libgtest-dev libgmock-dev libbenchmark-dev
  libpcre2-dev                             # Unicode regexes of the BPE pre-tokenizers
  nlohmann-json3-dev                       # JSON output of the tools
  clang libclang-rt-dev                    # libFuzzer (-fsanitize=fuzzer)
  g++-aarch64-linux-gnu qemu-user          # NEON cross build + run under qemu
  # arm64 libraries of the cross build (Debian multiarch; Multi-Arch: same, so they install
  # next to the amd64 ones). They bring libc6:arm64, whose loader qemu-aarch64 uses.
  libabsl-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64
)

fail() { echo "install_deps: $*" >&2; exit 1; }

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || fail "not root and no sudo: run it as root"
  SUDO=(sudo)
fi

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "install_deps: adding the arm64 architecture (multiarch)"
  "${SUDO[@]}" dpkg --add-architecture arm64 || fail "dpkg --add-architecture arm64 failed"
fi

# A package counts as present only when dpkg reports it fully installed; a name without :arch
# lists one line per installed architecture (libabsl-dev: amd64 and arm64). dpkg-query exits 1
# for a package it has never seen, which is the normal case on a fresh machine.
installed() {
  local status
  status=$(dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | sort -u) || true
  [[ $status == "install ok installed" ]]
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install_deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "install_deps: installing ${#missing[@]} of ${#PACKAGES[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q || fail "apt-get update failed (no network or no Debian mirror?)"
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null \
  || fail "apt-get install failed for: ${missing[*]} (see apt's message above)"

still=()
for p in "${missing[@]}"; do installed "$p" || still+=("$p"); done
[[ ${#still[@]} -eq 0 ]] || fail "still not installed after apt-get: ${still[*]}"
echo "install_deps: done"
