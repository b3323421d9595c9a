// Every f32 kernel entry this CPU runs: dot products against exact sums for any row length and
// bit for bit across ISAs (batched too), and the plain-copy conversions.
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "quant_formats/common/format_test_util.h"

namespace edgellm::quant {
namespace {

using testing::FormatTest;

class F32Test : public FormatTest {
 protected:
  F32Test() : FormatTest("f32") {}
};

TEST_F(F32Test, ConversionsCopy) {
  const std::vector<float> x = {1.5f, -0.0f, 3e-42f, INFINITY};
  std::vector<float> y(4);
  const std::vector<float> q = Quantize<float>(x);
  format_->to_float(q.data(), y.data(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(testing::Bits(q[i]), testing::Bits(x[i]));
    EXPECT_EQ(testing::Bits(y[i]), testing::Bits(x[i]));
  }
}

TEST_F(F32Test, VecDotMatchesExactSumForAnyLength) {
  for (int n : testing::DotLengths()) {
    const std::vector<float> a = testing::RandomFloats(n, 9 * n);
    const std::vector<float> b = testing::RandomFloats(n, 9 * n + 1);
    testing::ExpectVecDotNearExact(kernels_, n, a.data(), b.data(), a.data(), b.data(), 1e-6);
  }
}

// vec_dot and the batched dot (f32.h: ggml_vec_dot_f32's sums, tinyBLAS's when n % 16 == 0 and
// vec_dot's otherwise) give the same bits on every kernel entry.
TEST_F(F32Test, DotProductsAreTheSameOnEveryKernel) {
  constexpr int kRows = 4, kCols = 3;
  for (int n : {1, 15, 16, 63, 64, 65, 127, 172, 256, 1000, 1024}) {
    const std::vector<float> w = testing::RandomFloats(n * kRows, 3 * n);
    const std::vector<float> a = testing::RandomFloats(n * kCols, 3 * n + 1);
    testing::ExpectDotProductsTheSameOnEveryKernel(kernels_, n, kRows, kCols, w.data(), a.data(),
                                                   n * sizeof(float), 16);
  }
}

}  // namespace
}  // namespace edgellm::quant
