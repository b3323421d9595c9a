// Backend::MatMulVecDot (EdgeBackendV1::matmul_vec_dot, ABI 1.2) on every loaded backend: each
// row of a several-row call gets the bits of a one-row MatMul of it (vec_dot's), which a
// several-row MatMul need not give (the float formats' GEMM sums in another order); and
// Backend::BatchMatchesVecDot says true only where a several-row MatMul gives those bits too.
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/quant_format.h"
#include "gtest/gtest.h"
#include "tests/testing/plugins_fixture.h"

namespace edgellm {
namespace {

constexpr int64_t kRows = 36;   // a multiple of 4: the float formats' GEMM takes it
constexpr int64_t kCols = 512;  // whole q4_K blocks
constexpr int64_t kTokens = 5;

// First element where two results' bits differ, or -1.
int64_t FirstDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return static_cast<int64_t>(i);
  }
  return -1;
}

class MatMulVecDotTest : public testing::PluginsTest {
 protected:
  // Random weights [kRows][kCols] quantized with the format's reference quantizer, and random
  // activations [kTokens][kCols].
  struct Problem {
    const QuantFormat* format = nullptr;
    std::vector<uint8_t> weights;
    std::vector<float> x;
    EdgeMatrixV1 matrix{};
  };

  static Problem MakeProblem(const char* format_name, uint32_t seed) {
    Problem p;
    p.format = registry_->FindFormatByName(format_name);
    EXPECT_NE(p.format, nullptr) << format_name;
    if (p.format == nullptr) return p;
    const QuantFormat* act = registry_->FindFormat(p.format->vec_dot_type());
    EXPECT_NE(act, nullptr) << format_name << "'s vec_dot_type";
    if (act == nullptr) return p;
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> w(kCols);
    const size_t row_bytes = p.format->RowBytes(kCols);
    p.weights.resize(kRows * row_bytes);
    for (int64_t r = 0; r < kRows; ++r) {
      for (float& v : w) v = normal(rng);
      p.format->FromFloatRef(w.data(), &p.weights[r * row_bytes], kCols);
    }
    p.x.resize(kTokens * kCols);
    for (float& v : p.x) v = normal(rng);
    p.matrix = {p.format->desc(), act->desc(), p.weights.data(), kCols, kRows, row_bytes};
    return p;
  }

  static std::unique_ptr<Backend> Make(const BackendPlugin& b) {
    absl::StatusOr<std::unique_ptr<Backend>> be = b.Create(2);
    EXPECT_TRUE(be.ok()) << be.status();
    return be.ok() ? std::move(*be) : nullptr;
  }

  // kTokens one-row MatMuls.
  static std::vector<float> RowByRow(Backend& be, const Problem& p) {
    std::vector<float> y(kTokens * kRows, -1.0f);
    for (int64_t t = 0; t < kTokens; ++t) {
      absl::Status s = be.MatMul(p.matrix, &p.x[t * kCols], 1, &y[t * kRows]);
      EXPECT_TRUE(s.ok()) << s;
    }
    return y;
  }

  static std::vector<float> VecDotRows(Backend& be, const Problem& p) {
    std::vector<float> y(kTokens * kRows, -1.0f);
    absl::Status s = be.MatMulVecDot(p.matrix, p.x.data(), kTokens, y.data());
    EXPECT_TRUE(s.ok()) << s;
    return y;
  }

  static std::vector<float> OneMatMul(Backend& be, const Problem& p) {
    std::vector<float> y(kTokens * kRows, -1.0f);
    absl::Status s = be.MatMul(p.matrix, p.x.data(), kTokens, y.data());
    EXPECT_TRUE(s.ok()) << s;
    return y;
  }
};

TEST_F(MatMulVecDotTest, EveryRowGetsItsOneRowMatMulBits) {
  for (const char* name : {"f16", "bf16", "f32", "q4_K", "q8_0"}) {
    const Problem p = MakeProblem(name, 17);
    ASSERT_NE(p.matrix.data, nullptr) << name;
    for (const BackendPlugin* b : registry_->backends()) {
      SCOPED_TRACE(std::string(b->name()) + " " + name);
      std::unique_ptr<Backend> be = Make(*b);
      ASSERT_NE(be, nullptr);
      const std::vector<float> want = RowByRow(*be, p);
      const int64_t i = FirstDiff(VecDotRows(*be, p), want);
      EXPECT_EQ(i, -1) << "element " << i;
      // Where the host may put every row in one MatMul, that gives the same bits too.
      if (be->BatchMatchesVecDot(*p.format)) {
        EXPECT_EQ(FirstDiff(OneMatMul(*be, p), want), -1) << "declared exact";
      }
    }
  }
}

TEST_F(MatMulVecDotTest, F16RowsKeepVecDotNumbersWhereAMatMulWouldNot) {
  const Problem p = MakeProblem("f16", 23);
  ASSERT_NE(p.matrix.data, nullptr);
  int differing = 0;
  for (const BackendPlugin* b : registry_->backends()) {
    SCOPED_TRACE(b->name());
    std::unique_ptr<Backend> be = Make(*b);
    ASSERT_NE(be, nullptr);
    EXPECT_FALSE(be->BatchMatchesVecDot(*p.format));  // tinyBLAS's order is not vec_dot's
    const std::vector<float> want = RowByRow(*be, p);
    ASSERT_EQ(FirstDiff(VecDotRows(*be, p), want), -1);
    if (FirstDiff(OneMatMul(*be, p), want) != -1) ++differing;
  }
  if (differing == 0) {
    GTEST_SKIP() << "a " << kTokens << "-row f16 MatMul gave vec_dot's bits on every backend";
  }
}

TEST_F(MatMulVecDotTest, BatchMatchesVecDotFollowsTheKernelTheBackendPicks) {
  const QuantFormat* q8_0 = registry_->FindFormatByName("q8_0");
  ASSERT_NE(q8_0, nullptr);
  for (const BackendPlugin* b : registry_->backends()) {
    SCOPED_TRACE(b->name());
    std::unique_ptr<Backend> be = Make(*b);
    ASSERT_NE(be, nullptr);
    // q8_0's scalar entry declares nothing; its AVX2 and AVX-512 entries declare exact GEMMs.
    if (be->isa() == EDGE_ISA_SCALAR) {
      EXPECT_FALSE(be->BatchMatchesVecDot(*q8_0));
    }
    if (be->isa() == EDGE_ISA_AVX2 || be->isa() == EDGE_ISA_AVX512) {
      EXPECT_TRUE(be->BatchMatchesVecDot(*q8_0));
    }
  }
}

}  // namespace
}  // namespace edgellm
