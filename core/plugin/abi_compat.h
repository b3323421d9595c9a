// How the host reads a plugin's structs across minor versions of ABI major 1
// (core/plugin/edgellm_plugin.h, "How the ABI grows"): the version fields, the size of each
// growable struct as each minor version declared it, and copies that take only what the plugin
// declared.
#ifndef EDGELLM_CORE_PLUGIN_ABI_COMPAT_H_
#define EDGELLM_CORE_PLUGIN_ABI_COMPAT_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/plugin/edgellm_plugin.h"

namespace edgellm {

constexpr uint32_t AbiMajor(uint32_t abi_version) { return abi_version & 0xffffu; }
constexpr uint32_t AbiMinor(uint32_t abi_version) { return abi_version >> 16; }

// Bytes of a growable struct in a plugin of each minor version, 0 .. this host's: everything
// before the first field of the next minor version. One table per struct, so a new minor
// version must say for each struct whether it grew (the static_asserts below).
inline constexpr size_t kAbiMinors = EDGELLM_PLUGIN_ABI_MINOR + 1;
using BytesByMinor = std::array<size_t, kAbiMinors>;

inline constexpr size_t kPluginBytesV1_0 = offsetof(EdgePluginV1, get_proc_address);
inline constexpr size_t kQuantFormatBytesV1_0 = offsetof(EdgeQuantFormatV1, kernel_caps);
inline constexpr size_t kBackendBytesV1_0 = offsetof(EdgeBackendV1, score);
inline constexpr size_t kBackendBytesV1_1 = offsetof(EdgeBackendV1, matmul_vec_dot);

inline constexpr BytesByMinor kPluginBytes = {kPluginBytesV1_0, sizeof(EdgePluginV1),
                                              sizeof(EdgePluginV1)};
inline constexpr BytesByMinor kQuantFormatBytes = {kQuantFormatBytesV1_0, sizeof(EdgeQuantFormatV1),
                                                   sizeof(EdgeQuantFormatV1)};
inline constexpr BytesByMinor kBackendBytes = {kBackendBytesV1_0, kBackendBytesV1_1,
                                               sizeof(EdgeBackendV1)};

// Whether a table lists every minor version: sizes that never shrink, ending at the whole struct
// (std::array zero-fills a table that a new minor version forgot to extend).
constexpr bool CoversEveryMinor(const BytesByMinor& bytes, size_t whole) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == 0 || (i > 0 && bytes[i] < bytes[i - 1])) return false;
  }
  return bytes.back() == whole;
}
static_assert(CoversEveryMinor(kPluginBytes, sizeof(EdgePluginV1)));
static_assert(CoversEveryMinor(kQuantFormatBytes, sizeof(EdgeQuantFormatV1)));
static_assert(CoversEveryMinor(kBackendBytes, sizeof(EdgeBackendV1)));

// Bytes of a struct that a plugin of minor version `minor` declares. A newer minor than the
// host's is refused before any table is read; it is clamped here all the same.
constexpr size_t DeclaredBytes(uint32_t minor, const BytesByMinor& bytes) {
  return bytes[std::min<size_t>(minor, bytes.size() - 1)];
}

// The host's copy of a plugin struct: the first `declared` bytes from the plugin, the rest
// zero, so the host never reads past what the plugin built.
template <typename T>
T CopyDeclared(const T* from, size_t declared) {
  T out;
  std::memset(&out, 0, sizeof out);
  std::memcpy(&out, from, std::min(declared, sizeof out));
  return out;
}

}  // namespace edgellm

#endif  // EDGELLM_CORE_PLUGIN_ABI_COMPAT_H_
