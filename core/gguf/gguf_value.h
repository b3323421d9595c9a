// GgufValue: one GGUF metadata value (scalar, string, or array, arrays possibly nested).
//
// Numeric arrays keep their elements packed little-endian, as in the file, so a 150k-entry score
// array costs 600 KB, not 150k objects; string arrays are a std::vector<std::string>.
#ifndef EDGELLM_CORE_GGUF_GGUF_VALUE_H_
#define EDGELLM_CORE_GGUF_GGUF_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "edgellm's GGUF code assumes a little-endian host"
#endif

namespace edgellm {

// Metadata value types (gguf_type). The values are the on-disk type tags.
enum class GgufType : uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};

inline constexpr uint32_t kGgufTypeCount = 13;

// Arrays may nest (an array of arrays); a plain array has depth 1. Deeper values are refused by
// the reader and by GgufValue::ArrayOfArrays.
inline constexpr int kGgufMaxArrayDepth = 8;

// "UINT8", ..., "FLOAT64"; "unknown" for a tag outside the enum. Never null.
const char* GgufTypeName(GgufType type);
// Bytes of one value of a fixed-size type; 0 for STRING, ARRAY and unknown tags.
size_t GgufTypeSize(GgufType type);
// True for the 10 fixed-size number types and BOOL (everything but STRING and ARRAY).
bool IsGgufFixedSizeType(GgufType type);

// The GgufType of a C++ scalar type usable in GgufValue::Of / GgufValue::Array (no other C++
// type compiles there).
template <typename T>
struct GgufTypeOf;
template <> struct GgufTypeOf<uint8_t> { static constexpr GgufType value = GgufType::UINT8; };
template <> struct GgufTypeOf<int8_t> { static constexpr GgufType value = GgufType::INT8; };
template <> struct GgufTypeOf<uint16_t> { static constexpr GgufType value = GgufType::UINT16; };
template <> struct GgufTypeOf<int16_t> { static constexpr GgufType value = GgufType::INT16; };
template <> struct GgufTypeOf<uint32_t> { static constexpr GgufType value = GgufType::UINT32; };
template <> struct GgufTypeOf<int32_t> { static constexpr GgufType value = GgufType::INT32; };
template <> struct GgufTypeOf<float> { static constexpr GgufType value = GgufType::FLOAT32; };
template <> struct GgufTypeOf<bool> { static constexpr GgufType value = GgufType::BOOL; };
template <> struct GgufTypeOf<uint64_t> { static constexpr GgufType value = GgufType::UINT64; };
template <> struct GgufTypeOf<int64_t> { static constexpr GgufType value = GgufType::INT64; };
template <> struct GgufTypeOf<double> { static constexpr GgufType value = GgufType::FLOAT64; };

class GgufValue {
 public:
  // A scalar: Of(uint32_t{7}), Of(1.5f), Of(true), ... (the C++ type picks the GGUF type).
  template <typename T>
  static GgufValue Of(T v) {
    GgufValue out(GgufTypeOf<T>::value);
    if constexpr (std::is_same_v<T, bool>) {
      out.scalar_ = v ? 1 : 0;
    } else {
      std::memcpy(&out.scalar_, &v, sizeof(v));
    }
    return out;
  }
  static GgufValue String(std::string s);

  // A numeric (or BOOL) array from C++ values.
  template <typename T>
  static GgufValue Array(const std::vector<T>& values) {
    GgufValue out(GgufType::ARRAY);
    out.array_type_ = GgufTypeOf<T>::value;
    out.bytes_.resize(values.size() * sizeof(T));
    char* p = out.bytes_.data();
    for (const T v : values) {  // element by element: std::vector<bool> has no data()
      if constexpr (std::is_same_v<T, bool>) {
        *p = v ? 1 : 0;
      } else {
        std::memcpy(p, &v, sizeof(T));
      }
      p += sizeof(T);
    }
    out.size_ = values.size();
    return out;
  }
  // A numeric (or BOOL) array of `element_type` from its packed little-endian bytes, as stored in
  // a GGUF file. InvalidArgument when the type is not fixed-size or the byte count is not a
  // multiple of its size.
  static absl::StatusOr<GgufValue> NumericArrayFromBytes(GgufType element_type, std::string bytes);
  static GgufValue StringArray(std::vector<std::string> values);
  // An array whose elements are arrays (possibly of different element types). InvalidArgument
  // when an element is not an array or the nesting would exceed kGgufMaxArrayDepth.
  static absl::StatusOr<GgufValue> ArrayOfArrays(std::vector<GgufValue> arrays);

  GgufType type() const { return type_; }
  bool is_array() const { return type_ == GgufType::ARRAY; }
  // The element type of an array; type() for a non-array.
  GgufType array_type() const { return array_type_; }
  // The number of elements of an array; 0 for a non-array.
  size_t size() const { return size_; }
  // Nesting depth: 0 for a non-array, 1 for an array of non-arrays, 2 for an array of arrays...
  int depth() const;

  // Element i (by value; cheap except for a nested array, which is copied). Requires
  // is_array() && i < size(); use at() when that is not known.
  GgufValue operator[](size_t i) const;
  absl::StatusOr<GgufValue> at(size_t i) const;

  // Scalar access. Every numeric type converts when the value fits: AsInt accepts unsigned
  // values up to INT64_MAX and floats that are whole numbers in range; AsUint refuses negative
  // values; AsDouble accepts any number (64-bit integers may round). BOOL is not a number:
  // AsBool accepts only BOOL. Errors are InvalidArgument describing the value ("FLOAT32 value 1.5
  // is not an integer"); callers add the key.
  absl::StatusOr<int64_t> AsInt() const;
  absl::StatusOr<uint64_t> AsUint() const;
  absl::StatusOr<double> AsDouble() const;
  absl::StatusOr<bool> AsBool() const;
  absl::StatusOr<std::string> AsString() const;

  // Bulk access for large arrays.
  // The elements of a STRING array; an empty vector for anything else.
  const std::vector<std::string>& strings() const;
  // The packed little-endian elements of a numeric or BOOL array; empty for anything else.
  const std::string& numeric_bytes() const { return bytes_; }
  // The elements of an array of arrays; empty for anything else.
  const std::vector<GgufValue>& arrays() const { return arrays_; }
  // A numeric array converted element by element (FLOAT32 -> float is a copy). InvalidArgument
  // for a non-numeric array or an element that does not fit (a float that is not a whole number
  // for ToInt32s; a finite double beyond float range for ToFloats), naming the element.
  absl::StatusOr<std::vector<float>> ToFloats() const;
  absl::StatusOr<std::vector<int32_t>> ToInt32s() const;

  // For people: numbers, true/false, strings quoted and escaped as in JSON; arrays as
  // "[a, b, c, ... (N more)]" showing at most `max_array_items` elements per array level
  // (all when negative).
  std::string ToString(int max_array_items) const;
  // The whole value as JSON: numbers (NaN and infinities as null, floats in the shortest form
  // that reads back to the same value), true/false, strings with JSON escaping (bytes that are
  // not valid UTF-8 become U+FFFD), arrays as [...].
  void AppendJson(std::string* out) const;

 private:
  explicit GgufValue(GgufType type) : type_(type), array_type_(type) {}
  // The text of array element i / of the whole value, for ToString (json false) and AppendJson.
  void AppendElement(size_t i, int max_array_items, bool json, std::string* out) const;
  void AppendText(int max_array_items, bool json, std::string* out) const;

  GgufType type_;
  GgufType array_type_;
  size_t size_ = 0;
  uint64_t scalar_ = 0;               // a fixed-size scalar's bytes (little-endian, zero-filled)
  std::string string_;                // STRING
  std::string bytes_;                 // array of a fixed-size type, packed
  std::vector<std::string> strings_;  // array of STRING
  std::vector<GgufValue> arrays_;     // array of ARRAY
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_GGUF_GGUF_VALUE_H_
