// GPT-2's byte-level alphabet: every byte maps to one printable code point (bytes that are
// printable Latin-1 map to themselves, the other 68 to U+0100.. in byte order), so byte-level BPE
// vocabularies store any byte string as ordinary text ("Ġ" is the space byte, "Ċ" the newline).
#ifndef EDGELLM_CORE_TOKENIZER_BYTE_LEVEL_H_
#define EDGELLM_CORE_TOKENIZER_BYTE_LEVEL_H_

#include <string>
#include <string_view>

namespace edgellm {

// Each byte of `bytes` replaced by the UTF-8 of its code point.
std::string ByteLevelEncode(std::string_view bytes);

// Inverse of ByteLevelEncode for a token text. Code points outside the alphabet (found only in
// malformed vocabularies) are copied through as their UTF-8.
std::string ByteLevelDecode(std::string_view text);

}  // namespace edgellm

#endif  // EDGELLM_CORE_TOKENIZER_BYTE_LEVEL_H_
