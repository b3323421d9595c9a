#include "core/plugin/plugin_registry.h"

#include <dirent.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/cpu_features.h"
#include "core/gguf/ggml_type_names.h"

namespace edgellm {
namespace {

// Why a descriptor cannot be used, or "" when it is complete.
std::string DescriptorProblem(const EdgePluginV1& p) {
  if (p.name == nullptr || p.name[0] == '\0') return "descriptor has no name";
  if (p.version == nullptr) return "descriptor has no version";
  if (p.kind == EDGE_PLUGIN_QUANT_FORMAT) {
    const EdgeQuantFormatV1* f = p.quant_format;
    if (f == nullptr) return "quant-format plugin without a quant_format table";
    if (f->name == nullptr || std::string_view(f->name) != p.name) {
      return "quant_format name differs from the plugin name";
    }
    if (f->block_size <= 0 || f->type_size == 0) return "block size or bytes per block is zero";
    if (f->to_float == nullptr || f->from_float_ref == nullptr) {
      return "to_float or from_float_ref missing";
    }
    if (f->n_kernels > 0 && f->kernels == nullptr) return "kernel table missing";
    return "";
  }
  if (p.kind == EDGE_PLUGIN_BACKEND) {
    const EdgeBackendV1* b = p.backend;
    if (b == nullptr) return "backend plugin without a backend table";
    if (!b->create || !b->destroy || !b->n_threads || !b->matmul || !b->rms_norm || !b->rope ||
        !b->attention || !b->silu_mul || !b->add) {
      return "backend table has a missing op";
    }
    return "";
  }
  return absl::StrFormat("unknown plugin kind %d", static_cast<int>(p.kind));
}

int BackendRank(EdgeIsa isa) {
  switch (isa) {
    case EDGE_ISA_AVX512: return 3;
    case EDGE_ISA_AVX2: return 2;
    case EDGE_ISA_NEON: return 1;
    case EDGE_ISA_SCALAR: return 0;
  }
  return -1;
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
  if (const uint32_t abi = plugin->abi_version; abi != EDGELLM_PLUGIN_ABI_VERSION) {
    dlclose(handle);
    return Refuse(record, absl::StrFormat("ABI version %u, this edgellm needs %u: rebuild the "
                                          "plugin against this core/plugin/edgellm_plugin.h",
                                          abi, EDGELLM_PLUGIN_ABI_VERSION));
  }
  absl::Status s = Register(plugin, record);
  if (s.ok()) {
    handles_.push_back(handle);
  } else {
    dlclose(handle);
  }
  return s;
}

absl::Status PluginRegistry::Register(const EdgePluginV1* plugin, PluginRecord record) {
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
  if (std::string problem = DescriptorProblem(*plugin); !problem.empty()) {
    return Refuse(record, "invalid descriptor: " + problem);
  }
  if (plugin->kind == EDGE_PLUGIN_BACKEND) {
    if (backends_.count(plugin->name)) {
      return Refuse(record, absl::StrCat("duplicate backend name '", plugin->name,
                                         "', already loaded from ",
                                         backends_.find(plugin->name)->second->file()));
    }
    backends_.emplace(plugin->name,
                      std::make_unique<BackendPlugin>(plugin, record.file, cpu_features_));
  } else {
    const EdgeQuantFormatV1* f = plugin->quant_format;
    if (FindFormatByName(f->name) != nullptr || formats_.count(f->type_id)) {
      return Refuse(record, absl::StrFormat("duplicate quant format '%s' (type id %u), already "
                                            "loaded from another plugin",
                                            f->name, f->type_id));
    }
    formats_.emplace(f->type_id, std::make_unique<QuantFormat>(f));
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
    if (best == nullptr || BackendRank(b->isa()) > BackendRank(best->isa())) best = b.get();
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
