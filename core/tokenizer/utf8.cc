#include "core/tokenizer/utf8.h"

namespace edgellm {
namespace {

bool IsContinuation(uint8_t b) { return (b & 0xC0) == 0x80; }

// Valid range of the second byte of a well-formed sequence starting with `lead`
// (Unicode 15, table 3-7); the remaining bytes are always 0x80..0xBF.
struct SecondByteRange {
  uint8_t lo;
  uint8_t hi;
};

SecondByteRange SecondByteRangeFor(uint8_t lead) {
  switch (lead) {
    case 0xE0:
      return {0xA0, 0xBF};
    case 0xED:
      return {0x80, 0x9F};
    case 0xF0:
      return {0x90, 0xBF};
    case 0xF4:
      return {0x80, 0x8F};
    default:
      return {0x80, 0xBF};
  }
}

// Length of a well-formed sequence led by `lead`, or 0 when `lead` can never start one.
size_t WellFormedLength(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

}  // namespace

size_t Utf8LengthFromLeadByte(uint8_t lead) {
  static constexpr size_t kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[lead >> 4];
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = kReplacementCodePoint;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::vector<uint32_t> DecodeUtf8Lenient(std::string_view text) {
  std::vector<uint32_t> cps;
  cps.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const uint8_t b0 = static_cast<uint8_t>(text[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (b0 < 0x80) {
      n = 1;
      cp = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      n = 2;
      cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      n = 3;
      cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      n = 4;
      cp = b0 & 0x07;
    }
    // n == 0: a continuation byte or 0xF8..0xFF in lead position.
    bool complete = n > 0 && i + n <= text.size();
    for (size_t k = 1; complete && k < n; ++k) {
      const uint8_t b = static_cast<uint8_t>(text[i + k]);
      complete = IsContinuation(b);
      cp = (cp << 6) | (b & 0x3F);
    }
    if (complete) {
      cps.push_back(cp);
      i += n;
    } else {
      cps.push_back(kReplacementCodePoint);
      ++i;
    }
  }
  return cps;
}

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (uint32_t cp : DecodeUtf8Lenient(text)) AppendUtf8(cp, &out);
  return out;
}

std::string ConsumeUtf8(std::string* pending, bool flush) {
  const std::string& in = *pending;
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const uint8_t lead = static_cast<uint8_t>(in[i]);
    const size_t n = WellFormedLength(lead);
    if (n == 0) {
      AppendUtf8(kReplacementCodePoint, &out);
      ++i;
      continue;
    }
    const SecondByteRange second = SecondByteRangeFor(lead);
    size_t k = 1;  // bytes of the sequence checked so far
    bool ill_formed = false;
    while (k < n && i + k < in.size()) {
      const uint8_t b = static_cast<uint8_t>(in[i + k]);
      const bool ok = k == 1 ? (b >= second.lo && b <= second.hi) : IsContinuation(b);
      if (!ok) {
        ill_formed = true;
        break;
      }
      ++k;
    }
    if (!ill_formed && k == n) {
      out.append(in, i, n);
      i += n;
      continue;
    }
    if (!ill_formed && !flush) break;  // incomplete tail: wait for more bytes
    // The maximal subpart in[i, i + k) is replaced by one U+FFFD.
    AppendUtf8(kReplacementCodePoint, &out);
    i += k;
  }
  pending->erase(0, i);
  return out;
}

}  // namespace edgellm
