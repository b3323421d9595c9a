// PluginRegistry: loads plugin libraries (dlopen) and indexes the quant formats by GGUF type id
// and the backends by name. Every library found is recorded, loaded or refused with one reason:
//   - no entry symbol `edgellm_plugin_v1` (or dlopen failed),
//   - ABI of another major version, or of a newer minor version than this host's,
//   - a name (or GGUF type id) already taken by a plugin loaded earlier,
//   - CPU features this machine lacks,
//   - an incomplete descriptor (missing function, zero block size, a format with vec_dot kernels
//     but no scalar vec_dot entry, a 1.1 backend without last_error, ...).
// Libraries stay loaded for the registry's lifetime: formats, backends and everything made from
// them (models, backend instances) must not outlive it.
#ifndef EDGELLM_CORE_PLUGIN_PLUGIN_REGISTRY_H_
#define EDGELLM_CORE_PLUGIN_PLUGIN_REGISTRY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/backend.h"
#include "core/plugin/edgellm_plugin.h"
#include "core/quant_format.h"
#include "core/tensor.h"

namespace edgellm {

// What happened to one plugin library.
struct PluginRecord {
  std::string file;
  std::string kind;  // "backend", "quant_format", or "unknown" when refused before reading it
  std::string name;
  std::string version;
  std::string abi_version;  // "1.0", "1.1": what the plugin was built against; empty if unread
  uint64_t required_cpu_features = 0;
  bool loaded = false;
  std::string reason;  // why it was refused; empty when loaded
};

class PluginRegistry {
 public:
  explicit PluginRegistry(uint64_t cpu_features);
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // Loads every `*.so` directly inside `dir`, in file-name order. A refused library is recorded
  // and logged as one line naming the file and the reason; the others still load. Errors:
  // NotFound when the directory cannot be read.
  absl::Status LoadDirectory(const std::string& dir);
  // Loads one library. Returns the refusal as FailedPrecondition ("<file>: <reason>"); the
  // record is kept either way.
  absl::Status LoadFile(const std::string& path);

  uint64_t cpu_features() const { return cpu_features_; }
  const std::vector<PluginRecord>& records() const { return records_; }

  // nullptr when no loaded plugin provides it.
  const QuantFormat* FindFormat(uint32_t type_id) const;
  const QuantFormat* FindFormatByName(std::string_view name) const;
  const BackendPlugin* FindBackend(std::string_view name) const;

  // Loaded formats by type id; loaded backends by name.
  std::vector<const QuantFormat*> formats() const;
  std::vector<const BackendPlugin*> backends() const;

  // The loaded backend with the highest score (EdgeBackendV1::score; ties: first by name):
  // in-tree, avx512, then avx2 or neon, then scalar. nullptr when none.
  const BackendPlugin* DefaultBackend() const;

  // For the GGUF reader: the layout of a type id, or NotFound naming the type
  // ("type 23 (IQ4_XS): no quant-format plugin loaded for it").
  absl::StatusOr<TypeLayout> LookupLayout(uint32_t type_id) const;

  // A weight matrix view over `t` (2-D, or higher with rows flattened) with both formats
  // resolved. Errors: NotFound when the tensor's format or its vec_dot_type is not loaded.
  absl::StatusOr<EdgeMatrixV1> MakeMatrix(const Tensor& t) const;

 private:
  absl::Status Refuse(PluginRecord record, std::string reason);
  absl::Status Register(const EdgePluginV1* plugin, PluginRecord record);

  uint64_t cpu_features_;
  std::vector<void*> handles_;
  std::vector<PluginRecord> records_;
  std::map<uint32_t, std::unique_ptr<QuantFormat>> formats_;
  std::map<std::string, std::unique_ptr<BackendPlugin>, std::less<>> backends_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_PLUGIN_PLUGIN_REGISTRY_H_
