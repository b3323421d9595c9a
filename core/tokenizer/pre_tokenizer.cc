#include "core/tokenizer/pre_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/utf8.h"

namespace edgellm {
namespace {

// GPT-2's split. The same expression serves as the word splitter of most other lists.
constexpr const char kGpt2[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";

// Llama 3's split with the case-insensitive contractions spelled out (PCRE2 would accept (?i:),
// but this is the form llama.cpp runs).
constexpr const char kLlama3[] =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|)"
    R"(\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Qwen2: Llama 3's split with single digits.
constexpr const char kQwen2[] =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|)"
    R"(\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Runs of CJK ideographs, U+0800..U+4E00 and Hangul, as DeepSeek's tokenizers split them.
constexpr const char kDeepSeekCjk[] = R"([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)";

// DeepSeek LLM's cased-letter words: ASCII letters plus the cased letters of many scripts, as
// listed in the model's tokenizer.json.
constexpr const char kDeepSeekLlmLetters[] =
    R"(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293})"
    R"(\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A})"
    R"(\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556})"
    R"(\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF})"
    R"(\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D})"
    R"(\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D})"
    R"(\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4})"
    R"(\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4})"
    R"(\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124})"
    R"(\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F})"
    R"(\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4})"
    R"(\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F})"
    R"(\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17})"
    R"(\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3})"
    R"(\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF})"
    R"(\x{1E900}-\x{1E943}]+)";

// DeepSeek LLM's punctuation runs: ASCII punctuation and symbols, their full-width forms, curly
// quotes and the CJK space, comma and full stop.
constexpr const char kDeepSeekLlmPunct[] =
    R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)";

// Unicode's White_Space property, as a character-class body. PCRE2's \s (with UCP) also matches
// U+180E, which llama.cpp's and Python's \s do not.
constexpr char kWhiteSpace[] =
    R"(\t-\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

// `pattern` with \s and \S spelled out as kWhiteSpace classes.
std::string WithWhiteSpaceClass(std::string_view pattern) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char escaped = pattern[++i];
      if (escaped == 's') {
        out += in_class ? std::string(kWhiteSpace) : absl::StrCat("[", kWhiteSpace, "]");
      } else if (escaped == 'S' && !in_class) {
        out += absl::StrCat("[^", kWhiteSpace, "]");
      } else {
        out += c;
        out += escaped;
      }
      continue;
    }
    if (c == '[') in_class = true;
    if (c == ']') in_class = false;
    out += c;
  }
  return out;
}

struct Spec {
  std::vector<const char*> patterns;
  bool ignore_merges = false;
  bool add_bos_default = false;
};

bool NameIn(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (name == n) return true;
  }
  return false;
}

absl::StatusOr<Spec> SpecForName(std::string_view name) {
  if (name.empty() || name == "default") {
    return Spec{{R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", "[0-9][0-9][0-9]"}};
  }
  if (NameIn(name, {"gpt-2", "phi-2", "mpt", "olmo"})) return Spec{{kGpt2}};
  if (NameIn(name, {"llama3", "llama-v3", "llama-bpe", "falcon3"})) {
    return Spec{{kLlama3}, /*ignore_merges=*/true, /*add_bos_default=*/true};
  }
  if (NameIn(name, {"dbrx", "smaug-bpe"})) return Spec{{kLlama3}};
  if (NameIn(name, {"qwen2", "deepseek-r1-qwen", "stablelm2"})) return Spec{{kQwen2}};
  if (name == "deepseek-llm") {
    return Spec{{R"([\r\n])", kDeepSeekLlmLetters, kDeepSeekLlmPunct, R"(\s+$)", kDeepSeekCjk,
                 R"(\p{N}+)"}};
  }
  if (name == "deepseek-coder") {
    return Spec{{R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kDeepSeekCjk, R"(\p{N})"}};
  }
  if (name == "falcon") {
    return Spec{{R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, "[0-9][0-9][0-9]"}};
  }
  if (NameIn(name, {"starcoder", "refact", "smollm", "codeshell"})) {
    return Spec{{R"(\p{N})", kGpt2}};
  }
  return absl::NotFoundError(
      absl::StrCat("tokenizer.ggml.pre: unsupported pre-tokenizer '", std::string(name), "'"));
}

}  // namespace

struct PreTokenizer::Regex {
  pcre2_code* code = nullptr;
  ~Regex() { pcre2_code_free(code); }
};

PreTokenizer::PreTokenizer(std::vector<std::unique_ptr<Regex>> regexes, bool ignore_merges,
                           bool add_bos_default)
    : regexes_(std::move(regexes)),
      ignore_merges_(ignore_merges),
      add_bos_default_(add_bos_default) {}

PreTokenizer::~PreTokenizer() = default;

absl::StatusOr<std::unique_ptr<PreTokenizer>> PreTokenizer::ForName(std::string_view name) {
  absl::StatusOr<Spec> spec = SpecForName(name);
  if (!spec.ok()) return spec.status();
  std::vector<std::unique_ptr<Regex>> regexes;
  for (const char* pattern : spec->patterns) {
    int error = 0;
    PCRE2_SIZE error_offset = 0;
    auto regex = std::make_unique<Regex>();
    const std::string expanded = WithWhiteSpaceClass(pattern);
    regex->code =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(expanded.data()), expanded.size(),
                      PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &error, &error_offset, nullptr);
    if (regex->code == nullptr) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error, message, sizeof(message));
      return absl::InternalError(absl::StrCat("pre-tokenizer '", std::string(name), "': regex ",
                                              expanded, " does not compile at offset ",
                                              error_offset, ": ",
                                              reinterpret_cast<const char*>(message)));
    }
    // JIT is an optimization only: without it (or past its stack) matching falls back to the
    // interpreter.
    pcre2_jit_compile(regex->code, PCRE2_JIT_COMPLETE);
    regexes.push_back(std::move(regex));
  }
  return std::unique_ptr<PreTokenizer>(
      new PreTokenizer(std::move(regexes), spec->ignore_merges, spec->add_bos_default));
}

std::vector<std::string> PreTokenizer::Split(std::string_view raw) const {
  const std::string text = SanitizeUtf8(raw);
  // Pieces as [begin, end) byte ranges of `text`.
  std::vector<std::pair<size_t, size_t>> pieces;
  if (!text.empty()) pieces.emplace_back(0, text.size());

  for (const std::unique_ptr<Regex>& regex : regexes_) {
    pcre2_match_data* match = pcre2_match_data_create_from_pattern(regex->code, nullptr);
    std::vector<std::pair<size_t, size_t>> split;
    split.reserve(pieces.size() * 2);
    for (const auto& [begin, end] : pieces) {
      // Each piece is its own subject: lookaheads and `$` must not see past it.
      const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data() + begin);
      const size_t length = end - begin;
      size_t last = 0;  // end of the previous match, relative to `begin`
      size_t from = 0;
      while (from < length) {
        int rc =
            pcre2_match(regex->code, subject, length, from, PCRE2_NO_UTF_CHECK, match, nullptr);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
          rc = pcre2_match(regex->code, subject, length, from, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT,
                           match, nullptr);
        }
        // No match, or a matching error (resource limits): the rest stays one piece.
        if (rc < 0) break;
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match);
        const size_t match_begin = ovector[0];
        const size_t match_end = ovector[1];
        if (match_end == match_begin) {
          // An empty match splits nothing; retry one code point further.
          from = match_begin + Utf8LengthFromLeadByte(static_cast<uint8_t>(subject[match_begin]));
          continue;
        }
        if (match_begin > last) split.emplace_back(begin + last, begin + match_begin);
        split.emplace_back(begin + match_begin, begin + match_end);
        last = from = match_end;
      }
      if (last < length) split.emplace_back(begin + last, end);
    }
    pcre2_match_data_free(match);
    pieces = std::move(split);
  }

  std::vector<std::string> words;
  words.reserve(pieces.size());
  for (const auto& [begin, end] : pieces) {
    words.push_back(ByteLevelEncode(std::string_view(text).substr(begin, end - begin)));
  }
  return words;
}

}  // namespace edgellm
