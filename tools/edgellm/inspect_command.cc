// `edgellm inspect FILE`: a GGUF file's metadata and tensor table (like gguf-dump).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "core/gguf/ggml_type_names.h"
#include "core/gguf/gguf_file.h"
#include "core/plugin/plugin_paths.h"
#include "nlohmann/json.hpp"
#include "tools/edgellm/commands.h"
#include "tools/edgellm/flags.h"

namespace edgellm::cli {
namespace {

constexpr int kTextArrayItems = 8;  // array elements shown in text mode

std::vector<int64_t> Shape(const Tensor& t) { return {t.ne, t.ne + t.n_dims}; }

void PrintText(const GgufFile& f) {
  std::printf("%s: GGUF v%u, %llu bytes, alignment %u, tensor data at offset %llu\n",
              f.path().c_str(), f.version(), static_cast<unsigned long long>(f.file_size()),
              f.alignment(), static_cast<unsigned long long>(f.data_offset()));
  std::printf("\n%zu metadata entries\n", f.metadata().size());
  for (const auto& [key, value] : f.metadata()) {
    std::printf("  %s = %s\n", key.c_str(), value.ToString(kTextArrayItems).c_str());
  }
  std::printf("\n%zu tensors\n  %4s %-40s %-7s %-22s %12s %12s\n", f.tensors().size(), "#",
              "NAME", "TYPE", "SHAPE", "OFFSET", "BYTES");
  int i = 0;
  for (const Tensor& t : f.tensors()) {
    std::printf("  %4d %-40s %-7s %-22s %12llu %12zu\n", i++, t.name.c_str(),
                GgmlTypeName(t.type_id), absl::StrJoin(Shape(t), " x ").c_str(),
                static_cast<unsigned long long>(t.offset), t.size_bytes);
  }
}

void PrintJson(const GgufFile& f) {
  nlohmann::json metadata = nlohmann::json::object();
  std::string text;
  for (const auto& [key, value] : f.metadata()) {
    text.clear();
    value.AppendJson(&text);
    metadata[key] = nlohmann::json::parse(text);
  }
  nlohmann::json tensors = nlohmann::json::array();
  for (const Tensor& t : f.tensors()) {
    tensors.push_back({{"name", t.name},
                       {"type", GgmlTypeName(t.type_id)},
                       {"type_id", t.type_id},
                       {"shape", Shape(t)},
                       {"offset", t.offset},
                       {"bytes", t.size_bytes}});
  }
  nlohmann::json out = {{"file", f.path()},
                        {"version", f.version()},
                        {"file_size", f.file_size()},
                        {"alignment", f.alignment()},
                        {"data_offset", f.data_offset()},
                        {"metadata", metadata},
                        {"tensors", tensors}};
  std::printf("%s\n", out.dump(1).c_str());
}

}  // namespace

int RunInspect(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::fprintf(stderr, "usage: edgellm inspect FILE [--json]\n");
    return 2;
  }
  absl::StatusOr<std::unique_ptr<PluginRegistry>> registry =
      LoadPlugins(absl::GetFlag(FLAGS_plugin_dir));
  if (!registry.ok()) {
    std::fprintf(stderr, "edgellm inspect: %s\n", registry.status().message().data());
    return 1;
  }
  const PluginRegistry& r = **registry;
  absl::StatusOr<std::unique_ptr<GgufFile>> file =
      GgufFile::Open(args[0], [&r](uint32_t id) { return r.LookupLayout(id); });
  if (!file.ok()) {
    std::fprintf(stderr, "edgellm inspect: %s\n", file.status().message().data());
    return 1;
  }
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(**file);
  } else {
    PrintText(**file);
  }
  return 0;
}

}  // namespace edgellm::cli
