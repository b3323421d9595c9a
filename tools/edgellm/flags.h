// Flags shared by several subcommands.
#ifndef EDGELLM_TOOLS_EDGELLM_FLAGS_H_
#define EDGELLM_TOOLS_EDGELLM_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/strings/string_view.h"

namespace edgellm::cli {

// --threads: comma-separated thread counts, each >= 0 (0: one per core). `generate` and `synth`
// take exactly one; `bench` runs every count.
struct ThreadCounts {
  std::vector<int32_t> values = {0};
};
bool AbslParseFlag(absl::string_view text, ThreadCounts* out, std::string* error);
std::string AbslUnparseFlag(const ThreadCounts& counts);

}  // namespace edgellm::cli

ABSL_DECLARE_FLAG(std::string, plugin_dir);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(std::string, model);
ABSL_DECLARE_FLAG(std::string, backend);
ABSL_DECLARE_FLAG(edgellm::cli::ThreadCounts, threads);
ABSL_DECLARE_FLAG(int64_t, seed);
ABSL_DECLARE_FLAG(std::string, cache_type_k);
ABSL_DECLARE_FLAG(std::string, cache_type_v);

#endif  // EDGELLM_TOOLS_EDGELLM_FLAGS_H_
