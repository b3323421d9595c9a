#include "core/plugin/plugin_registry.h"

#include <dirent.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/cpu_features.h"
#include "core/plugin/abi_compat.h"
#include "core/gguf/ggml_type_names.h"

namespace edgellm {
namespace {

// Why a descriptor cannot be used, or "" when it is complete. `p` is the host's copy (fields
// the plugin's minor version lacks are zero); the tables it points to are read only as far as
// that version declares.
std::string DescriptorProblem(const EdgePluginV1& p, uint32_t minor) {
  if (p.name == nullptr || p.name[0] == '\0') return "descriptor has no name";
  if (p.version == nullptr) return "descriptor has no version";
  if (p.kind == EDGE_PLUGIN_QUANT_FORMAT) {
    const EdgeQuantFormatV1* f = p.quant_format;
    if (f == nullptr) return "quant-format plugin without a quant_format table";
    if (f->name != nullptr && std::string_view(f->name) != p.name) {
      return "quant_format name differs from the plugin name";
    }
    return QuantFormatProblem(CopyDeclared(f, DeclaredBytes(minor, kQuantFormatBytes)), minor);
  }
  if (p.kind == EDGE_PLUGIN_BACKEND) {
    if (p.backend == nullptr) return "backend plugin without a backend table";
    return BackendProblem(CopyDeclared(p.backend, DeclaredBytes(minor, kBackendBytes)), minor);
  }
  return absl::StrFormat("unknown plugin kind %d", static_cast<int>(p.kind));
}

}  // namespace

PluginRegistry::PluginRegistry(uint64_t cpu_features) : cpu_features_(cpu_features) {}

PluginRegistry::~PluginRegistry() {
  formats_.clear();
  backends_.clear();
  for (void* h : handles_) dlclose(h);
}

absl::Status PluginRegistry::LoadDirectory(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return absl::NotFoundError(absl::StrFormat(
        "plugin directory %s cannot be read; pass --plugin_dir or set EDGELLM_PLUGIN_PATH", dir));
  }
  std::vector<std::string> files;
  while (const dirent* e = readdir(d)) {
    if (absl::EndsWith(e->d_name, ".so")) files.push_back(absl::StrCat(dir, "/", e->d_name));
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    absl::Status s = LoadFile(f);
    if (!s.ok()) std::fprintf(stderr, "edgellm: plugin refused: %s\n", s.message().data());
  }
  return absl::OkStatus();
}

absl::Status PluginRegistry::Refuse(PluginRecord record, std::string reason) {
  record.loaded = false;
  record.reason = std::move(reason);
  records_.push_back(record);
  return absl::FailedPreconditionError(absl::StrCat(record.file, ": ", record.reason));
}

absl::Status PluginRegistry::LoadFile(const std::string& path) {
  PluginRecord record;
  record.file = path;
  record.kind = "unknown";
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    return Refuse(record, absl::StrCat("cannot be loaded: ", err ? err : "dlopen failed"));
  }
  auto entry = reinterpret_cast<EdgePluginEntryV1>(dlsym(handle, EDGELLM_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    dlclose(handle);
    return Refuse(record, absl::StrCat("no entry symbol ", EDGELLM_PLUGIN_ENTRY_SYMBOL,
                                       ": not an edgellm plugin"));
  }
  const EdgePluginV1* plugin = entry();
  if (plugin == nullptr) {
    dlclose(handle);
    return Refuse(record, "entry symbol returned no descriptor");
  }
  const uint32_t abi = plugin->abi_version;
  if (AbiMajor(abi) != EDGELLM_PLUGIN_ABI_MAJOR) {
    dlclose(handle);
    return Refuse(record, absl::StrFormat("ABI version %u.%u, this edgellm speaks %u.x: rebuild "
                                          "the plugin against this core/plugin/edgellm_plugin.h",
                                          AbiMajor(abi), AbiMinor(abi), EDGELLM_PLUGIN_ABI_MAJOR));
  }
  if (AbiMinor(abi) > EDGELLM_PLUGIN_ABI_MINOR) {
    dlclose(handle);
    return Refuse(record, absl::StrFormat("ABI version %u.%u is newer than this edgellm's %u.%u: "
                                          "update edgellm, or rebuild the plugin against its "
                                          "core/plugin/edgellm_plugin.h",
                                          AbiMajor(abi), AbiMinor(abi), EDGELLM_PLUGIN_ABI_MAJOR,
                                          EDGELLM_PLUGIN_ABI_MINOR));
  }
  absl::Status s = Register(plugin, record);
  if (s.ok()) {
    handles_.push_back(handle);
  } else {
    dlclose(handle);
  }
  return s;
}

absl::Status PluginRegistry::Register(const EdgePluginV1* plugin_in, PluginRecord record) {
  const uint32_t minor = AbiMinor(plugin_in->abi_version);
  record.abi_version = absl::StrFormat("%u.%u", AbiMajor(plugin_in->abi_version), minor);
  // Everything below reads the host's copy, never past what the plugin's version declares.
  const EdgePluginV1 copy = CopyDeclared(plugin_in, DeclaredBytes(minor, kPluginBytes));
  const EdgePluginV1* plugin = &copy;
  if (plugin->kind == EDGE_PLUGIN_BACKEND) record.kind = "backend";
  if (plugin->kind == EDGE_PLUGIN_QUANT_FORMAT) record.kind = "quant_format";
  if (plugin->name != nullptr) record.name = plugin->name;
  if (plugin->version != nullptr) record.version = plugin->version;
  record.required_cpu_features = plugin->required_cpu_features;
  // Checked first: a plugin for another CPU is refused before any of its tables is read.
  const uint64_t missing = plugin->required_cpu_features & ~cpu_features_;
  if (missing != 0) {
    return Refuse(record, absl::StrCat("needs CPU features this machine lacks: ",
                                       CpuFeatureNames(missing)));
  }
  if (std::string problem = DescriptorProblem(*plugin, minor); !problem.empty()) {
    return Refuse(record, "invalid descriptor: " + problem);
  }
  if (plugin->kind == EDGE_PLUGIN_BACKEND) {
    if (backends_.count(plugin->name)) {
      return Refuse(record, absl::StrCat("duplicate backend name '", plugin->name,
                                         "', already loaded from ",
                                         backends_.find(plugin->name)->second->file()));
    }
    backends_.emplace(plugin->name, std::make_unique<BackendPlugin>(plugin_in, minor, record.file,
                                                                    cpu_features_));
  } else {
    const EdgeQuantFormatV1* f = plugin->quant_format;
    if (FindFormatByName(f->name) != nullptr || formats_.count(f->type_id)) {
      return Refuse(record, absl::StrFormat("duplicate quant format '%s' (type id %u), already "
                                            "loaded from another plugin",
                                            f->name, f->type_id));
    }
    formats_.emplace(f->type_id,
                     std::make_unique<QuantFormat>(f, minor, plugin->get_proc_address));
  }
  record.loaded = true;
  records_.push_back(record);
  return absl::OkStatus();
}

const QuantFormat* PluginRegistry::FindFormat(uint32_t type_id) const {
  auto it = formats_.find(type_id);
  return it == formats_.end() ? nullptr : it->second.get();
}

const QuantFormat* PluginRegistry::FindFormatByName(std::string_view name) const {
  for (const auto& [id, f] : formats_) {
    if (name == f->name()) return f.get();
  }
  return nullptr;
}

const BackendPlugin* PluginRegistry::FindBackend(std::string_view name) const {
  auto it = backends_.find(name);
  return it == backends_.end() ? nullptr : it->second.get();
}

std::vector<const QuantFormat*> PluginRegistry::formats() const {
  std::vector<const QuantFormat*> out;
  for (const auto& [id, f] : formats_) out.push_back(f.get());
  return out;
}

std::vector<const BackendPlugin*> PluginRegistry::backends() const {
  std::vector<const BackendPlugin*> out;
  for (const auto& [name, b] : backends_) out.push_back(b.get());
  return out;
}

const BackendPlugin* PluginRegistry::DefaultBackend() const {
  const BackendPlugin* best = nullptr;
  for (const auto& [name, b] : backends_) {
    if (best == nullptr || b->score() > best->score()) best = b.get();  // ties: first by name
  }
  return best;
}

absl::StatusOr<TypeLayout> PluginRegistry::LookupLayout(uint32_t type_id) const {
  if (const QuantFormat* f = FindFormat(type_id)) return f->layout();
  return absl::NotFoundError(absl::StrFormat(
      "type %u (%s): no quant-format plugin loaded for it", type_id, GgmlTypeName(type_id)));
}

absl::StatusOr<EdgeMatrixV1> PluginRegistry::MakeMatrix(const Tensor& t) const {
  const QuantFormat* f = FindFormat(t.type_id);
  if (f == nullptr) {
    return absl::NotFoundError(absl::StrFormat(
        "tensor '%s': %s", t.name, LookupLayout(t.type_id).status().message()));
  }
  const QuantFormat* v = FindFormat(f->vec_dot_type());
  if (v == nullptr) {
    return absl::NotFoundError(absl::StrFormat(
        "tensor '%s' is %s, whose activations are %s: no quant-format plugin loaded for type %u",
        t.name, f->name(), GgmlTypeName(f->vec_dot_type()), f->vec_dot_type()));
  }
  EdgeMatrixV1 m;
  m.format = f->desc();
  m.vec_dot_format = v->desc();
  m.data = t.data;
  m.n_cols = t.ne[0];
  m.n_rows = t.n_rows();
  m.row_bytes = t.row_bytes;
  return m;
}

}  // namespace edgellm
