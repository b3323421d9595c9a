#include "core/tokenizer/vocab.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace edgellm {
namespace {

constexpr char kTokensKey[] = "tokenizer.ggml.tokens";
constexpr char kScoresKey[] = "tokenizer.ggml.scores";
constexpr char kTokenTypeKey[] = "tokenizer.ggml.token_type";
constexpr char kAddBosKey[] = "tokenizer.ggml.add_bos_token";
constexpr char kAddEosKey[] = "tokenizer.ggml.add_eos_token";
constexpr char kAddSpacePrefixKey[] = "tokenizer.ggml.add_space_prefix";
constexpr char kBosKey[] = "tokenizer.ggml.bos_token_id";
constexpr char kEosKey[] = "tokenizer.ggml.eos_token_id";

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status KeyError(const GgufFile& gguf, std::string_view key, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(gguf.path(), ": ", AbslView(key), ": ", what));
}

// An optional key: nullopt when absent, an error naming the key when it does not convert.
absl::StatusOr<std::optional<bool>> FindBool(const GgufFile& gguf, std::string_view key) {
  const GgufValue* value = gguf.FindMetadata(key);
  if (value == nullptr) return std::nullopt;
  absl::StatusOr<bool> b = value->AsBool();
  if (!b.ok()) return KeyError(gguf, key, b.status().message());
  return *b;
}

absl::StatusOr<std::optional<uint64_t>> FindUint(const GgufFile& gguf, std::string_view key) {
  const GgufValue* value = gguf.FindMetadata(key);
  if (value == nullptr) return std::nullopt;
  absl::StatusOr<uint64_t> u = value->AsUint();
  if (!u.ok()) return KeyError(gguf, key, u.status().message());
  return *u;
}

// A numeric per-token array (scores, token types): nullptr when absent, else checked to be an
// array with at least n_tokens elements.
absl::StatusOr<const GgufValue*> FindPerTokenArray(const GgufFile& gguf, std::string_view key,
                                                   size_t n_tokens) {
  const GgufValue* value = gguf.FindMetadata(key);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    return KeyError(gguf, key,
                    absl::StrCat("expected an array, found ", GgufTypeName(value->type())));
  }
  if (value->size() < n_tokens) {
    return KeyError(gguf, key, absl::StrCat(value->size(), " entries for ", n_tokens, " tokens"));
  }
  return value;
}

template <size_t N>
bool TextIn(std::string_view text, const std::string_view (&texts)[N]) {
  return std::find(std::begin(texts), std::end(texts), text) != std::end(texts);
}

// Texts llama.cpp takes for an end-of-turn token when tokenizer.ggml.eot_token_id is absent.
constexpr std::string_view kEotTexts[] = {
    "<|eot_id|>",        "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
    "<|end_of_text|>",   "<EOT>",      "_<EOT>",  "[EOT]",         "<｜end▁of▁sentence｜>",
    "<end_of_utterance>"};
constexpr std::string_view kEomTexts[] = {"<|eom_id|>"};
// Likewise for the fill-in-the-middle tokens.
constexpr std::string_view kFimPreTexts[] = {"<|fim_prefix|>",  "<fim-prefix>", "<fim_prefix>",
                                             "<｜fim▁begin｜>", "<PRE>",        "▁<PRE>",
                                             "<|code_prefix|>", "<|prefix|>"};
constexpr std::string_view kFimSufTexts[] = {"<|fim_suffix|>",  "<fim-suffix>", "<fim_suffix>",
                                             "<｜fim▁hole｜>",  "<SUF>",        "▁<SUF>",
                                             "<|code_suffix|>", "<|suffix|>"};
constexpr std::string_view kFimMidTexts[] = {"<|fim_middle|>",  "<fim-middle>", "<fim_middle>",
                                             "<｜fim▁end｜>",   "<MID>",        "▁<MID>",
                                             "<|code_middle|>", "<|middle|>"};
constexpr std::string_view kFimPadTexts[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>",
                                             "[PAD]"};
constexpr std::string_view kFimRepTexts[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>",
                                             "<REPO>", "<reponame>"};
constexpr std::string_view kFimSepTexts[] = {"<|file_sep|>"};
// Texts that end generation whatever the ids say.
constexpr std::string_view kEogTexts[] = {"<|eot_id|>",
                                          "<|im_end|>",
                                          "<|end|>",
                                          "<end_of_turn>",
                                          "<|endoftext|>",
                                          "</s>",
                                          "<|eom_id|>",
                                          "<EOT>",
                                          "_<EOT>",
                                          "[EOT]",
                                          "[EOS]",
                                          "<|end_of_text|>",
                                          "<end_of_utterance>",
                                          "<eos>",
                                          "<｜end▁of▁sentence｜>"};

bool IsValidTokenType(int32_t t) { return t >= 0 && t <= static_cast<int32_t>(TokenType::kByte); }

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool ParseByteToken(std::string_view text, uint8_t* byte) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return false;
  const int hi = HexDigitValue(text[3]);
  const int lo = HexDigitValue(text[4]);
  if (hi < 0 || lo < 0) return false;
  *byte = static_cast<uint8_t>(hi * 16 + lo);
  return true;
}

int32_t Vocab::Find(std::string_view text) const {
  auto it = token_to_id_.find(AbslView(text));
  return it == token_to_id_.end() ? kNoToken : it->second;
}

absl::StatusOr<Vocab> Vocab::FromGguf(const GgufFile& gguf, const VocabDefaults& defaults) {
  Vocab vocab;
  absl::StatusOr<const std::vector<std::string>*> texts = gguf.GetStringArray(kTokensKey);
  if (!texts.ok()) return texts.status();
  const size_t n = (*texts)->size();
  if (n == 0) return KeyError(gguf, kTokensKey, "the vocabulary is empty");
  if (n > static_cast<size_t>(INT32_MAX)) return KeyError(gguf, kTokensKey, "too many tokens");

  std::vector<float> scores;
  absl::StatusOr<const GgufValue*> scores_value = FindPerTokenArray(gguf, kScoresKey, n);
  if (!scores_value.ok()) return scores_value.status();
  if (*scores_value != nullptr) {
    absl::StatusOr<std::vector<float>> s = (*scores_value)->ToFloats();
    if (!s.ok()) return KeyError(gguf, kScoresKey, s.status().message());
    scores = *std::move(s);
  }
  std::vector<int32_t> types;
  absl::StatusOr<const GgufValue*> types_value = FindPerTokenArray(gguf, kTokenTypeKey, n);
  if (!types_value.ok()) return types_value.status();
  if (*types_value != nullptr) {
    absl::StatusOr<std::vector<int32_t>> t = (*types_value)->ToInt32s();
    if (!t.ok()) return KeyError(gguf, kTokenTypeKey, t.status().message());
    types = *std::move(t);
  }

  vocab.tokens_.resize(n);
  vocab.token_to_id_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Token& token = vocab.tokens_[i];
    token.text = (**texts)[i];
    // llama.cpp names empty tokens so that they can never match input text.
    if (token.text.empty()) token.text = absl::StrCat("[EMPTY_", i, "]");
    if (!scores.empty()) token.score = scores[i];
    if (!types.empty()) {
      if (!IsValidTokenType(types[i])) {
        return KeyError(gguf, kTokenTypeKey,
                        absl::StrCat("token ", i, " has unknown type ", types[i]));
      }
      token.type = static_cast<TokenType>(types[i]);
      uint8_t byte = 0;
      if (token.type == TokenType::kByte && !ParseByteToken(token.text, &byte)) {
        return KeyError(gguf, kTokenTypeKey,
                        absl::StrCat("BYTE token ", i, " reads '", token.text, "', not <0xHH>"));
      }
    }
    const auto [it, inserted] = vocab.token_to_id_.emplace(token.text, static_cast<int32_t>(i));
    if (!inserted) {
      return KeyError(
          gguf, kTokensKey,
          absl::StrCat("token '", token.text, "' appears as id ", it->second, " and as id ", i));
    }
  }

  // Special-token ids: a default outside the vocabulary means "none"; a value from the file
  // outside the vocabulary is ignored (both as llama.cpp does).
  auto in_range_or_none = [&](int32_t id) { return vocab.Contains(id) ? id : kNoToken; };
  vocab.bos_id_ = in_range_or_none(defaults.bos_id);
  vocab.eos_id_ = in_range_or_none(defaults.eos_id);
  vocab.unk_id_ = in_range_or_none(defaults.unk_id);
  int32_t eot_id = kNoToken;
  int32_t eom_id = kNoToken;
  int32_t fim_pre_id = kNoToken;
  int32_t fim_suf_id = kNoToken;
  int32_t fim_mid_id = kNoToken;
  int32_t fim_pad_id = kNoToken;
  int32_t fim_rep_id = kNoToken;
  int32_t fim_sep_id = kNoToken;
  const std::pair<const char*, int32_t*> id_keys[] = {
      {kBosKey, &vocab.bos_id_},
      {kEosKey, &vocab.eos_id_},
      {"tokenizer.ggml.eot_token_id", &eot_id},
      {"tokenizer.ggml.eom_token_id", &eom_id},
      {"tokenizer.ggml.unknown_token_id", &vocab.unk_id_},
      {"tokenizer.ggml.fim_pre_token_id", &fim_pre_id},
      {"tokenizer.ggml.fim_suf_token_id", &fim_suf_id},
      {"tokenizer.ggml.fim_mid_token_id", &fim_mid_id},
      {"tokenizer.ggml.fim_pad_token_id", &fim_pad_id},
      {"tokenizer.ggml.fim_rep_token_id", &fim_rep_id},
      {"tokenizer.ggml.fim_sep_token_id", &fim_sep_id},
      // Older names of the first three FIM keys.
      {"tokenizer.ggml.prefix_token_id", &fim_pre_id},
      {"tokenizer.ggml.suffix_token_id", &fim_suf_id},
      {"tokenizer.ggml.middle_token_id", &fim_mid_id},
  };
  for (const auto& [key, id] : id_keys) {
    absl::StatusOr<std::optional<uint64_t>> value = FindUint(gguf, key);
    if (!value.ok()) return value.status();
    if (value->has_value() && **value < n) *id = static_cast<int32_t>(**value);
  }

  vocab.add_bos_ = defaults.add_bos;
  vocab.add_space_prefix_ = defaults.add_space_prefix;
  const std::pair<const char*, bool*> flag_keys[] = {
      {kAddBosKey, &vocab.add_bos_},
      {kAddEosKey, &vocab.add_eos_},
      {kAddSpacePrefixKey, &vocab.add_space_prefix_},
  };
  for (const auto& [key, flag] : flag_keys) {
    absl::StatusOr<std::optional<bool>> value = FindBool(gguf, key);
    if (!value.ok()) return value.status();
    if (value->has_value()) *flag = **value;
  }
  if (vocab.add_bos_ && vocab.bos_id_ == kNoToken) {
    return KeyError(gguf, kAddBosKey, absl::StrCat("is true, but ", kBosKey, " is not set"));
  }
  if (vocab.add_eos_ && vocab.eos_id_ == kNoToken) {
    return KeyError(gguf, kAddEosKey, absl::StrCat("is true, but ", kEosKey, " is not set"));
  }

  // Tokens recognized by their text, as llama.cpp does for files converted without the ids;
  // whatever is recognized becomes a CONTROL token.
  auto recognize = [&](int32_t id, int32_t* slot, const auto& list) {
    if (*slot == kNoToken && TextIn(vocab.tokens_[id].text, list)) {
      *slot = id;
      vocab.tokens_[id].type = TokenType::kControl;
    }
  };
  for (int32_t id = 0; id < vocab.size(); ++id) {
    recognize(id, &eot_id, kEotTexts);
    recognize(id, &eom_id, kEomTexts);
    recognize(id, &fim_pre_id, kFimPreTexts);
    recognize(id, &fim_suf_id, kFimSufTexts);
    recognize(id, &fim_mid_id, kFimMidTexts);
    recognize(id, &fim_pad_id, kFimPadTexts);
    recognize(id, &fim_rep_id, kFimRepTexts);
    recognize(id, &fim_sep_id, kFimSepTexts);
  }
  for (int32_t id = 0; id < vocab.size(); ++id) {
    if (TextIn(vocab.tokens_[id].text, kEogTexts)) {
      vocab.eog_ids_.insert(id);
      vocab.tokens_[id].type = TokenType::kControl;
    }
  }
  for (int32_t id : {fim_pad_id, fim_rep_id, fim_sep_id, vocab.eos_id_, eot_id, eom_id}) {
    if (id != kNoToken) vocab.eog_ids_.insert(id);
  }

  for (int32_t id = 0; id < vocab.size(); ++id) {
    const TokenType type = vocab.tokens_[id].type;
    if (type == TokenType::kControl || type == TokenType::kUserDefined ||
        type == TokenType::kUnknown) {
      vocab.special_tokens_.push_back(id);
    }
  }
  std::stable_sort(vocab.special_tokens_.begin(), vocab.special_tokens_.end(),
                   [&](int32_t a, int32_t b) {
                     return vocab.tokens_[a].text.size() > vocab.tokens_[b].text.size();
                   });

  // Phi-3's special tokens swallow the whitespace after them (llama.cpp keys this on the name).
  const GgufValue* name_value = gguf.FindMetadata("general.name");
  if (name_value != nullptr && name_value->type() == GgufType::STRING) {
    std::string name = *name_value->AsString();
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
      for (int32_t id : vocab.special_tokens_) vocab.tokens_[id].rstrip = true;
      for (std::string_view text : {"<unk>", "<s>", "<|endoftext|>"}) {
        const int32_t id = vocab.Find(text);
        if (id != kNoToken) vocab.tokens_[id].rstrip = false;
      }
    }
  }
  return vocab;
}

}  // namespace edgellm
