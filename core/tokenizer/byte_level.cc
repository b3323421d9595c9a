#include "core/tokenizer/byte_level.h"

#include <array>
#include <cstdint>
#include <vector>

#include "core/tokenizer/utf8.h"

namespace edgellm {
namespace {

// Code points of the alphabet are all below this bound (the last remapped byte gets U+0143).
constexpr uint32_t kAlphabetEnd = 0x144;

struct ByteLevelTables {
  std::array<std::string, 256> encoded;   // byte -> UTF-8 of its code point
  std::array<int, kAlphabetEnd> byte_of;  // code point -> byte, or -1

  ByteLevelTables() {
    byte_of.fill(-1);
    auto printable = [](int b) {
      return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    uint32_t next_extra = 0x100;
    for (int b = 0; b < 256; ++b) {
      const uint32_t cp = printable(b) ? static_cast<uint32_t>(b) : next_extra++;
      AppendUtf8(cp, &encoded[b]);
      byte_of[cp] = b;
    }
  }
};

const ByteLevelTables& Tables() {
  static const ByteLevelTables* const tables = new ByteLevelTables();
  return *tables;
}

}  // namespace

std::string ByteLevelEncode(std::string_view bytes) {
  const ByteLevelTables& t = Tables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += t.encoded[static_cast<uint8_t>(c)];
  return out;
}

std::string ByteLevelDecode(std::string_view text) {
  const ByteLevelTables& t = Tables();
  std::string out;
  out.reserve(text.size());
  for (uint32_t cp : DecodeUtf8Lenient(text)) {
    if (cp < kAlphabetEnd && t.byte_of[cp] >= 0) {
      out.push_back(static_cast<char>(t.byte_of[cp]));
    } else {
      AppendUtf8(cp, &out);
    }
  }
  return out;
}

}  // namespace edgellm
