// Tokenizer: text <-> token ids for the vocabulary a GGUF file carries in its `tokenizer.ggml.*`
// metadata, matching llama.cpp's tokenization token for token.
//
// Two families (tokenizer.ggml.model):
// - "llama": SentencePiece-style (SpmTokenizer): merges by token score, byte fallback.
// - "gpt2": byte-level BPE (BpeTokenizer): regex pre-tokenizer, merges by rank.
// Special tokens (CONTROL / USER_DEFINED / UNKNOWN types) are split out of the input first.
//
// Thread-safe: every const method may be called concurrently.
#ifndef EDGELLM_CORE_TOKENIZER_TOKENIZER_H_
#define EDGELLM_CORE_TOKENIZER_TOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/gguf/gguf_file.h"
#include "core/tokenizer/vocab.h"

namespace edgellm {

class Tokenizer {
 public:
  // The tokenizer described by `gguf`'s metadata. The file is not referenced afterwards.
  // Errors (InvalidArgument / NotFound / Unimplemented) name the file and the offending key, e.g.
  // an unsupported tokenizer.ggml.model or tokenizer.ggml.pre.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromGguf(const GgufFile& gguf);

  virtual ~Tokenizer() = default;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Token ids of `text`. `add_special`: prepend BOS when add_bos() (and append EOS when the file
  // sets tokenizer.ggml.add_eos_token). `parse_special`: the texts of CONTROL and UNKNOWN tokens
  // in `text` become those tokens; USER_DEFINED tokens are always matched.
  std::vector<int32_t> Encode(std::string_view text, bool add_special, bool parse_special) const;

  // The bytes token `id` stands for (not necessarily valid UTF-8 on its own: byte tokens and
  // byte-level pieces may hold part of a character). SentencePiece pieces have U+2581 turned into
  // spaces; CONTROL and UNKNOWN tokens render as "" unless `special`, then as their text.
  // "" for an id outside the vocabulary.
  std::string TokenToPiece(int32_t id, bool special = false) const;

  int32_t n_vocab() const { return vocab_.size(); }
  // kNoToken when the vocabulary has none.
  int32_t bos_id() const { return vocab_.bos_id(); }
  int32_t eos_id() const { return vocab_.eos_id(); }
  // End of generation (EOS, EOT, EOM and the other tokens llama.cpp flags).
  bool IsEog(int32_t id) const { return vocab_.IsEog(id); }
  // Whether Encode(..., add_special = true, ...) prepends BOS.
  bool add_bos() const { return vocab_.add_bos(); }
  const Vocab& vocab() const { return vocab_; }

 protected:
  explicit Tokenizer(Vocab vocab) : vocab_(std::move(vocab)) {}

  // Appends the tokens of `text`, a non-empty run of input between special tokens.
  // `after_special` is true for the first run of the input and for runs right after a special
  // token.
  virtual void EncodeText(std::string_view text, bool after_special,
                          std::vector<int32_t>* out) const = 0;
  // The bytes of the NORMAL token with text `text`.
  virtual std::string NormalTokenBytes(const std::string& text) const = 0;

  const Vocab vocab_;

 private:
  // A piece of the input: a special token, or the bytes [begin, end) of plain text.
  struct Fragment {
    int32_t token;  // kNoToken for plain text
    size_t begin;
    size_t end;
  };
  std::vector<Fragment> SplitSpecialTokens(std::string_view text, bool parse_special) const;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_TOKENIZER_TOKENIZER_H_
