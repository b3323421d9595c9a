// `edgellm tokenize --model=FILE --text=TEXT`: the token ids of a text and their pieces, as the
// model's tokenizer makes them for a prompt (BOS added when the vocabulary asks for it, special
// token texts parsed).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "core/gguf/gguf_file.h"
#include "core/plugin/plugin_paths.h"
#include "core/plugin/plugin_registry.h"
#include "core/tokenizer/tokenizer.h"
#include "nlohmann/json.hpp"
#include "tools/edgellm/commands.h"
#include "tools/edgellm/flags.h"

ABSL_FLAG(std::string, text, "", "Text to tokenize (tokenize)");

namespace edgellm::cli {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "edgellm tokenize: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int RunTokenize(const std::vector<std::string>& args) {
  const std::string model_path = absl::GetFlag(FLAGS_model);
  if (!args.empty() || model_path.empty()) {
    std::fputs("usage: edgellm tokenize --model=FILE --text=TEXT [--json]\n", stderr);
    return 2;
  }
  absl::StatusOr<std::unique_ptr<PluginRegistry>> registry =
      LoadPlugins(absl::GetFlag(FLAGS_plugin_dir));
  if (!registry.ok()) return Fail(registry.status());
  const PluginRegistry& r = **registry;
  // Only the metadata is needed: no model is bound, so any architecture's vocabulary works.
  absl::StatusOr<std::unique_ptr<GgufFile>> file =
      GgufFile::Open(model_path, [&r](uint32_t id) { return r.LookupLayout(id); });
  if (!file.ok()) return Fail(file.status());
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::FromGguf(**file);
  if (!tokenizer.ok()) return Fail(tokenizer.status());

  const Tokenizer& t = **tokenizer;
  const std::vector<int32_t> tokens =
      t.Encode(absl::GetFlag(FLAGS_text), /*add_special=*/true, /*parse_special=*/true);
  std::vector<std::string> pieces;
  for (int32_t id : tokens) pieces.push_back(t.TokenToPiece(id, /*special=*/true));

  if (absl::GetFlag(FLAGS_json)) {
    const nlohmann::json out = {{"tokens", tokens}, {"pieces", pieces}};
    // A piece may be part of a UTF-8 character (byte tokens): such bytes print as U+FFFD.
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::printf("%6d -> '", tokens[i]);
      std::fwrite(pieces[i].data(), 1, pieces[i].size(), stdout);  // may hold NUL bytes
      std::printf("'\n");
    }
  }
  return 0;
}

}  // namespace edgellm::cli
