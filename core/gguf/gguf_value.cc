#include "core/gguf/gguf_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace edgellm {
namespace {

// A fixed-size number read from its little-endian bytes.
struct Number {
  enum Kind { kSigned, kUnsigned, kFloat } kind;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
};

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Requires a fixed-size type other than BOOL.
Number Decode(GgufType type, const char* p) {
  Number n{Number::kSigned};
  switch (type) {
    case GgufType::UINT8: n.kind = Number::kUnsigned; n.u = Load<uint8_t>(p); break;
    case GgufType::UINT16: n.kind = Number::kUnsigned; n.u = Load<uint16_t>(p); break;
    case GgufType::UINT32: n.kind = Number::kUnsigned; n.u = Load<uint32_t>(p); break;
    case GgufType::UINT64: n.kind = Number::kUnsigned; n.u = Load<uint64_t>(p); break;
    case GgufType::INT8: n.i = Load<int8_t>(p); break;
    case GgufType::INT16: n.i = Load<int16_t>(p); break;
    case GgufType::INT32: n.i = Load<int32_t>(p); break;
    case GgufType::INT64: n.i = Load<int64_t>(p); break;
    case GgufType::FLOAT32: n.kind = Number::kFloat; n.d = Load<float>(p); break;
    case GgufType::FLOAT64: n.kind = Number::kFloat; n.d = Load<double>(p); break;
    default: break;
  }
  return n;
}

bool IsNumber(GgufType type) { return IsGgufFixedSizeType(type) && type != GgufType::BOOL; }

void AppendFloat(GgufType type, double d, std::string* out) {
  char buf[64];
  std::to_chars_result r = type == GgufType::FLOAT32
                               ? std::to_chars(buf, buf + sizeof(buf), static_cast<float>(d))
                               : std::to_chars(buf, buf + sizeof(buf), d);
  out->append(buf, r.ptr);
}

// The value at p as text (BOOL as true/false); NaN and infinities as null when json.
void AppendNumber(GgufType type, const char* p, bool json, std::string* out) {
  if (type == GgufType::BOOL) {
    out->append(*p ? "true" : "false");
    return;
  }
  const Number n = Decode(type, p);
  switch (n.kind) {
    case Number::kSigned: absl::StrAppend(out, n.i); break;
    case Number::kUnsigned: absl::StrAppend(out, n.u); break;
    case Number::kFloat:
      if (json && !std::isfinite(n.d)) {
        out->append("null");
      } else {
        AppendFloat(type, n.d, out);
      }
      break;
  }
}

std::string Describe(GgufType type, const char* p) {
  std::string s = absl::StrCat(GgufTypeName(type), " value ");
  AppendNumber(type, p, /*json=*/false, &s);
  return s;
}

absl::Status NotANumber(GgufType type) {
  return absl::InvalidArgumentError(absl::StrCat("value is ", GgufTypeName(type), ", not a number"));
}

constexpr double kTwoPow63 = 9223372036854775808.0;
constexpr double kTwoPow64 = 18446744073709551616.0;

absl::StatusOr<int64_t> ToInt64(GgufType type, const char* p) {
  if (!IsNumber(type)) return NotANumber(type);
  const Number n = Decode(type, p);
  switch (n.kind) {
    case Number::kSigned:
      return n.i;
    case Number::kUnsigned:
      if (n.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) break;
      return static_cast<int64_t>(n.u);
    case Number::kFloat:
      if (std::trunc(n.d) != n.d) {  // also NaN and infinities
        return absl::InvalidArgumentError(absl::StrCat(Describe(type, p), " is not an integer"));
      }
      if (n.d < -kTwoPow63 || n.d >= kTwoPow63) break;
      return static_cast<int64_t>(n.d);
  }
  return absl::InvalidArgumentError(absl::StrCat(Describe(type, p), " does not fit in int64"));
}

absl::StatusOr<uint64_t> ToUint64(GgufType type, const char* p) {
  if (!IsNumber(type)) return NotANumber(type);
  const Number n = Decode(type, p);
  switch (n.kind) {
    case Number::kSigned:
      if (n.i < 0) break;
      return static_cast<uint64_t>(n.i);
    case Number::kUnsigned:
      return n.u;
    case Number::kFloat:
      if (std::trunc(n.d) != n.d) {
        return absl::InvalidArgumentError(absl::StrCat(Describe(type, p), " is not an integer"));
      }
      if (n.d < 0 || n.d >= kTwoPow64) break;
      return static_cast<uint64_t>(n.d);
  }
  return absl::InvalidArgumentError(absl::StrCat(Describe(type, p), " does not fit in uint64"));
}

absl::StatusOr<double> ToDouble(GgufType type, const char* p) {
  if (!IsNumber(type)) return NotANumber(type);
  const Number n = Decode(type, p);
  switch (n.kind) {
    case Number::kSigned: return static_cast<double>(n.i);
    case Number::kUnsigned: return static_cast<double>(n.u);
    case Number::kFloat: return n.d;
  }
  return n.d;
}

// The length of the valid UTF-8 sequence at s[i..], or 0 when it is not one.
size_t Utf8SequenceLength(const unsigned char* s, size_t i, size_t n) {
  const unsigned char c = s[i];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  if (n - i < len) return 0;
  if (s[i + 1] < lo || s[i + 1] > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
  }
  return len;
}

void AppendQuoted(const std::string& str, std::string* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(str.data());
  const size_t n = str.size();
  out->push_back('"');
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (c >= 0x80) {
      const size_t len = Utf8SequenceLength(s, i, n);
      if (len == 0) {
        out->append("\xEF\xBF\xBD");  // U+FFFD
        ++i;
      } else {
        out->append(reinterpret_cast<const char*>(s + i), len);
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out->push_back('"');
}

}  // namespace

const char* GgufTypeName(GgufType type) {
  switch (type) {
    case GgufType::UINT8: return "UINT8";
    case GgufType::INT8: return "INT8";
    case GgufType::UINT16: return "UINT16";
    case GgufType::INT16: return "INT16";
    case GgufType::UINT32: return "UINT32";
    case GgufType::INT32: return "INT32";
    case GgufType::FLOAT32: return "FLOAT32";
    case GgufType::BOOL: return "BOOL";
    case GgufType::STRING: return "STRING";
    case GgufType::ARRAY: return "ARRAY";
    case GgufType::UINT64: return "UINT64";
    case GgufType::INT64: return "INT64";
    case GgufType::FLOAT64: return "FLOAT64";
  }
  return "unknown";
}

size_t GgufTypeSize(GgufType type) {
  switch (type) {
    case GgufType::UINT8:
    case GgufType::INT8:
    case GgufType::BOOL:
      return 1;
    case GgufType::UINT16:
    case GgufType::INT16:
      return 2;
    case GgufType::UINT32:
    case GgufType::INT32:
    case GgufType::FLOAT32:
      return 4;
    case GgufType::UINT64:
    case GgufType::INT64:
    case GgufType::FLOAT64:
      return 8;
    case GgufType::STRING:
    case GgufType::ARRAY:
      return 0;
  }
  return 0;
}

bool IsGgufFixedSizeType(GgufType type) { return GgufTypeSize(type) != 0; }

GgufValue GgufValue::String(std::string s) {
  GgufValue out(GgufType::STRING);
  out.string_ = std::move(s);
  return out;
}

absl::StatusOr<GgufValue> GgufValue::NumericArrayFromBytes(GgufType element_type,
                                                           std::string bytes) {
  const size_t elem = GgufTypeSize(element_type);
  if (elem == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("a packed array cannot hold ", GgufTypeName(element_type), " elements"));
  }
  if (bytes.size() % elem != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d bytes is not a whole number of %s elements", bytes.size(), GgufTypeName(element_type)));
  }
  GgufValue out(GgufType::ARRAY);
  out.array_type_ = element_type;
  out.size_ = bytes.size() / elem;
  out.bytes_ = std::move(bytes);
  return out;
}

GgufValue GgufValue::StringArray(std::vector<std::string> values) {
  GgufValue out(GgufType::ARRAY);
  out.array_type_ = GgufType::STRING;
  out.size_ = values.size();
  out.strings_ = std::move(values);
  return out;
}

absl::StatusOr<GgufValue> GgufValue::ArrayOfArrays(std::vector<GgufValue> arrays) {
  for (size_t i = 0; i < arrays.size(); ++i) {
    if (!arrays[i].is_array()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "element %d of an array of arrays is %s", i, GgufTypeName(arrays[i].type())));
    }
    if (arrays[i].depth() + 1 > kGgufMaxArrayDepth) {
      return absl::InvalidArgumentError(
          absl::StrFormat("arrays nested deeper than %d levels", kGgufMaxArrayDepth));
    }
  }
  GgufValue out(GgufType::ARRAY);
  out.array_type_ = GgufType::ARRAY;
  out.size_ = arrays.size();
  out.arrays_ = std::move(arrays);
  return out;
}

int GgufValue::depth() const {
  if (!is_array()) return 0;
  int d = 0;
  for (const GgufValue& a : arrays_) d = std::max(d, a.depth());
  return d + 1;
}

GgufValue GgufValue::operator[](size_t i) const {
  switch (array_type_) {
    case GgufType::STRING: return String(strings_[i]);
    case GgufType::ARRAY: return arrays_[i];
    default: {
      GgufValue out(array_type_);
      const size_t elem = GgufTypeSize(array_type_);
      std::memcpy(&out.scalar_, bytes_.data() + i * elem, elem);
      return out;
    }
  }
}

absl::StatusOr<GgufValue> GgufValue::at(size_t i) const {
  if (!is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("value is ", GgufTypeName(type_), ", not an array"));
  }
  if (i >= size_) {
    return absl::OutOfRangeError(absl::StrFormat("index %d is past the end of an array of %d",
                                                 i, size_));
  }
  return (*this)[i];
}

absl::StatusOr<int64_t> GgufValue::AsInt() const {
  return ToInt64(type_, reinterpret_cast<const char*>(&scalar_));
}

absl::StatusOr<uint64_t> GgufValue::AsUint() const {
  return ToUint64(type_, reinterpret_cast<const char*>(&scalar_));
}

absl::StatusOr<double> GgufValue::AsDouble() const {
  return ToDouble(type_, reinterpret_cast<const char*>(&scalar_));
}

absl::StatusOr<bool> GgufValue::AsBool() const {
  if (type_ != GgufType::BOOL) {
    return absl::InvalidArgumentError(
        absl::StrCat("value is ", GgufTypeName(type_), ", not BOOL"));
  }
  return scalar_ != 0;
}

absl::StatusOr<std::string> GgufValue::AsString() const {
  if (type_ != GgufType::STRING) {
    return absl::InvalidArgumentError(
        absl::StrCat("value is ", GgufTypeName(type_), ", not STRING"));
  }
  return string_;
}

const std::vector<std::string>& GgufValue::strings() const { return strings_; }

absl::StatusOr<std::vector<float>> GgufValue::ToFloats() const {
  if (!is_array() || !IsNumber(array_type_)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "value is ", is_array() ? "an array of " : "", GgufTypeName(array_type_),
        ", not an array of numbers"));
  }
  std::vector<float> out(size_);
  if (array_type_ == GgufType::FLOAT32) {
    if (size_ > 0) std::memcpy(out.data(), bytes_.data(), bytes_.size());
    return out;
  }
  const size_t elem = GgufTypeSize(array_type_);
  for (size_t i = 0; i < size_; ++i) {
    const char* p = bytes_.data() + i * elem;
    const double d = *ToDouble(array_type_, p);
    if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "element %d: %s does not fit in float", i, Describe(array_type_, p)));
    }
    out[i] = static_cast<float>(d);
  }
  return out;
}

absl::StatusOr<std::vector<int32_t>> GgufValue::ToInt32s() const {
  if (!is_array() || !IsNumber(array_type_)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "value is ", is_array() ? "an array of " : "", GgufTypeName(array_type_),
        ", not an array of numbers"));
  }
  std::vector<int32_t> out(size_);
  if (array_type_ == GgufType::INT32) {
    if (size_ > 0) std::memcpy(out.data(), bytes_.data(), bytes_.size());
    return out;
  }
  const size_t elem = GgufTypeSize(array_type_);
  for (size_t i = 0; i < size_; ++i) {
    const char* p = bytes_.data() + i * elem;
    absl::StatusOr<int64_t> v = ToInt64(array_type_, p);
    if (v.ok() && (*v < std::numeric_limits<int32_t>::min() ||
                   *v > std::numeric_limits<int32_t>::max())) {
      v = absl::InvalidArgumentError(absl::StrCat(Describe(array_type_, p),
                                                  " does not fit in int32"));
    }
    if (!v.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat("element %d: %s", i, v.status().message()));
    }
    out[i] = static_cast<int32_t>(*v);
  }
  return out;
}

void GgufValue::AppendElement(size_t i, int max_array_items, bool json, std::string* out) const {
  switch (array_type_) {
    case GgufType::STRING:
      AppendQuoted(strings_[i], out);
      break;
    case GgufType::ARRAY:
      arrays_[i].AppendText(max_array_items, json, out);
      break;
    default:
      AppendNumber(array_type_, bytes_.data() + i * GgufTypeSize(array_type_), json, out);
      break;
  }
}

void GgufValue::AppendText(int max_array_items, bool json, std::string* out) const {
  if (type_ == GgufType::STRING) {
    AppendQuoted(string_, out);
    return;
  }
  if (!is_array()) {
    AppendNumber(type_, reinterpret_cast<const char*>(&scalar_), json, out);
    return;
  }
  const char* sep = json ? "," : ", ";
  const size_t shown = max_array_items < 0
                           ? size_
                           : std::min(size_, static_cast<size_t>(max_array_items));
  out->push_back('[');
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out->append(sep);
    AppendElement(i, max_array_items, json, out);
  }
  if (shown < size_) {
    absl::StrAppend(out, shown > 0 ? sep : "", "... (", size_ - shown, " more)");
  }
  out->push_back(']');
}

std::string GgufValue::ToString(int max_array_items) const {
  std::string out;
  AppendText(max_array_items, /*json=*/false, &out);
  return out;
}

void GgufValue::AppendJson(std::string* out) const { AppendText(-1, /*json=*/true, out); }

}  // namespace edgellm
