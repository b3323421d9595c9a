// SpmTokenizer: SentencePiece-style tokenization (tokenizer.ggml.model = "llama"), as llama.cpp
// implements it: spaces become U+2581 (with a leading one when add_space_prefix is set), the
// input is cut into UTF-8 characters, and adjacent pieces are merged while their concatenation
// is a vocabulary token, the highest-scoring pair first (leftmost on ties). Pieces that are not
// tokens fall back to byte tokens <0xHH>.
#ifndef EDGELLM_CORE_TOKENIZER_SPM_TOKENIZER_H_
#define EDGELLM_CORE_TOKENIZER_SPM_TOKENIZER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/gguf/gguf_file.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/vocab.h"

namespace edgellm {

class SpmTokenizer final : public Tokenizer {
 public:
  // Defaults as llama.cpp's: BOS 1, EOS 2, UNK 0, add_bos and add_space_prefix on.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Create(const GgufFile& gguf);

 private:
  explicit SpmTokenizer(Vocab vocab);

  void EncodeText(std::string_view text, bool after_special,
                  std::vector<int32_t>* out) const override;
  std::string NormalTokenBytes(const std::string& text) const override;

  // Token of each byte for the fallback: "<0xHH>", else the one-byte text, else UNK (may be
  // kNoToken, and then the byte is dropped).
  std::array<int32_t, 256> byte_tokens_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_TOKENIZER_SPM_TOKENIZER_H_
