// Byte-level BPE pre-tokenizer: the regular expressions that `tokenizer.ggml.pre` names, applied
// the way llama.cpp applies them, then GPT-2's byte-to-unicode encoding of each resulting word.
//
// Each expression of the list splits every piece the previous ones produced; both the matches and
// the text between matches become pieces (so no byte is ever dropped). Matching is done by PCRE2 in
// UTF + UCP mode (\p{L}, \p{N}, \s are Unicode-aware), with `$` matching only at the end of the
// piece, as in the ECMAScript engine llama.cpp falls back to.
#ifndef EDGELLM_CORE_TOKENIZER_PRE_TOKENIZER_H_
#define EDGELLM_CORE_TOKENIZER_PRE_TOKENIZER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace edgellm {

class PreTokenizer {
 public:
  // The pre-tokenizer of llama.cpp's `tokenizer.ggml.pre` value `name`; an empty name means
  // "default". Supported: default, gpt-2, phi-2, mpt, olmo, llama3 / llama-v3 / llama-bpe /
  // falcon3, dbrx, smaug-bpe, qwen2 / deepseek-r1-qwen / stablelm2, deepseek-llm, deepseek-coder,
  // falcon, starcoder, refact, smollm, codeshell. Anything else is NotFound naming the value.
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> ForName(std::string_view name);

  ~PreTokenizer();
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  // Splits `text` into words, each already byte-level encoded (a space is "Ġ"). Invalid UTF-8 in
  // `text` is first replaced by U+FFFD, one per offending byte, as llama.cpp does.
  std::vector<std::string> Split(std::string_view text) const;

  // Words that are whole vocabulary tokens skip the merges (llama3-style vocabularies).
  bool ignore_merges() const { return ignore_merges_; }
  // Default of tokenizer.ggml.add_bos_token for this pre-tokenizer.
  bool add_bos_default() const { return add_bos_default_; }

 private:
  struct Regex;

  PreTokenizer(std::vector<std::unique_ptr<Regex>> regexes, bool ignore_merges,
               bool add_bos_default);

  std::vector<std::unique_ptr<Regex>> regexes_;
  bool ignore_merges_;
  bool add_bos_default_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_TOKENIZER_PRE_TOKENIZER_H_
