// Vocab: the token table and special-token settings of a GGUF file's `tokenizer.ggml.*` metadata,
// read the way llama.cpp reads them (defaults, out-of-range ids, end-of-generation detection).
#ifndef EDGELLM_CORE_TOKENIZER_VOCAB_H_
#define EDGELLM_CORE_TOKENIZER_VOCAB_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "core/gguf/gguf_file.h"

namespace edgellm {

// The id meaning "no such token".
inline constexpr int32_t kNoToken = -1;

// Values of tokenizer.ggml.token_type.
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// The byte a BYTE token's text "<0xHH>" stands for (hex digits of either case); false when `text`
// has another form.
bool ParseByteToken(std::string_view text, uint8_t* byte);

// What a tokenizer family assumes for keys a file leaves out.
struct VocabDefaults {
  int32_t bos_id = kNoToken;
  int32_t eos_id = kNoToken;
  int32_t unk_id = kNoToken;
  bool add_bos = false;
  bool add_space_prefix = false;
};

class Vocab {
 public:
  struct Token {
    std::string text;
    float score = 0.0f;
    TokenType type = TokenType::kNormal;
    // Whitespace right after this token is dropped when it is split out of the input
    // (llama.cpp sets this for the special tokens of Phi-3 vocabularies).
    bool rstrip = false;
  };

  // Reads tokenizer.ggml.tokens (required; BYTE tokens must read "<0xHH>"), .scores and
  // .token_type, the special-token ids (.bos / .eos / .eot / .eom / .unknown / .fim_* _token_id)
  // and flags (.add_bos_token, .add_eos_token, .add_space_prefix), and general.name (Phi-3's
  // rstrip). `defaults` fill in what the file leaves out. Errors name the file and the key.
  static absl::StatusOr<Vocab> FromGguf(const GgufFile& gguf, const VocabDefaults& defaults);

  int32_t size() const { return static_cast<int32_t>(tokens_.size()); }
  bool Contains(int32_t id) const { return id >= 0 && id < size(); }
  // Requires Contains(id).
  const Token& token(int32_t id) const { return tokens_[id]; }
  // The id of the token whose text is exactly `text`, or kNoToken.
  int32_t Find(std::string_view text) const;

  int32_t bos_id() const { return bos_id_; }
  int32_t eos_id() const { return eos_id_; }
  int32_t unk_id() const { return unk_id_; }
  bool add_bos() const { return add_bos_; }
  bool add_eos() const { return add_eos_; }
  bool add_space_prefix() const { return add_space_prefix_; }
  // End of generation: EOS, EOT, EOM, FIM pad/repo/file-separator, and the tokens llama.cpp
  // recognizes by text ("<|eot_id|>", "<|im_end|>", "<|endoftext|>", "</s>", ...).
  bool IsEog(int32_t id) const { return eog_ids_.contains(id); }

  // CONTROL, USER_DEFINED and UNKNOWN tokens, longest text first (ties by id): the order in which
  // they are split out of the input.
  const std::vector<int32_t>& special_tokens() const { return special_tokens_; }

 private:
  std::vector<Token> tokens_;
  absl::flat_hash_map<std::string, int32_t> token_to_id_;
  int32_t bos_id_ = kNoToken;
  int32_t eos_id_ = kNoToken;
  int32_t unk_id_ = kNoToken;
  bool add_bos_ = false;
  bool add_eos_ = false;
  bool add_space_prefix_ = false;
  absl::flat_hash_set<int32_t> eog_ids_;
  std::vector<int32_t> special_tokens_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_TOKENIZER_VOCAB_H_
