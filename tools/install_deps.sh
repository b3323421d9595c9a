#!/usr/bin/env bash
# Installs every system package edgellm needs to build and test (Debian 12, apt only).
# Idempotent and non-interactive; runs as root or through sudo.
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

SUDO=()
if [[ $(id -u) -ne 0 ]]; then SUDO=(sudo); fi

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "install_deps: adding the arm64 architecture (multiarch)"
  "${SUDO[@]}" dpkg --add-architecture arm64
fi

missing=()
for p in "${PACKAGES[@]}"; do
  # "install ok installed" only for fully installed packages; a name without :arch lists one
  # line per installed architecture (libabsl-dev: amd64 and arm64).
  status=$(dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | sort -u)
  if [[ $status != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install_deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q "${missing[@]}" </dev/null
