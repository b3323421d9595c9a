// Every quant-format plugin against ../shared/golden/quants, made by ggml's own code: reference
// quantizer bytes, dequantized floats, activation quantization and vec_dot results, for every
// kernel entry (ISA) this CPU can run. See ../shared/golden/README.md for the file layout.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "core/plugin/plugin_paths.h"
#include "core/plugin/plugin_registry.h"
#include "core/quant_format.h"
#include "gtest/gtest.h"
#include "tests/testing/shared_data.h"

namespace edgellm {
namespace {

using edgellm::testing::ReadFileOrDie;
using edgellm::testing::ReadFloats;
using edgellm::testing::SharedDir;

constexpr int kRows = 12;
constexpr int kCols = 1024;

// One MANIFEST.txt line as key=value pairs.
std::map<std::string, std::string> ManifestEntry(const std::string& type) {
  std::istringstream in(ReadFileOrDie(SharedDir() + "/golden/quants/MANIFEST.txt"));
  for (std::string line; std::getline(in, line);) {
    std::map<std::string, std::string> kv;
    for (absl::string_view field : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      std::pair<std::string, std::string> p = absl::StrSplit(field, absl::MaxSplits('=', 1));
      kv[p.first] = p.second;
    }
    if (kv["type"] == type) return kv;
  }
  return {};
}

std::string Golden(const std::string& name) { return SharedDir() + "/golden/quants/" + name; }

class QuantGoldenTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    auto loaded = LoadPlugins("");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    registry_ = loaded->release();
  }
  static void TearDownTestSuite() {
    delete registry_;
    registry_ = nullptr;
  }
  void SetUp() override {
    EDGELLM_REQUIRE_SHARED();
    ASSERT_NE(registry_, nullptr);
    entry_ = ManifestEntry(GetParam());
    ASSERT_FALSE(entry_.empty()) << GetParam() << " not in MANIFEST.txt";
    format_ = registry_->FindFormatByName(GetParam());
    ASSERT_NE(format_, nullptr) << "no plugin loaded for " << GetParam();
    input_ = ReadFloats(Golden("input.f32"));
    act_ = ReadFloats(Golden("act.f32"));
    ASSERT_EQ(input_.size(), size_t{kRows * kCols});
    ASSERT_EQ(act_.size(), size_t{kRows * kCols});
  }
  // The golden inputs of the dot-product tests: kRows weight rows (<type>.quant.bin, wb bytes
  // each) and kRows activation rows in the vec_dot_type (<type>.act_<vec_dot_type>.bin, ab bytes
  // each); empty when the vec_dot_type is not loaded.
  struct DotInputs {
    std::string quant, act;
    size_t wb = 0, ab = 0;
  };
  DotInputs LoadDotInputs() const {
    const std::string vec_dot_name = entry_.at("vec_dot_type");
    const QuantFormat* v = registry_->FindFormatByName(vec_dot_name);
    EXPECT_NE(v, nullptr) << vec_dot_name << " not loaded";
    if (v == nullptr) return {};
    return {ReadFileOrDie(Golden(GetParam() + ".quant.bin")),
            ReadFileOrDie(Golden(GetParam() + ".act_" + vec_dot_name + ".bin")),
            format_->RowBytes(kCols), v->RowBytes(kCols)};
  }
  // Kernel entries whose CPU features this machine has.
  std::vector<const EdgeQuantKernelsV1*> Runnable(const QuantFormat& f) const {
    std::vector<const EdgeQuantKernelsV1*> out;
    for (const EdgeQuantKernelsV1* k : f.kernels()) {
      if ((k->required_cpu_features & ~registry_->cpu_features()) == 0) out.push_back(k);
    }
    return out;
  }

  static PluginRegistry* registry_;
  std::map<std::string, std::string> entry_;
  const QuantFormat* format_ = nullptr;
  std::vector<float> input_, act_;
};

PluginRegistry* QuantGoldenTest::registry_ = nullptr;

TEST_P(QuantGoldenTest, LayoutMatchesGgml) {
  EXPECT_EQ(std::to_string(format_->type_id()), entry_["id"]);
  EXPECT_EQ(std::to_string(format_->block_size()), entry_["block_size"]);
  EXPECT_EQ(std::to_string(format_->type_size()), entry_["type_size"]);
  EXPECT_EQ(std::to_string(format_->RowBytes(kCols)), entry_["row_bytes"]);
  if (entry_["vec_dot_type"] != "-") {
    const QuantFormat* v = registry_->FindFormat(format_->vec_dot_type());
    ASSERT_NE(v, nullptr) << "vec_dot_type of " << GetParam() << " not loaded";
    EXPECT_EQ(v->name(), entry_["vec_dot_type"]);
  }
}

TEST_P(QuantGoldenTest, ReferenceQuantizerBytesIdentical) {
  if (GetParam() == "q8_K") GTEST_SKIP() << "q8_K has no quant.bin; see ActivationQuantizer";
  const std::string golden = ReadFileOrDie(Golden(GetParam() + ".quant.bin"));
  const size_t row_bytes = format_->RowBytes(kCols);
  ASSERT_EQ(golden.size(), row_bytes * kRows);
  // One call over all rows, as the golden was made (iq4_nl carries codes across blocks).
  std::string mine(golden.size(), '\0');
  format_->FromFloatRef(input_.data(), mine.data(), kRows * kCols);
  for (int r = 0; r < kRows; ++r) {
    EXPECT_EQ(0, std::memcmp(&mine[r * row_bytes], &golden[r * row_bytes], row_bytes))
        << GetParam() << " row " << r;
  }
}

TEST_P(QuantGoldenTest, DequantizedFloatsIdentical) {
  if (GetParam() == "q8_K") GTEST_SKIP() << "ggml has no q8_K dequant golden";
  const std::string quant = ReadFileOrDie(Golden(GetParam() + ".quant.bin"));
  const std::vector<float> golden = ReadFloats(Golden(GetParam() + ".dequant.f32"));
  ASSERT_EQ(golden.size(), size_t{kRows * kCols});
  std::vector<EdgeToFloatFn> fns = {format_->desc()->to_float};
  for (const EdgeQuantKernelsV1* k : Runnable(*format_)) {
    if (k->to_float != nullptr) fns.push_back(k->to_float);
  }
  const size_t row_bytes = format_->RowBytes(kCols);
  std::vector<float> mine(kCols);
  for (EdgeToFloatFn fn : fns) {
    for (int r = 0; r < kRows; ++r) {
      fn(&quant[r * row_bytes], mine.data(), kCols);
      EXPECT_EQ(0, std::memcmp(mine.data(), &golden[r * kCols], kCols * sizeof(float)))
          << GetParam() << " row " << r;
    }
  }
}

// The activations the vec_dot golden used: act.f32 quantized by ggml's CPU path to the
// vec_dot_type. Every quantizer entry of the partner format must reproduce them.
TEST_P(QuantGoldenTest, ActivationQuantizerIdentical) {
  const bool is_q8k = GetParam() == "q8_K";
  const std::string vec_dot_name = is_q8k ? "q8_K" : entry_["vec_dot_type"];
  const std::string file = is_q8k ? "q8_K.act_ref.bin" : GetParam() + ".act_" + vec_dot_name + ".bin";
  const QuantFormat* v = registry_->FindFormatByName(vec_dot_name);
  ASSERT_NE(v, nullptr) << vec_dot_name << " not loaded";
  const std::string golden = ReadFileOrDie(Golden(file));
  const size_t row_bytes = v->RowBytes(kCols);
  ASSERT_EQ(golden.size(), row_bytes * kRows);
  std::vector<std::pair<std::string, EdgeFromFloatFn>> fns;
  for (const EdgeQuantKernelsV1* k : Runnable(*v)) {
    if (k->from_float != nullptr) fns.emplace_back(IsaName(k->isa), k->from_float);
  }
  // Where no ISA has its own activation quantizer, the reference one is what runs.
  if (fns.empty() || is_q8k) fns.emplace_back("ref", v->desc()->from_float_ref);
  std::string mine(row_bytes, '\0');
  for (const auto& [isa, fn] : fns) {
    for (int r = 0; r < kRows; ++r) {
      fn(&act_[r * kCols], mine.data(), kCols);
      EXPECT_EQ(0, std::memcmp(mine.data(), &golden[r * row_bytes], row_bytes))
          << vec_dot_name << " quantizer (" << isa << ") row " << r;
    }
  }
}

// The kernels of the x86 ISAs and the scalar ones compute the sums of ggml's x86 AVX-512 build
// (each format's header says in which order), so their vec_dot gives the golden's floats bit for
// bit, and the same bits as the scalar kernel for a shorter row too (an odd block count). NEON
// kernels sum in their own order: within 1e-5 of the golden.
bool FollowsGgmlX86(const EdgeQuantKernelsV1& k) { return k.isa != EDGE_ISA_NEON; }

TEST_P(QuantGoldenTest, VecDotIdenticalOnEveryIsa) {
  if (GetParam() == "q8_K") GTEST_SKIP() << "q8_K is an activation format without vec_dot";
  const auto [quant, act, wb, ab] = LoadDotInputs();
  ASSERT_FALSE(act.empty());
  const std::vector<float> golden = ReadFloats(Golden(GetParam() + ".dot.f32"));
  ASSERT_EQ(golden.size(), size_t{kRows});
  // Rows are whole blocks, so a prefix of a row is a row of the shorter length.
  const int64_t shorter = kCols - (format_->block_size() == 1 ? 8 : format_->block_size());
  std::vector<float> scalar_short(kRows, NAN);
  for (const EdgeQuantKernelsV1* k : Runnable(*format_)) {
    if (k->isa != EDGE_ISA_SCALAR) continue;
    for (int r = 0; r < kRows; ++r) {
      k->vec_dot(shorter, &scalar_short[r], &quant[r * wb], &act[r * ab]);
    }
  }
  int checked = 0;
  for (const EdgeQuantKernelsV1* k : Runnable(*format_)) {
    if (k->vec_dot == nullptr) continue;
    ++checked;
    for (int r = 0; r < kRows; ++r) {
      float s = NAN;
      k->vec_dot(kCols, &s, &quant[r * wb], &act[r * ab]);
      if (!FollowsGgmlX86(*k)) {
        EXPECT_NEAR(s, golden[r], std::max(1e-6f, 1e-5f * std::fabs(golden[r])))
            << GetParam() << " " << IsaName(k->isa) << " row " << r;
        continue;
      }
      EXPECT_EQ(0, std::memcmp(&s, &golden[r], sizeof s))
          << GetParam() << " " << IsaName(k->isa) << " row " << r << ": " << s << " vs "
          << golden[r];
      k->vec_dot(shorter, &s, &quant[r * wb], &act[r * ab]);
      EXPECT_EQ(0, std::memcmp(&s, &scalar_short[r], sizeof s))
          << GetParam() << " " << IsaName(k->isa) << " row " << r << " n=" << shorter;
    }
  }
  EXPECT_GT(checked, 0) << GetParam() << " has no vec_dot kernel this CPU runs";
}

// The batched dot (what ggml computes for 2+ activation rows, its prefill GEMM where it has one)
// gives the same bits on every ISA that follows ggml's x86 sums, for all 12 x 12 row pairs and
// for a shorter row length too (an odd block count, or a row length the GEMM does not take).
TEST_P(QuantGoldenTest, VecDotBatchIdenticalOnEveryIsa) {
  if (GetParam() == "q8_K") GTEST_SKIP() << "q8_K is an activation format without vec_dot";
  const auto [quant, act, wb, ab] = LoadDotInputs();
  ASSERT_FALSE(act.empty());
  // The batch kernel, else vec_dot for every pair (what the backends' matmul does).
  const auto run = [&](const EdgeQuantKernelsV1& k, int64_t n) {
    std::vector<float> s(kRows * kRows, NAN);
    if (k.vec_dot_batch != nullptr) {
      k.vec_dot_batch(n, kRows, kRows, s.data(), kRows, quant.data(), wb, act.data(), ab);
    } else {
      for (int i = 0; i < kRows; ++i) {
        for (int j = 0; j < kRows; ++j) {
          k.vec_dot(n, &s[j * kRows + i], &quant[i * wb], &act[j * ab]);
        }
      }
    }
    return s;
  };
  const EdgeQuantKernelsV1* scalar = nullptr;
  for (const EdgeQuantKernelsV1* k : Runnable(*format_)) {
    if (k->isa == EDGE_ISA_SCALAR) scalar = k;
  }
  ASSERT_NE(scalar, nullptr);
  const int64_t block = format_->block_size() == 1 ? 8 : format_->block_size();
  for (int64_t n : {int64_t{kCols}, kCols - block}) {
    const std::vector<float> want = run(*scalar, n);
    for (const EdgeQuantKernelsV1* k : Runnable(*format_)) {
      if (k->vec_dot == nullptr || !FollowsGgmlX86(*k)) continue;
      const std::vector<float> got = run(*k, n);
      EXPECT_EQ(0, std::memcmp(got.data(), want.data(), want.size() * sizeof(float)))
          << GetParam() << " " << IsaName(k->isa) << " n=" << n;
    }
  }
}

// The backends' matmul cuts a prefill GEMM into tiles of any size (chunks of rows, tiles of
// tokens, 1-row and 1-token tails), so a batch kernel's result for a pair must not depend on
// the tile it was computed in, and a kernel writes only its own tile of s.
TEST_P(QuantGoldenTest, VecDotBatchDoesNotDependOnTiling) {
  if (GetParam() == "q8_K") GTEST_SKIP() << "q8_K is an activation format without vec_dot";
  const auto [quant, act, wb, ab] = LoadDotInputs();
  ASSERT_FALSE(act.empty());
  int checked = 0;
  for (const EdgeQuantKernelsV1* k : Runnable(*format_)) {
    if (k->vec_dot_batch == nullptr) continue;
    ++checked;
    std::vector<float> full(kRows * kRows, NAN);
    k->vec_dot_batch(kCols, kRows, kRows, full.data(), kRows, quant.data(), wb, act.data(), ab);
    // (first row, rows, first token, tokens): tails of one, odd sizes, offsets.
    constexpr int kTiles[][4] = {{0, 1, 0, 1},  {11, 1, 3, 1}, {2, 5, 1, 3},  {0, 12, 11, 1},
                                 {5, 1, 0, 12}, {3, 9, 4, 7},  {1, 11, 0, 8}, {4, 8, 2, 9}};
    for (const auto& [r0, nr, t0, nt] : kTiles) {
      constexpr float kUntouched = -12345.0f;
      const size_t stride = kRows + 3;  // wider than the tile: s_stride is honoured
      std::vector<float> s(stride * (nt + 1), kUntouched);
      k->vec_dot_batch(kCols, nr, nt, s.data(), stride, &quant[r0 * wb], wb, &act[t0 * ab], ab);
      for (int t = 0; t < nt + 1; ++t) {
        for (size_t i = 0; i < stride; ++i) {
          const float got = s[t * stride + i];
          if (t < nt && i < static_cast<size_t>(nr)) {
            const float want = full[(t0 + t) * kRows + r0 + i];
            EXPECT_EQ(0, std::memcmp(&got, &want, sizeof got))
                << GetParam() << " " << IsaName(k->isa) << " tile " << r0 << "+" << nr << " x "
                << t0 << "+" << nt << " pair (" << i << ", " << t << ")";
          } else {
            EXPECT_EQ(got, kUntouched) << GetParam() << " " << IsaName(k->isa)
                                       << " wrote outside its tile at (" << i << ", " << t << ")";
          }
        }
      }
    }
  }
  if (checked == 0) GTEST_SKIP() << GetParam() << " has no batch kernel this CPU runs";
}

// A kernel entry that declares EDGE_KERNEL_BATCH_MATCHES_VEC_DOT lets the backends use its batch
// kernel for any matmul (any row count, one token): the declaration must hold for every pair.
TEST_P(QuantGoldenTest, DeclaredBatchMatchesVecDotHolds) {
  if (GetParam() == "q8_K") GTEST_SKIP() << "q8_K is an activation format without vec_dot";
  const auto [quant, act, wb, ab] = LoadDotInputs();
  ASSERT_FALSE(act.empty());
  const std::vector<const EdgeQuantKernelsV1*> all = format_->kernels();
  int checked = 0;
  for (size_t e = 0; e < all.size(); ++e) {
    const EdgeQuantKernelsV1* k = all[e];
    if ((format_->kernel_flags(e) & EDGE_KERNEL_BATCH_MATCHES_VEC_DOT) == 0) continue;
    ASSERT_NE(k->vec_dot_batch, nullptr) << GetParam() << " entry " << e << " declares it";
    if ((k->required_cpu_features & ~registry_->cpu_features()) != 0) continue;
    ++checked;
    std::vector<float> batch(kRows * kRows, NAN);
    k->vec_dot_batch(kCols, kRows, kRows, batch.data(), kRows, quant.data(), wb, act.data(), ab);
    for (int t = 0; t < kRows; ++t) {
      for (int r = 0; r < kRows; ++r) {
        float one = NAN;
        k->vec_dot(kCols, &one, &quant[r * wb], &act[t * ab]);
        EXPECT_EQ(0, std::memcmp(&one, &batch[t * kRows + r], sizeof one))
            << GetParam() << " " << IsaName(k->isa) << " entry " << e << " pair (" << r << ", "
            << t << "): vec_dot " << one << ", vec_dot_batch " << batch[t * kRows + r];
      }
    }
  }
  if (checked == 0) GTEST_SKIP() << GetParam() << " declares it for no entry this CPU runs";
}

INSTANTIATE_TEST_SUITE_P(AllTypes, QuantGoldenTest,
                         ::testing::Values("f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0",
                                           "q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "q8_K",
                                           "iq4_nl", "iq4_xs"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace edgellm
