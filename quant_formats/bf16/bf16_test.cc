// Every bf16 kernel entry this CPU runs: conversions against the reference ones (NaN and
// subnormals included), row tails, dot products against exact sums, and the same dot product
// bits on every entry.
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "quant_formats/common/format_test_util.h"

namespace edgellm::quant {
namespace {

using testing::FormatTest;

class Bf16Test : public FormatTest {
 protected:
  Bf16Test() : FormatTest("bf16") {}
};

TEST_F(Bf16Test, ConversionsMatchTheReference) {
  testing::ExpectEveryHalfConvertsLikeTheReference(*format_, kernels_, /*nan_may_quieten=*/false);
  // Rounding ties around 1, and a subnormal.
  testing::ExpectFloatsRoundLikeTheReference(
      *format_, kernels_,
      testing::Fp32Samples({1.0f + 0x1p-8f, 1.0f + 0x3p-8f, 1.0f + 0x1p-9f, 0x1p-130f}));
}

TEST_F(Bf16Test, ShortRowsConvertWithoutTouchingPastTheEnd) {
  testing::ExpectShortRowsConvertWithinTheRow(kernels_);
}

TEST_F(Bf16Test, VecDotMatchesExactSumForAnyLength) {
  for (int n : testing::DotLengths()) {
    const std::vector<uint16_t> a = Quantize<uint16_t>(testing::RandomFloats(n, 5 * n));
    const std::vector<uint16_t> b = Quantize<uint16_t>(testing::RandomFloats(n, 5 * n + 1));
    std::vector<float> fa(n), fb(n);
    format_->to_float(a.data(), fa.data(), n);
    format_->to_float(b.data(), fb.data(), n);
    testing::ExpectVecDotNearExact(kernels_, n, a.data(), b.data(), fa.data(), fb.data(), 1e-6);
  }
}

// Values of every magnitude, a few of them subnormal, so that the emulated vdpbf16ps (subnormal
// inputs read as zero, subnormal sums flushed) meets its edge cases.
std::vector<float> WideRange(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-135, 20);
  std::vector<float> x(n);
  for (float& v : x) v = std::ldexp(dist(rng), exponent(rng) / (rng() % 4 == 0 ? 1 : 8));
  return x;
}

// vec_dot and the batched dot (bf16.h's vdpbf16ps sums; tinyBLAS's when n % 32 == 0, vec_dot
// otherwise) give the same bits on every kernel entry: the FMA emulations of vdpbf16ps match the
// instruction where this CPU has it.
TEST_F(Bf16Test, DotProductsAreTheSameOnEveryKernel) {
  constexpr int kRows = 4, kCols = 3;
  for (int n : {1, 31, 32, 63, 64, 65, 96, 128, 200, 256, 1000, 1024}) {
    const std::vector<uint16_t> w = Quantize<uint16_t>(WideRange(n * kRows, n));
    const std::vector<uint16_t> a = Quantize<uint16_t>(WideRange(n * kCols, n + 3));
    testing::ExpectDotProductsTheSameOnEveryKernel(kernels_, n, kRows, kCols, w.data(), a.data(),
                                                   n * sizeof(uint16_t), 32);
  }
}

}  // namespace
}  // namespace edgellm::quant
