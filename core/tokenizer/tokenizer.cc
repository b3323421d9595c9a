#include "core/tokenizer/tokenizer.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/tokenizer/bpe_tokenizer.h"
#include "core/tokenizer/spm_tokenizer.h"

namespace edgellm {
namespace {

// isspace() in the C locale, which llama.cpp uses when stripping around special tokens.
bool IsAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

}  // namespace

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromGguf(const GgufFile& gguf) {
  constexpr char kModelKey[] = "tokenizer.ggml.model";
  absl::StatusOr<std::string> model = gguf.GetString(kModelKey);
  if (!model.ok()) return model.status();
  if (*model == "llama") return SpmTokenizer::Create(gguf);
  if (*model == "gpt2") return BpeTokenizer::Create(gguf);
  return absl::UnimplementedError(absl::StrCat(gguf.path(), ": ", kModelKey, ": tokenizer '",
                                               *model, "' is not supported (llama, gpt2 are)"));
}

std::vector<Tokenizer::Fragment> Tokenizer::SplitSpecialTokens(std::string_view text,
                                                               bool parse_special) const {
  std::vector<Fragment> fragments;
  if (!text.empty()) fragments.push_back({kNoToken, 0, text.size()});
  std::vector<Fragment> split;
  for (int32_t id : vocab_.special_tokens()) {
    const Vocab::Token& token = vocab_.token(id);
    if (!parse_special &&
        (token.type == TokenType::kControl || token.type == TokenType::kUnknown)) {
      continue;
    }
    split.clear();
    for (const Fragment& fragment : fragments) {
      if (fragment.token != kNoToken) {
        split.push_back(fragment);
        continue;
      }
      const std::string_view window = text.substr(0, fragment.end);
      size_t pos = fragment.begin;
      for (size_t match = window.find(token.text, pos); match != std::string_view::npos;
           match = window.find(token.text, pos)) {
        if (match > pos) split.push_back({kNoToken, pos, match});
        split.push_back({id, match, match + token.text.size()});
        pos = match + token.text.size();
        if (token.rstrip) {
          while (pos < fragment.end && IsAsciiSpace(text[pos])) ++pos;
        }
      }
      if (pos < fragment.end) split.push_back({kNoToken, pos, fragment.end});
    }
    fragments.swap(split);
  }
  return fragments;
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  std::vector<int32_t> out;
  if (add_special && vocab_.add_bos()) out.push_back(vocab_.bos_id());
  bool after_special = true;
  for (const Fragment& fragment : SplitSpecialTokens(text, parse_special)) {
    if (fragment.token != kNoToken) {
      out.push_back(fragment.token);
      after_special = true;
    } else {
      EncodeText(text.substr(fragment.begin, fragment.end - fragment.begin), after_special, &out);
      after_special = false;
    }
  }
  if (add_special && vocab_.add_eos()) out.push_back(vocab_.eos_id());
  return out;
}

std::string Tokenizer::TokenToPiece(int32_t id, bool special) const {
  if (!vocab_.Contains(id)) return {};
  const Vocab::Token& token = vocab_.token(id);
  switch (token.type) {
    case TokenType::kControl:
    case TokenType::kUnknown:
      return special ? token.text : std::string();
    case TokenType::kUserDefined:
      return token.text;
    case TokenType::kNormal:
      return NormalTokenBytes(token.text);
    case TokenType::kByte: {
      uint8_t byte = 0;
      ParseByteToken(token.text, &byte);  // checked when the vocabulary was read
      return std::string(1, static_cast<char>(byte));
    }
    case TokenType::kUnused:
    case TokenType::kUndefined:
      break;
  }
  return {};
}

}  // namespace edgellm
