// How the host reads a plugin's structs across minor versions of ABI major 1
// (core/plugin/edgellm_plugin.h, "How the ABI grows"): the version fields, the size of each
// growable struct as v1.0 declared it, and copies that take only what the plugin declared.
#ifndef EDGELLM_CORE_PLUGIN_ABI_COMPAT_H_
#define EDGELLM_CORE_PLUGIN_ABI_COMPAT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/plugin/edgellm_plugin.h"

namespace edgellm {

constexpr uint32_t AbiMajor(uint32_t abi_version) { return abi_version & 0xffffu; }
constexpr uint32_t AbiMinor(uint32_t abi_version) { return abi_version >> 16; }

// Bytes of each growable struct in a v1.0 plugin: everything before the first "since 1.1" field.
inline constexpr size_t kPluginBytesV1_0 = offsetof(EdgePluginV1, get_proc_address);
inline constexpr size_t kQuantFormatBytesV1_0 = offsetof(EdgeQuantFormatV1, kernel_caps);
inline constexpr size_t kBackendBytesV1_0 = offsetof(EdgeBackendV1, score);

// Bytes of a struct that a plugin of minor version `minor` declares: the v1.0 prefix, or the
// whole struct as this host knows it (every field up to minor 1).
template <typename T>
size_t DeclaredBytes(uint32_t minor, size_t bytes_v1_0) {
  return minor >= 1 ? sizeof(T) : bytes_v1_0;
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
