// BpeTokenizer: byte-level BPE (tokenizer.ggml.model = "gpt2"), as llama.cpp implements it: the
// pre-tokenizer named by tokenizer.ggml.pre cuts the text into words and byte-level encodes them;
// each word is cut into characters and the adjacent pair with the lowest merge rank
// (tokenizer.ggml.merges order) is merged until no pair has a rank.
#ifndef EDGELLM_CORE_TOKENIZER_BPE_TOKENIZER_H_
#define EDGELLM_CORE_TOKENIZER_BPE_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "core/gguf/gguf_file.h"
#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/vocab.h"

namespace edgellm {

class BpeTokenizer final : public Tokenizer {
 public:
  // Needs tokenizer.ggml.merges; tokenizer.ggml.pre defaults to "default". Defaults as
  // llama.cpp's: BOS = EOS = 11 (when the vocabulary is that large), no UNK, add_bos per the
  // pre-tokenizer (on for llama3-style vocabularies).
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Create(const GgufFile& gguf);

 private:
  BpeTokenizer(Vocab vocab, std::unique_ptr<PreTokenizer> pre_tokenizer,
               absl::flat_hash_map<std::string, int32_t> ranks);

  void EncodeText(std::string_view text, bool after_special,
                  std::vector<int32_t>* out) const override;
  std::string NormalTokenBytes(const std::string& text) const override;

  void EncodeWord(const std::string& word, std::vector<int32_t>* out) const;
  // Rank of merging `left` and `right`, or -1.
  int32_t Rank(std::string_view left, std::string_view right, std::string* scratch) const;

  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  // "left right" (the merge line) -> rank. Byte-level tokens never contain a space, so the line
  // identifies the pair.
  absl::flat_hash_map<std::string, int32_t> ranks_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_TOKENIZER_BPE_TOKENIZER_H_
