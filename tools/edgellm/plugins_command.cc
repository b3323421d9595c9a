// `edgellm plugins`: what was found in the plugin folders, loaded or refused and why.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/cpu_features.h"
#include "core/gguf/ggml_type_names.h"
#include "core/plugin/plugin_paths.h"
#include "core/plugin/plugin_registry.h"
#include "nlohmann/json.hpp"
#include "tools/edgellm/commands.h"
#include "tools/edgellm/flags.h"

namespace edgellm::cli {
namespace {

std::vector<std::string> IsaNames(const QuantFormat& f) {
  std::vector<std::string> out;
  for (EdgeIsa isa : f.vec_dot_isas()) out.push_back(IsaName(isa));
  return out;
}

std::vector<std::string> FeatureList(uint64_t features) {
  return absl::StrSplit(CpuFeatureNames(features), ' ', absl::SkipEmpty());
}

nlohmann::json BackendJson(const PluginRegistry& registry, const PluginRecord& r) {
  nlohmann::json j = {{"name", r.name},
                      {"version", r.version},
                      {"file", r.file},
                      {"loaded", r.loaded},
                      {"required_cpu_features", FeatureList(r.required_cpu_features)},
                      {"supported", (r.required_cpu_features & ~registry.cpu_features()) == 0}};
  if (const BackendPlugin* b = r.loaded ? registry.FindBackend(r.name) : nullptr) {
    j["isa"] = IsaName(b->isa());
  }
  if (!r.loaded) j["reason"] = r.reason;
  return j;
}

nlohmann::json FormatJson(const PluginRegistry& registry, const PluginRecord& r) {
  nlohmann::json j = {{"name", r.name}, {"version", r.version}, {"file", r.file},
                      {"loaded", r.loaded}};
  if (const QuantFormat* f = r.loaded ? registry.FindFormatByName(r.name) : nullptr) {
    const QuantFormat* v = registry.FindFormat(f->vec_dot_type());
    j["type_id"] = f->type_id();
    j["block_size"] = f->block_size();
    j["type_size"] = f->type_size();
    j["vec_dot_type"] = v != nullptr ? std::string(v->name()) : GgmlTypeName(f->vec_dot_type());
    j["isas"] = IsaNames(*f);
  }
  if (!r.loaded) j["reason"] = r.reason;
  return j;
}

void PrintText(const PluginRegistry& registry, const std::vector<std::string>& dirs) {
  std::printf("CPU features: %s\n", CpuFeatureNames(registry.cpu_features()).c_str());
  std::printf("Plugin folders: %s\n\n", absl::StrJoin(dirs, ":").c_str());
  std::printf("Backends\n  %-10s %-8s %-8s %s\n", "NAME", "ISA", "VERSION", "FILE");
  for (const BackendPlugin* b : registry.backends()) {
    std::printf("  %-10s %-8s %-8s %s\n", b->name(), IsaName(b->isa()), b->version(),
                b->file().c_str());
  }
  std::printf("\nQuant formats\n  %-8s %4s %6s %6s %-9s %s\n", "NAME", "ID", "BLOCK", "BYTES",
              "VEC_DOT", "KERNELS");
  for (const QuantFormat* f : registry.formats()) {
    const QuantFormat* v = registry.FindFormat(f->vec_dot_type());
    std::printf("  %-8s %4u %6lld %6zu %-9s %s\n", f->name(), f->type_id(),
                static_cast<long long>(f->block_size()), f->type_size(),
                v != nullptr ? v->name() : GgmlTypeName(f->vec_dot_type()),
                absl::StrJoin(IsaNames(*f), ",").c_str());
  }
  bool header = false;
  for (const PluginRecord& r : registry.records()) {
    if (r.loaded) continue;
    if (!header) std::printf("\nRefused\n");
    header = true;
    std::printf("  %s: %s\n", r.file.c_str(), r.reason.c_str());
  }
}

}  // namespace

int RunPlugins(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "edgellm plugins: unexpected argument '%s'\n", args[0].c_str());
    return 2;
  }
  const std::string flag = absl::GetFlag(FLAGS_plugin_dir);
  absl::StatusOr<std::unique_ptr<PluginRegistry>> registry = LoadPlugins(flag);
  if (!registry.ok()) {
    std::fprintf(stderr, "edgellm plugins: %s\n", registry.status().message().data());
    return 1;
  }
  const std::vector<std::string> dirs = PluginDirs(flag);
  if (!absl::GetFlag(FLAGS_json)) {
    PrintText(**registry, dirs);
    return 0;
  }
  nlohmann::json out = {{"cpu_features", FeatureList((*registry)->cpu_features())},
                        {"plugin_dirs", dirs},
                        {"backends", nlohmann::json::array()},
                        {"quant_formats", nlohmann::json::array()},
                        {"refused", nlohmann::json::array()}};
  for (const PluginRecord& r : (*registry)->records()) {
    if (r.kind == "backend") {
      out["backends"].push_back(BackendJson(**registry, r));
    } else if (r.kind == "quant_format") {
      out["quant_formats"].push_back(FormatJson(**registry, r));
    } else {
      out["refused"].push_back({{"file", r.file}, {"reason", r.reason}});
    }
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace edgellm::cli
