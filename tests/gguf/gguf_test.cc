// Tests of the GGUF reader, writer and metadata values: the shared models, round trips through
// GgufWriter, and hand-made malformed files that must each fail with their own message.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/gguf/gguf_file.h"
#include "core/gguf/gguf_value.h"
#include "core/gguf/gguf_writer.h"
#include "core/gguf/ggml_type_names.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gguf/test_type_layouts.h"
#include "tests/testing/shared_data.h"

namespace edgellm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr uint32_t kF32 = 0;
constexpr uint32_t kQ8_0 = 8;

uint64_t AlignUp(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// Writes `bytes` to a fresh file in the test's temporary directory and returns its path.
std::string WriteTemp(const std::string& name, const std::string& bytes) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/edgellm_gguf_test_", getpid(), "_", name, ".gguf");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  EXPECT_TRUE(out.good()) << path;
  return path;
}

absl::StatusOr<std::unique_ptr<GgufFile>> OpenBytes(const std::string& name,
                                                   const std::string& bytes) {
  return GgufFile::Open(WriteTemp(name, bytes), TestTypeLayout);
}

// Little-endian GGUF pieces for hand-made (mostly malformed) files.
class Bytes {
 public:
  Bytes& U8(uint8_t v) { return Raw(&v, 1); }
  Bytes& U32(uint32_t v) { return Raw(&v, 4); }
  Bytes& U64(uint64_t v) { return Raw(&v, 8); }
  Bytes& F32(float v) { return Raw(&v, 4); }
  Bytes& Str(const std::string& s) {
    U64(s.size());
    s_ += s;
    return *this;
  }
  Bytes& Text(const std::string& s) {
    s_ += s;
    return *this;
  }
  // magic, version, tensor count, metadata count
  Bytes& Header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    return Text("GGUF").U32(version).U64(n_tensors).U64(n_kv);
  }
  Bytes& KvU32(const std::string& key, uint32_t v) {
    return Str(key).U32(static_cast<uint32_t>(GgufType::UINT32)).U32(v);
  }
  Bytes& TensorInfo(const std::string& name, const std::vector<uint64_t>& ne, uint32_t type,
                    uint64_t offset) {
    Str(name).U32(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) U64(d);
    return U32(type).U64(offset);
  }
  Bytes& PadTo(size_t alignment) {
    s_.append((alignment - s_.size() % alignment) % alignment, '\0');
    return *this;
  }
  Bytes& Zeros(size_t n) {
    s_.append(n, '\0');
    return *this;
  }
  const std::string& str() const { return s_; }

 private:
  Bytes& Raw(const void* p, size_t n) {
    s_.append(static_cast<const char*>(p), n);
    return *this;
  }
  std::string s_;
};

// A valid file: one 8-float F32 tensor "w" of 32 bytes at offset 0.
Bytes OneTensorFile() {
  Bytes b;
  b.Header(1, 1).KvU32("general.alignment", 32).TensorInfo("w", {8}, kF32, 0).PadTo(32).Zeros(32);
  return b;
}

// ---------------------------------------------------------------------------------------------
// The shared models.

std::vector<std::string> SharedModels() {
  std::vector<std::string> paths;
  const std::filesystem::path root = std::filesystem::path(testing::SharedDir()) / "models";
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".gguf") {
      paths.push_back(it->path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

TEST(SharedModels, EveryModelOpensAndItsTensorsTileTheDataSection) {
  EDGELLM_REQUIRE_SHARED();
  const std::vector<std::string> paths = SharedModels();
  ASSERT_FALSE(paths.empty()) << "no .gguf under " << testing::SharedDir() << "/models";
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    absl::StatusOr<std::unique_ptr<GgufFile>> f = GgufFile::Open(path, TestTypeLayout);
    ASSERT_TRUE(f.ok()) << f.status();
    const GgufFile& g = **f;
    EXPECT_EQ(g.file_size(), std::filesystem::file_size(path));
    EXPECT_EQ(g.data_offset() % g.alignment(), 0u);
    EXPECT_TRUE(g.FindMetadata("general.architecture") != nullptr);
    if (g.tensors().empty()) {
      // Vocabulary-only files may end without the padding after the tensor infos.
      EXPECT_EQ(g.data_offset(), AlignUp(g.file_size(), g.alignment()));
      continue;
    }
    std::vector<const Tensor*> by_offset;
    uint64_t padded_sum = 0;
    for (const Tensor& t : g.tensors()) {
      by_offset.push_back(&t);
      padded_sum += AlignUp(t.size_bytes, g.alignment());
      EXPECT_EQ(static_cast<const uint8_t*>(t.data),
                static_cast<const uint8_t*>(g.tensors()[0].data) - g.tensors()[0].offset +
                    t.offset);
      EXPECT_EQ(t.size_bytes, t.row_bytes * static_cast<size_t>(t.n_rows())) << t.name;
      EXPECT_EQ(g.FindTensor(t.name), &t);
    }
    std::sort(by_offset.begin(), by_offset.end(),
              [](const Tensor* a, const Tensor* b) { return a->offset < b->offset; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
      EXPECT_LE(by_offset[i - 1]->offset + by_offset[i - 1]->size_bytes, by_offset[i]->offset)
          << by_offset[i - 1]->name << " overlaps " << by_offset[i]->name;
    }
    const uint64_t end = by_offset.back()->offset + by_offset.back()->size_bytes;
    EXPECT_GE(g.file_size(), g.data_offset() + end);
    EXPECT_EQ(g.data_offset() + padded_sum, AlignUp(g.file_size(), g.alignment()));
  }
}

TEST(SharedModels, Stories260KHasTheExpectedTensorsAndMetadata) {
  EDGELLM_REQUIRE_SHARED();
  const std::string path =
      absl::StrCat(testing::SharedDir(), "/models/stories260K/stories260K.gguf");
  absl::StatusOr<std::unique_ptr<GgufFile>> f = GgufFile::Open(path, TestTypeLayout);
  ASSERT_TRUE(f.ok()) << f.status();
  const GgufFile& g = **f;
  EXPECT_EQ(g.version(), 3u);
  ASSERT_EQ(g.tensors().size(), 48u);
  for (const Tensor& t : g.tensors()) EXPECT_EQ(t.type_id, kF32) << t.name;

  auto expect_shape = [&](const std::string& name, std::vector<int64_t> ne) {
    SCOPED_TRACE(name);
    const Tensor* t = g.FindTensor(name);
    ASSERT_NE(t, nullptr);
    ASSERT_EQ(t->n_dims, static_cast<int>(ne.size()));
    for (size_t d = 0; d < ne.size(); ++d) EXPECT_EQ(t->ne[d], ne[d]) << "ne[" << d << "]";
    int64_t n = 1;
    for (int64_t d : ne) n *= d;
    EXPECT_EQ(t->size_bytes, static_cast<size_t>(n) * 4);
    EXPECT_EQ(t->row_bytes, static_cast<size_t>(ne[0]) * 4);
  };
  expect_shape("token_embd.weight", {64, 512});
  expect_shape("output_norm.weight", {64});
  expect_shape("output.weight", {64, 512});
  for (int l = 0; l < 5; ++l) {
    const std::string b = absl::StrCat("blk.", l, ".");
    expect_shape(b + "attn_norm.weight", {64});
    expect_shape(b + "attn_q.weight", {64, 64});
    expect_shape(b + "attn_k.weight", {64, 32});
    expect_shape(b + "attn_v.weight", {64, 32});
    expect_shape(b + "attn_output.weight", {64, 64});
    expect_shape(b + "ffn_norm.weight", {64});
    expect_shape(b + "ffn_gate.weight", {64, 172});
    expect_shape(b + "ffn_down.weight", {172, 64});
    expect_shape(b + "ffn_up.weight", {64, 172});
  }
  EXPECT_EQ(g.tensors()[0].name, "token_embd.weight");
  EXPECT_EQ(g.tensors()[0].offset, 0u);

  EXPECT_EQ(*g.GetString("general.architecture"), "llama");
  EXPECT_EQ(*g.GetInt("llama.embedding_length"), 64);
  EXPECT_EQ(*g.GetUint("llama.block_count"), 5u);
  EXPECT_EQ(*g.GetInt("llama.attention.head_count_kv"), 4);
  EXPECT_FLOAT_EQ(static_cast<float>(*g.GetFloat("llama.attention.layer_norm_rms_epsilon")),
                  1e-5f);
  absl::StatusOr<const std::vector<std::string>*> tokens =
      g.GetStringArray("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ((*tokens)->size(), 512u);
  EXPECT_EQ((**tokens)[1], "<s>");
  absl::StatusOr<const GgufValue*> scores = g.GetArray("tokenizer.ggml.scores");
  ASSERT_TRUE(scores.ok());
  EXPECT_EQ((*scores)->array_type(), GgufType::FLOAT32);
  EXPECT_EQ((*scores)->ToFloats()->size(), 512u);
  absl::StatusOr<std::vector<int32_t>> types =
      (*g.GetArray("tokenizer.ggml.token_type"))->ToInt32s();
  ASSERT_TRUE(types.ok());
  EXPECT_EQ((*types)[0], 2);
  EXPECT_EQ((*types)[1], 3);
  // The separator id is UINT32 0xFFFFFFFF: a fine uint, a fine int64, not an int32.
  EXPECT_EQ(*g.GetUint("tokenizer.ggml.seperator_token_id"), 0xFFFFFFFFu);
}

// ---------------------------------------------------------------------------------------------
// GgufValue.

TEST(GgufValue, ScalarConversionsCheckRanges) {
  EXPECT_EQ(*GgufValue::Of(uint8_t{200}).AsInt(), 200);
  EXPECT_EQ(*GgufValue::Of(int8_t{-5}).AsInt(), -5);
  EXPECT_EQ(*GgufValue::Of(uint32_t{7}).AsUint(), 7u);
  EXPECT_EQ(*GgufValue::Of(2.0f).AsInt(), 2);
  EXPECT_EQ(*GgufValue::Of(int16_t{-3}).AsDouble(), -3.0);
  EXPECT_EQ(*GgufValue::Of(true).AsBool(), true);
  EXPECT_EQ(*GgufValue::String("hi").AsString(), "hi");

  const uint64_t big = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(*GgufValue::Of(big).AsUint(), big);
  EXPECT_THAT(Msg(GgufValue::Of(big).AsInt().status()),
              HasSubstr("UINT64 value 18446744073709551615 does not fit in int64"));
  EXPECT_THAT(Msg(GgufValue::Of(int32_t{-1}).AsUint().status()),
              HasSubstr("INT32 value -1 does not fit in uint64"));
  EXPECT_THAT(Msg(GgufValue::Of(1.5f).AsInt().status()),
              HasSubstr("FLOAT32 value 1.5 is not an integer"));
  EXPECT_FALSE(GgufValue::Of(std::nan("")).AsInt().ok());
  EXPECT_FALSE(GgufValue::Of(1e30).AsInt().ok());
  EXPECT_THAT(Msg(GgufValue::Of(true).AsInt().status()), HasSubstr("BOOL, not a number"));
  EXPECT_THAT(Msg(GgufValue::Of(uint8_t{1}).AsBool().status()), HasSubstr("UINT8, not BOOL"));
  EXPECT_THAT(Msg(GgufValue::Of(1.0).AsString().status()), HasSubstr("FLOAT64, not STRING"));
  EXPECT_FALSE(GgufValue::String("1").AsInt().ok());
}

TEST(GgufValue, ArraysAndBulkAccess) {
  const GgufValue floats = GgufValue::Array(std::vector<float>{0.5f, -1.0f, 3.0f});
  EXPECT_TRUE(floats.is_array());
  EXPECT_EQ(floats.array_type(), GgufType::FLOAT32);
  EXPECT_EQ(floats.size(), 3u);
  EXPECT_EQ(floats.depth(), 1);
  EXPECT_THAT(*floats.ToFloats(), ElementsAre(0.5f, -1.0f, 3.0f));
  EXPECT_EQ(*floats[1].AsDouble(), -1.0);
  EXPECT_THAT(Msg(floats.ToInt32s().status()), HasSubstr("element 0: FLOAT32 value 0.5"));
  EXPECT_THAT(Msg(floats.at(3).status()), HasSubstr("index 3 is past the end of an array of 3"));
  EXPECT_THAT(Msg(GgufValue::Of(1).at(0).status()), HasSubstr("not an array"));

  const GgufValue u32 = GgufValue::Array(std::vector<uint32_t>{1, 0xFFFFFFFFu});
  EXPECT_THAT(Msg(u32.ToInt32s().status()),
              HasSubstr("element 1: UINT32 value 4294967295 does not fit in int32"));
  EXPECT_THAT(*u32.ToFloats(), ElementsAre(1.0f, 4294967296.0f));
  EXPECT_THAT(*GgufValue::Array(std::vector<int32_t>{-7, 9}).ToInt32s(), ElementsAre(-7, 9));
  EXPECT_TRUE(GgufValue::Array(std::vector<int32_t>{}).ToInt32s()->empty());
  EXPECT_TRUE(GgufValue::Array(std::vector<float>{}).ToFloats()->empty());
  EXPECT_THAT(*GgufValue::Array(std::vector<int64_t>{-7, 9}).ToInt32s(), ElementsAre(-7, 9));
  EXPECT_THAT(Msg(GgufValue::Array(std::vector<double>{1e300}).ToFloats().status()),
              HasSubstr("does not fit in float"));
  EXPECT_THAT(Msg(GgufValue::Array(std::vector<bool>{true}).ToFloats().status()),
              HasSubstr("an array of BOOL, not an array of numbers"));

  const GgufValue strings = GgufValue::StringArray({"a", "b"});
  EXPECT_THAT(strings.strings(), ElementsAre("a", "b"));
  EXPECT_EQ(*strings[1].AsString(), "b");
  EXPECT_TRUE(floats.strings().empty());

  absl::StatusOr<GgufValue> nested = GgufValue::ArrayOfArrays({strings, floats});
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->depth(), 2);
  EXPECT_EQ(nested->size(), 2u);
  EXPECT_EQ(nested->arrays().size(), 2u);
  EXPECT_EQ((*nested)[0].array_type(), GgufType::STRING);
  EXPECT_THAT(Msg(GgufValue::ArrayOfArrays({GgufValue::Of(1)}).status()),
              HasSubstr("element 0 of an array of arrays is INT32"));
  GgufValue deep = floats;
  for (int d = 1; d < kGgufMaxArrayDepth; ++d) deep = *GgufValue::ArrayOfArrays({deep});
  EXPECT_EQ(deep.depth(), kGgufMaxArrayDepth);
  EXPECT_THAT(Msg(GgufValue::ArrayOfArrays({deep}).status()), HasSubstr("nested deeper than"));

  EXPECT_FALSE(GgufValue::NumericArrayFromBytes(GgufType::UINT32, "abc").ok());
  EXPECT_FALSE(GgufValue::NumericArrayFromBytes(GgufType::STRING, "").ok());
  EXPECT_EQ(GgufValue::NumericArrayFromBytes(GgufType::UINT16, "abcd")->size(), 2u);
}

TEST(GgufValue, ToStringAndJson) {
  EXPECT_EQ(GgufValue::Of(uint32_t{42}).ToString(3), "42");
  EXPECT_EQ(GgufValue::Of(-3.25).ToString(3), "-3.25");
  EXPECT_EQ(GgufValue::Of(1e-5f).ToString(3), "1e-05");
  EXPECT_EQ(GgufValue::Of(false).ToString(3), "false");
  EXPECT_EQ(GgufValue::Array(std::vector<int32_t>{1, 2, 3, 4, 5}).ToString(3),
            "[1, 2, 3, ... (2 more)]");
  EXPECT_EQ(GgufValue::Array(std::vector<int32_t>{1, 2}).ToString(0), "[... (2 more)]");
  EXPECT_EQ(GgufValue::Array(std::vector<int32_t>{1, 2}).ToString(-1), "[1, 2]");
  EXPECT_EQ(GgufValue::StringArray({}).ToString(3), "[]");

  std::string json;
  GgufValue::String(std::string("q\"b\\n\nt\t\x01 \xC3\xA9 \xFF end", 18)).AppendJson(&json);
  EXPECT_EQ(json, "\"q\\\"b\\\\n\\nt\\t\\u0001 \xC3\xA9 \xEF\xBF\xBD end\"");

  json.clear();
  absl::StatusOr<GgufValue> nested = GgufValue::ArrayOfArrays(
      {GgufValue::Array(std::vector<float>{0.1f, NAN, INFINITY}),
       GgufValue::StringArray({"x"}), GgufValue::Array(std::vector<bool>{true, false})});
  ASSERT_TRUE(nested.ok());
  nested->AppendJson(&json);
  EXPECT_EQ(json, "[[0.1,null,null],[\"x\"],[true,false]]");
  EXPECT_EQ(nested->ToString(1), "[[0.1, ... (2 more)], ... (2 more)]");

  // Overlong encodings, surrogates and truncated sequences are not valid UTF-8.
  json.clear();
  GgufValue::String("\xC0\xAF|\xED\xA0\x80|\xE2\x82").AppendJson(&json);
  EXPECT_EQ(json, "\"\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
                  "\xEF\xBF\xBD\xEF\xBF\xBD\"");
  json.clear();
  GgufValue::String("\xF0\x9F\x98\x80").AppendJson(&json);
  EXPECT_EQ(json, "\"\xF0\x9F\x98\x80\"");
}

TEST(GgmlTypeNames, KnownAndUnknownIds) {
  EXPECT_STREQ(GgmlTypeName(0), "F32");
  EXPECT_STREQ(GgmlTypeName(12), "Q4_K");
  EXPECT_STREQ(GgmlTypeName(23), "IQ4_XS");
  EXPECT_STREQ(GgmlTypeName(30), "BF16");
  EXPECT_STREQ(GgmlTypeName(39), "MXFP4");
  EXPECT_STREQ(GgmlTypeName(1000), "unknown");
}

// ---------------------------------------------------------------------------------------------
// GgufWriter and round trips.

TypeLayout Layout(uint32_t type_id) { return *TestTypeLayout(type_id); }

std::string Floats(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

TEST(GgufWriter, RoundTripsEveryValueTypeAndTensorData) {
  GgufWriter w;
  ASSERT_TRUE(w.AddMetadata("general.architecture", GgufValue::String("llama")).ok());
  ASSERT_TRUE(w.AddMetadata("general.alignment", GgufValue::Of(uint32_t{64})).ok());
  ASSERT_TRUE(w.AddMetadata("u8", GgufValue::Of(uint8_t{250})).ok());
  ASSERT_TRUE(w.AddMetadata("i8", GgufValue::Of(int8_t{-120})).ok());
  ASSERT_TRUE(w.AddMetadata("u16", GgufValue::Of(uint16_t{65000})).ok());
  ASSERT_TRUE(w.AddMetadata("i16", GgufValue::Of(int16_t{-32000})).ok());
  ASSERT_TRUE(w.AddMetadata("u32", GgufValue::Of(uint32_t{4000000000u})).ok());
  ASSERT_TRUE(w.AddMetadata("i32", GgufValue::Of(int32_t{-2000000000})).ok());
  ASSERT_TRUE(w.AddMetadata("f32", GgufValue::Of(0.25f)).ok());
  ASSERT_TRUE(w.AddMetadata("bool", GgufValue::Of(true)).ok());
  ASSERT_TRUE(w.AddMetadata("u64", GgufValue::Of(uint64_t{1} << 60)).ok());
  ASSERT_TRUE(w.AddMetadata("i64", GgufValue::Of(int64_t{-(int64_t{1} << 60)})).ok());
  ASSERT_TRUE(w.AddMetadata("f64", GgufValue::Of(-1e300)).ok());
  ASSERT_TRUE(w.AddMetadata("empty", GgufValue::Array(std::vector<uint8_t>{})).ok());
  ASSERT_TRUE(w.AddMetadata("tokens", GgufValue::StringArray({"<s>", "", "h\xC3\xA9"})).ok());
  ASSERT_TRUE(w.AddMetadata("scores", GgufValue::Array(std::vector<float>{-1.5f, 2})).ok());
  ASSERT_TRUE(w.AddMetadata("flags", GgufValue::Array(std::vector<bool>{true, false})).ok());
  ASSERT_TRUE(w.AddMetadata("nested", *GgufValue::ArrayOfArrays(
                                          {GgufValue::Array(std::vector<int64_t>{1, -2}),
                                           GgufValue::StringArray({"z"})}))
                  .ok());
  EXPECT_EQ(w.alignment(), 64u);

  std::vector<float> a(8 * 3);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i) * 0.5f;
  ASSERT_TRUE(w.AddTensor("a", Layout(kF32), {8, 3}, Floats(a)).ok());
  std::string q8(2 * 34, '\0');
  for (size_t i = 0; i < q8.size(); ++i) q8[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(w.AddTensor("q", Layout(kQ8_0), {64}, q8).ok());
  ASSERT_TRUE(w.AddTensor("b", Layout(kF32), {1, 1, 1, 2}, Floats({7, 8})).ok());

  const std::string bytes = w.Serialize();
  absl::StatusOr<std::unique_ptr<GgufFile>> f = OpenBytes("roundtrip", bytes);
  ASSERT_TRUE(f.ok()) << f.status();
  const GgufFile& g = **f;
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.alignment(), 64u);
  EXPECT_EQ(g.file_size(), bytes.size());
  EXPECT_EQ(g.data_offset() % 64, 0u);
  EXPECT_EQ(g.file_size() % 64, 0u);

  std::vector<std::string> keys;
  for (const auto& kv : g.metadata()) keys.push_back(kv.first);
  EXPECT_THAT(keys, ElementsAre("general.architecture", "general.alignment", "u8", "i8", "u16",
                                "i16", "u32", "i32", "f32", "bool", "u64", "i64", "f64", "empty",
                                "tokens", "scores", "flags", "nested"));
  EXPECT_EQ(g.FindMetadata("u8")->type(), GgufType::UINT8);
  EXPECT_EQ(*g.GetUint("u8"), 250u);
  EXPECT_EQ(*g.GetInt("i8"), -120);
  EXPECT_EQ(*g.GetUint("u16"), 65000u);
  EXPECT_EQ(*g.GetInt("i16"), -32000);
  EXPECT_EQ(*g.GetUint("u32"), 4000000000u);
  EXPECT_EQ(*g.GetInt("i32"), -2000000000);
  EXPECT_EQ(*g.GetFloat("f32"), 0.25);
  EXPECT_EQ(*g.GetBool("bool"), true);
  EXPECT_EQ(*g.GetUint("u64"), uint64_t{1} << 60);
  EXPECT_EQ(*g.GetInt("i64"), -(int64_t{1} << 60));
  EXPECT_EQ(*g.GetFloat("f64"), -1e300);
  EXPECT_EQ((*g.GetArray("empty"))->size(), 0u);
  EXPECT_EQ((*g.GetArray("empty"))->array_type(), GgufType::UINT8);
  EXPECT_THAT(**g.GetStringArray("tokens"), ElementsAre("<s>", "", "h\xC3\xA9"));
  EXPECT_THAT(*(*g.GetArray("scores"))->ToFloats(), ElementsAre(-1.5f, 2.0f));
  std::string json;
  (*g.GetArray("flags"))->AppendJson(&json);
  (*g.GetArray("nested"))->AppendJson(&json);
  EXPECT_EQ(json, "[true,false][[1,-2],[\"z\"]]");

  ASSERT_EQ(g.tensors().size(), 3u);
  const Tensor* ta = g.FindTensor("a");
  ASSERT_NE(ta, nullptr);
  EXPECT_EQ(ta->n_dims, 2);
  EXPECT_EQ(ta->ne[0], 8);
  EXPECT_EQ(ta->ne[1], 3);
  EXPECT_EQ(ta->ne[2], 1);
  EXPECT_EQ(ta->row_bytes, 32u);
  EXPECT_EQ(ta->size_bytes, 96u);
  EXPECT_EQ(ta->offset, 0u);
  EXPECT_EQ(std::memcmp(ta->data, a.data(), 96), 0);
  EXPECT_EQ(std::memcmp(ta->row(2), a.data() + 16, 32), 0);
  const Tensor* tq = g.FindTensor("q");
  ASSERT_NE(tq, nullptr);
  EXPECT_EQ(tq->type_id, kQ8_0);
  EXPECT_EQ(tq->offset, 128u);  // 96 bytes padded to 64
  EXPECT_EQ(tq->row_bytes, 68u);
  EXPECT_EQ(tq->size_bytes, 68u);
  EXPECT_EQ(std::string(static_cast<const char*>(tq->data), 68), q8);
  const Tensor* tb = g.FindTensor("b");
  ASSERT_NE(tb, nullptr);
  EXPECT_EQ(tb->n_dims, 4);
  EXPECT_EQ(tb->ne[3], 2);
  EXPECT_EQ(tb->offset, 256u);
  EXPECT_EQ(tb->n_rows(), 2);
  EXPECT_EQ(g.FindTensor("missing"), nullptr);
  EXPECT_EQ(g.FindMetadata("missing"), nullptr);
}

TEST(GgufWriter, WritesFilesAndVersion2Reads) {
  GgufWriter w;
  ASSERT_TRUE(w.AddMetadata("general.architecture", GgufValue::String("x")).ok());
  ASSERT_TRUE(w.AddTensor("t", Layout(kF32), {4}, Floats({1, 2, 3, 4})).ok());
  const std::string path = absl::StrCat(::testing::TempDir(), "/written.gguf");
  ASSERT_TRUE(w.WriteFile(path).ok());
  absl::StatusOr<std::unique_ptr<GgufFile>> f = GgufFile::Open(path, TestTypeLayout);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)->path(), path);
  EXPECT_EQ((*f)->alignment(), kGgufDefaultAlignment);

  std::string v2 = w.Serialize();
  v2[4] = 2;  // version 2 has the same layout as version 3 for little-endian files
  f = OpenBytes("v2", v2);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)->version(), 2u);
  EXPECT_EQ(static_cast<const float*>((*f)->tensors()[0].data)[3], 4.0f);

  EXPECT_FALSE(w.WriteFile(absl::StrCat(::testing::TempDir(), "/no/such/dir/x.gguf")).ok());
}

TEST(GgufWriter, RefusesBadInput) {
  GgufWriter w;
  ASSERT_TRUE(w.AddMetadata("k", GgufValue::Of(1)).ok());
  EXPECT_THAT(Msg(w.AddMetadata("k", GgufValue::Of(2))), HasSubstr("duplicate metadata key"));
  EXPECT_THAT(Msg(w.AddMetadata("general.alignment", GgufValue::Of(uint32_t{48}))),
              HasSubstr("not a power of two"));
  EXPECT_THAT(Msg(w.AddMetadata("general.alignment", GgufValue::Of(uint64_t{64}))),
              HasSubstr("must be UINT32"));
  ASSERT_TRUE(w.AddTensor("t", Layout(kF32), {2}, Floats({1, 2})).ok());
  EXPECT_THAT(Msg(w.AddTensor("t", Layout(kF32), {2}, Floats({1, 2}))),
              HasSubstr("duplicate tensor name"));
  EXPECT_THAT(Msg(w.AddTensor("u", Layout(kF32), {2}, Floats({1}))),
              HasSubstr("4 bytes of data, but its shape and type need 8"));
  EXPECT_THAT(Msg(w.AddTensor("u", Layout(kQ8_0), {16}, std::string(17, 'x'))),
              HasSubstr("not a multiple of the block size 32"));
  EXPECT_THAT(Msg(w.AddTensor("u", Layout(kF32), {}, "")), HasSubstr("0 dimensions"));
  EXPECT_THAT(Msg(w.AddTensor("u", Layout(kF32), {1, 1, 1, 1, 1}, "")),
              HasSubstr("5 dimensions"));
  EXPECT_THAT(Msg(w.AddTensor("u", Layout(kF32), {2, 0}, "")), HasSubstr("dimension of 0"));
  EXPECT_THAT(Msg(w.AddTensor("u", Layout(kF32), {int64_t{1} << 40, int64_t{1} << 40}, "")),
              HasSubstr("overflows"));
  EXPECT_THAT(Msg(w.AddTensor(std::string(65, 'n'), Layout(kF32), {1}, Floats({1}))),
              HasSubstr("longer than 64"));
  EXPECT_THAT(Msg(w.AddTensor("u", TypeLayout{99, "bad", 0, 1}, {1}, "")),
              HasSubstr("invalid layout"));
}

// ---------------------------------------------------------------------------------------------
// Reader errors that are not about malformed files.

TEST(GgufFile, MissingFileDirectoryAndMissingPlugin) {
  absl::StatusOr<std::unique_ptr<GgufFile>> f =
      GgufFile::Open(absl::StrCat(::testing::TempDir(), "/does-not-exist.gguf"), TestTypeLayout);
  EXPECT_TRUE(absl::IsNotFound(f.status())) << f.status();
  EXPECT_THAT(Msg(f.status()), HasSubstr("does-not-exist.gguf: cannot open"));

  f = GgufFile::Open(::testing::TempDir(), TestTypeLayout);
  EXPECT_THAT(Msg(f.status()), HasSubstr("is a directory"));

  Bytes b;
  b.Header(1, 0).TensorInfo("blk.0.attn_q.weight", {256}, 23, 0).PadTo(32).Zeros(136);
  const std::string path = WriteTemp("iq4xs", b.str());
  f = GgufFile::Open(path, TestTypeLayout);
  EXPECT_TRUE(absl::IsNotFound(f.status())) << f.status();
  EXPECT_EQ(Msg(f.status()),
            absl::StrCat(path, ": tensor 'blk.0.attn_q.weight' has type 23 (IQ4_XS): no "
                               "quant-format plugin loaded for it"));

  // Other lookup errors keep their code and message.
  f = GgufFile::Open(path, [](uint32_t) -> absl::StatusOr<TypeLayout> {
    return absl::FailedPreconditionError("registry not ready");
  });
  EXPECT_TRUE(absl::IsFailedPrecondition(f.status()));
  EXPECT_THAT(Msg(f.status()), HasSubstr("has type 23 (IQ4_XS): registry not ready"));

  // A lookup that answers nonsense is refused, not trusted.
  f = GgufFile::Open(path, [](uint32_t id) -> absl::StatusOr<TypeLayout> {
    return TypeLayout{id, "broken", 0, 0};
  });
  EXPECT_THAT(Msg(f.status()), HasSubstr("is invalid (block size 0, type size 0)"));
}

TEST(GgufFile, GettersNameTheFileAndKey) {
  GgufWriter w;
  ASSERT_TRUE(w.AddMetadata("name", GgufValue::String("n")).ok());
  ASSERT_TRUE(w.AddMetadata("count", GgufValue::Of(int32_t{-4})).ok());
  ASSERT_TRUE(w.AddMetadata("list", GgufValue::Array(std::vector<int32_t>{1})).ok());
  const std::string path = WriteTemp("getters", w.Serialize());
  absl::StatusOr<std::unique_ptr<GgufFile>> f = GgufFile::Open(path, TestTypeLayout);
  ASSERT_TRUE(f.ok()) << f.status();
  const GgufFile& g = **f;
  EXPECT_TRUE(g.tensors().empty());

  absl::Status s = g.GetInt("name").status();
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_EQ(Msg(s), absl::StrCat(path, ": metadata 'name': value is STRING, not a number"));
  s = g.GetString("nope").status();
  EXPECT_TRUE(absl::IsNotFound(s));
  EXPECT_EQ(Msg(s), absl::StrCat(path, ": no metadata key 'nope'"));
  EXPECT_THAT(Msg(g.GetUint("count").status()),
              HasSubstr("metadata 'count': INT32 value -4 does not fit in uint64"));
  EXPECT_EQ(*g.GetInt("count"), -4);
  EXPECT_EQ(*g.GetFloat("count"), -4.0);
  EXPECT_THAT(Msg(g.GetBool("count").status()), HasSubstr("'count': value is INT32, not BOOL"));
  EXPECT_THAT(Msg(g.GetString("count").status()), HasSubstr("'count': value is INT32"));
  EXPECT_THAT(Msg(g.GetArray("count").status()), HasSubstr("'count': value is INT32, not an array"));
  EXPECT_THAT(Msg(g.GetStringArray("list").status()),
              HasSubstr("'list': value is an array of INT32, not of STRING"));
  EXPECT_TRUE(absl::IsNotFound(g.GetArray("nope").status()));
}

// ---------------------------------------------------------------------------------------------
// Malformed files: each must fail with its own message, naming the file.

struct Malformed {
  const char* name;
  std::string bytes;
  const char* expected;  // a substring of the message
};

std::vector<Malformed> MalformedFiles() {
  std::vector<Malformed> cases;
  auto add = [&](const char* name, const Bytes& b, const char* expected) {
    cases.push_back({name, b.str(), expected});
  };
  const uint32_t kArray = static_cast<uint32_t>(GgufType::ARRAY);
  const uint32_t kString = static_cast<uint32_t>(GgufType::STRING);
  const uint32_t kU32 = static_cast<uint32_t>(GgufType::UINT32);

  add("empty", Bytes(), "truncated header: the file has 0 bytes, too few for the GGUF magic");
  add("bad_magic", Bytes().Text("GGML").U32(3).U64(0).U64(0), "bad magic \"GGML\"");
  add("unknown_version", Bytes().Header(0, 0, 4),
      "unsupported GGUF version 4 (only versions 2 and 3 are supported)");
  add("version_1", Bytes().Header(0, 0, 1), "version 1 used 32-bit counts");
  add("big_endian", Bytes().Header(0, 0, 0x03000000), "looks like a big-endian file");
  add("truncated_header", Bytes().Text("GGUF").U32(3).U32(0),
      "truncated header: the file ends while reading the tensor count");
  add("truncated_kv_value", Bytes().Header(0, 1).Str("k").U32(kU32).U8(1),
      "truncated header: the file ends while reading the value of metadata 'k'");
  add("absurd_kv_count", Bytes().Header(0, 1000000).Zeros(64), "metadata count 1000000 is absurd");
  add("absurd_tensor_count", Bytes().Header(4000000000u, 0).Zeros(64),
      "tensor count 4000000000 is absurd");
  add("string_past_end", Bytes().Header(0, 1).Str("k").U32(kString).U64(1000).Text("abc"),
      "metadata 'k': string length 1000 at offset 37 runs past the end of the file (48 bytes)");
  add("key_past_end", Bytes().Header(0, 1).U64(1u << 30).Zeros(16),
      "metadata key #0: string length 1073741824");
  add("array_count_billions",
      Bytes().Header(0, 1).Str("k").U32(kArray).U32(kU32).U64(4000000000u).Zeros(16),
      "metadata 'k': array count 4000000000 of UINT32 cannot fit in the 16 bytes left");
  {
    Bytes b;
    b.Header(0, 1).Str("k").U32(kArray);
    for (int d = 0; d < 20; ++d) b.U32(kArray).U64(1);
    add("nested_too_deep", b, "metadata 'k' element 0: arrays nested deeper than 8 levels");
  }
  add("unknown_value_type", Bytes().Header(0, 1).Str("k").U32(13).U32(0),
      "metadata 'k': unknown value type 13");
  add("unknown_array_element_type",
      Bytes().Header(0, 1).Str("k").U32(kArray).U32(77).U64(0),
      "metadata 'k': unknown value type 77");
  add("duplicate_key", Bytes().Header(0, 2).KvU32("k", 1).KvU32("k", 2),
      "duplicate metadata key 'k'");
  add("alignment_not_power_of_two", Bytes().Header(0, 1).KvU32("general.alignment", 24),
      "general.alignment 24 is not a power of two");
  add("alignment_zero", Bytes().Header(0, 1).KvU32("general.alignment", 0),
      "general.alignment 0 is not a power of two");
  add("alignment_not_uint32",
      Bytes().Header(0, 1).Str("general.alignment").U32(kString).Str("32"),
      "general.alignment must be UINT32, not STRING");
  add("tensor_name_past_end", Bytes().Header(1, 0).U64(5000).Zeros(40),
      "tensor #0: string length 5000");
  add("tensor_name_too_long",
      Bytes().Header(1, 0).TensorInfo(std::string(65, 'n'), {8}, kF32, 0).PadTo(32).Zeros(32),
      "tensor #0: name of 65 bytes is longer than 64");
  add("n_dims_zero", Bytes().Header(1, 0).TensorInfo("w", {}, kF32, 0).Zeros(64),
      "tensor 'w' has 0 dimensions (n_dims must be 1 to 4)");
  add("n_dims_5", Bytes().Header(1, 0).TensorInfo("w", {1, 1, 1, 1, 1}, kF32, 0).Zeros(64),
      "tensor 'w' has 5 dimensions (n_dims must be 1 to 4)");
  add("zero_dimension", Bytes().Header(1, 0).TensorInfo("w", {8, 0}, kF32, 0).Zeros(64),
      "tensor 'w': ne[1] = 0 is not a valid dimension");
  add("negative_dimension",
      Bytes().Header(1, 0).TensorInfo("w", {8, uint64_t{1} << 63}, kF32, 0).Zeros(64),
      "tensor 'w': ne[1] = 9223372036854775808 is not a valid dimension");
  add("element_count_overflow",
      Bytes().Header(1, 0).TensorInfo("w", {uint64_t{1} << 32, uint64_t{1} << 32}, kF32, 0)
          .Zeros(64),
      "tensor 'w': element count of shape [4294967296, 4294967296] overflows int64");
  add("truncated_tensor_info",
      Bytes().Header(1, 0).Str("long_tensor_name").U32(1).U64(8).U32(kF32).Zeros(3),
      "truncated header: the file ends while reading the data offset of tensor "
      "'long_tensor_name'");
  add("unknown_tensor_type", Bytes().Header(1, 0).TensorInfo("w", {8}, 99, 0).Zeros(64),
      "tensor 'w' has type 99 (unknown): no quant-format plugin loaded for it");
  add("not_a_block_multiple", Bytes().Header(1, 0).TensorInfo("w", {48}, kQ8_0, 0).Zeros(96),
      "tensor 'w' of type Q8_0: ne[0] = 48 is not a multiple of the block size 32");
  add("misaligned_data_offset",
      Bytes().Header(1, 0).TensorInfo("w", {8}, kF32, 16).PadTo(32).Zeros(64),
      "tensor 'w': data offset 16 is not a multiple of the alignment 32");
  add("offset_out_of_range",
      Bytes().Header(1, 0).TensorInfo("w", {8}, kF32, 1u << 20).PadTo(32).Zeros(64),
      "tensor 'w': data offset 1048576 is out of range");
  add("truncated_tensor_data",
      Bytes().Header(1, 0).TensorInfo("w", {8, 4}, kF32, 0).PadTo(32).Zeros(100),
      "tensor 'w': truncated tensor data: 128 bytes at file offset 96 run past the end");
  add("duplicate_tensor_name",
      Bytes().Header(2, 0).TensorInfo("w", {8}, kF32, 0).TensorInfo("w", {8}, kF32, 32)
          .PadTo(32).Zeros(64),
      "duplicate tensor name 'w'");
  add("overlapping_tensors",
      Bytes().Header(2, 0).TensorInfo("a", {16}, kF32, 0).TensorInfo("b", {8}, kF32, 32)
          .PadTo(32).Zeros(64),
      "tensors 'a' (data bytes 0 to 64) and 'b' (from byte 32) overlap");
  return cases;
}

TEST(MalformedFiles, EachFailsWithItsOwnMessage) {
  const std::vector<Malformed> cases = MalformedFiles();
  std::set<std::string> messages;
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = WriteTemp(c.name, c.bytes);
    absl::StatusOr<std::unique_ptr<GgufFile>> f = GgufFile::Open(path, TestTypeLayout);
    ASSERT_FALSE(f.ok());
    const std::string message = Msg(f.status());
    EXPECT_THAT(message, StartsWith(path + ": "));
    EXPECT_THAT(message, HasSubstr(c.expected));
    EXPECT_TRUE(messages.insert(message.substr(path.size())).second)
        << "same message as another case: " << message;
  }
  EXPECT_GE(cases.size(), 12u);
}

TEST(MalformedFiles, TheValidBaseFileOpens) {
  // The malformed cases are small edits of files like this one.
  absl::StatusOr<std::unique_ptr<GgufFile>> f = OpenBytes("valid_base", OneTensorFile().str());
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)->tensors().size(), 1u);
  EXPECT_EQ((*f)->data_offset(), 96u);
}

TEST(MalformedFiles, EveryTruncationOfAValidFileFailsCleanly) {
  GgufWriter w;
  ASSERT_TRUE(w.AddMetadata("general.architecture", GgufValue::String("llama")).ok());
  ASSERT_TRUE(w.AddMetadata("tokens", GgufValue::StringArray({"a", "bc", "def"})).ok());
  ASSERT_TRUE(w.AddMetadata("nested", *GgufValue::ArrayOfArrays(
                                          {GgufValue::Array(std::vector<float>{1, 2})}))
                  .ok());
  ASSERT_TRUE(w.AddTensor("t", Layout(kF32), {4}, Floats({1, 2, 3, 4})).ok());
  const std::string full = w.Serialize();
  // Cutting anywhere before the end of the tensor data must fail; the trailing padding may go.
  for (size_t n = 0; n < full.size(); ++n) {
    absl::StatusOr<std::unique_ptr<GgufFile>> f = OpenBytes("cut", full.substr(0, n));
    const bool tensor_complete = n >= full.size() - 16;  // 16 bytes of data, 16 of padding
    EXPECT_EQ(f.ok(), tensor_complete) << "cut at " << n << ": " << f.status();
  }
}

}  // namespace
}  // namespace edgellm
