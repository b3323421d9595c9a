// Every f16 kernel entry this CPU runs: conversions against the reference ones, row tails, and the
// fp16-accumulating dot product and the batched dot (f16.h) bit for bit across ISAs.
#include "quant_formats/f16/f16.h"

#include <vector>

#include "gtest/gtest.h"
#include "quant_formats/common/format_test_util.h"

namespace edgellm::quant {
namespace {

using testing::FormatTest;

class F16Test : public FormatTest {
 protected:
  F16Test() : FormatTest("f16") {}
  std::vector<uint16_t> RandomHalves(int n, unsigned seed) const {
    return Quantize<uint16_t>(testing::RandomFloats(n, seed));
  }
};

TEST_F(F16Test, EveryHalfConvertsLikeTheReference) {
  // F16C quietens signaling NaN (as ggml's x86 path does); sign and payload stay.
  testing::ExpectEveryHalfConvertsLikeTheReference(*format_, kernels_, /*nan_may_quieten=*/true);
}

TEST_F(F16Test, FloatsRoundLikeTheReference) {
  // The fp16 edges: largest finite, the overflow threshold, subnormals and their rounding ties.
  testing::ExpectFloatsRoundLikeTheReference(
      *format_, kernels_,
      testing::Fp32Samples({65504.0f, 65519.99f, 65520.0f, 5.9604645e-8f, 2.9802322e-8f,
                            2.9802326e-8f, 8.940697e-8f, 6.1035156e-5f, 6.1035152e-5f,
                            1.0f + 0x1p-11f, 1.0f + 0x3p-11f}));
}

TEST_F(F16Test, ShortRowsConvertWithoutTouchingPastTheEnd) {
  testing::ExpectShortRowsConvertWithinTheRow(kernels_);
}

TEST_F(F16Test, VecDotIsTheSameOnEveryKernelAndCloseToExact) {
  for (int n : testing::DotLengths()) {
    const std::vector<uint16_t> a = RandomHalves(n, n), b = RandomHalves(n, n + 1000);
    std::vector<float> fa(n), fb(n);
    format_->to_float(a.data(), fa.data(), n);
    format_->to_float(b.data(), fb.data(), n);
    // fp16 partial sums when there are full groups of kDotLanes, exact products otherwise.
    testing::ExpectVecDotNearExact(kernels_, n, a.data(), b.data(), fa.data(), fb.data(),
                                   n >= f16::kDotLanes ? 2e-3 : 1e-6);
  }
}

// The batched dot (ggml's numbers for 2+ activation rows: tinyBLAS's fp32 sums when n % 16 == 0,
// vec_dot otherwise) gives the same bits on every kernel entry.
TEST_F(F16Test, VecDotBatchIsTheSameOnEveryKernel) {
  for (const EdgeQuantKernelsV1* k : kernels_) {
    EXPECT_NE(k->vec_dot_batch, nullptr) << testing::KernelName(*k);
  }
  constexpr int kRows = 5, kCols = 3;
  for (int n : {16, 48, 64, 100, 128, 256, 333, 1024}) {
    const std::vector<uint16_t> w = RandomHalves(n * kRows, n), a = RandomHalves(n * kCols, n + 7);
    testing::ExpectDotProductsTheSameOnEveryKernel(kernels_, n, kRows, kCols, w.data(), a.data(),
                                                   n * sizeof(uint16_t), 16);
  }
}

}  // namespace
}  // namespace edgellm::quant
