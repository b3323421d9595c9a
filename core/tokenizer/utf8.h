// UTF-8 helpers shared by the tokenizers and the streaming detokenizer.
//
// Two decoders live here on purpose:
// - the lenient one mirrors llama.cpp's tokenizer input handling (each byte that does not start a
//   well-formed sequence becomes U+FFFD, overlong forms are accepted), so that the pre-tokenizer
//   sees exactly the code points llama.cpp sees;
// - the strict one (ConsumeUtf8) follows the Unicode "maximal subpart" practice and is used for
//   text handed back to users.
#ifndef EDGELLM_CORE_TOKENIZER_UTF8_H_
#define EDGELLM_CORE_TOKENIZER_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgellm {

inline constexpr uint32_t kReplacementCodePoint = 0xFFFD;

// Length of the sequence that `lead` announces, judged by its top four bits only
// (1 for ASCII and for stray continuation bytes, 2 for 0xC_/0xD_, 3 for 0xE_, 4 for 0xF_).
size_t Utf8LengthFromLeadByte(uint8_t lead);

// Appends the UTF-8 encoding of `cp`; surrogates and values above U+10FFFF become U+FFFD.
void AppendUtf8(uint32_t cp, std::string* out);

// Decodes like llama.cpp's unicode_cpts_from_utf8: a byte that does not begin a complete
// sequence (right lead, right number of continuation bytes) yields U+FFFD and decoding resumes at
// the next byte.
std::vector<uint32_t> DecodeUtf8Lenient(std::string_view text);

// DecodeUtf8Lenient followed by AppendUtf8 for each code point: always valid UTF-8.
std::string SanitizeUtf8(std::string_view text);

// Moves the longest prefix of `*pending` that can be emitted now into the returned string, as
// valid UTF-8: well-formed sequences are copied, each maximal ill-formed subpart becomes U+FFFD.
// A trailing incomplete sequence that could still become well-formed stays in `*pending` unless
// `flush` is true, in which case it is replaced by U+FFFD as well and `*pending` ends up empty.
std::string ConsumeUtf8(std::string* pending, bool flush);

}  // namespace edgellm

#endif  // EDGELLM_CORE_TOKENIZER_UTF8_H_
