#include "tools/edgellm/flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace edgellm::cli {

bool AbslParseFlag(absl::string_view text, ThreadCounts* out, std::string* error) {
  std::vector<int32_t> values;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int32_t n = 0;
    if (!absl::SimpleAtoi(part, &n) || n < 0) {
      *error = absl::StrCat("'", part, "' is not a thread count (a number >= 0, 0: one per core)");
      return false;
    }
    values.push_back(n);
  }
  out->values = std::move(values);
  return true;
}

std::string AbslUnparseFlag(const ThreadCounts& counts) {
  return absl::StrJoin(counts.values, ",");
}

}  // namespace edgellm::cli

ABSL_FLAG(std::string, plugin_dir, "",
          "Plugin folders, colon-separated (default: $EDGELLM_PLUGIN_PATH, else the plugins "
          "built with this tool)");
ABSL_FLAG(bool, json, false, "Print JSON instead of text");
ABSL_FLAG(std::string, model, "", "GGUF model file (bench: comma-separated files)");
ABSL_FLAG(std::string, backend, "",
          "Backend plugin to run on (default: the fastest loaded; bench: comma-separated names)");
ABSL_FLAG(edgellm::cli::ThreadCounts, threads, edgellm::cli::ThreadCounts{},
          "Threads; 0: one per core (bench: comma-separated counts, each one run)");
ABSL_FLAG(int64_t, seed, -1,
          "Seed: generate's sampling seed (-1: a random one); synth's weight seed (-1: 0)");
ABSL_FLAG(std::string, cache_type_k, "f16",
          "KV cache type of K (llama.cpp's -ctk): f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 iq4_nl");
ABSL_FLAG(std::string, cache_type_v, "f16",
          "KV cache type of V (llama.cpp's -ctv): f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 iq4_nl");
