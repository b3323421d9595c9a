// Every q8_0 kernel entry this CPU runs, against each other and against exact arithmetic: the
// golden test (tests/golden) cannot tell the two rounding rules apart, these inputs can.
#include <cmath>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "quant_formats/common/format_test_util.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant {
namespace {

using testing::FormatTest;
using testing::KernelName;

class Q8_0Test : public FormatTest {
 protected:
  Q8_0Test() : FormatTest("q8_0") {}
};

TEST_F(Q8_0Test, ReferenceRoundsTiesAwayActivationsRoundTiesToEven) {
  const std::vector<BlockQ8_0> blocks =
      testing::ExpectQ8TiesRounded<BlockQ8_0>(*format_, kernels_, testing::Q8TieBlock());
  EXPECT_EQ(Fp16ToFp32(blocks[0].d), 1.0f);
}

TEST_F(Q8_0Test, EveryKernelQuantizesAndDequantizesAlike) {
  const int n = kQK8_0 * 512;
  const std::vector<float> x = testing::RandomFloats(n, 1, 1.0f);
  std::vector<BlockQ8_0> first(n / kQK8_0), q(n / kQK8_0);
  std::vector<float> deq(n), y(n);
  kernels_.front()->from_float(x.data(), first.data(), n);
  format_->to_float(first.data(), deq.data(), n);
  for (const EdgeQuantKernelsV1* k : kernels_) {
    k->from_float(x.data(), q.data(), n);
    EXPECT_EQ(0, std::memcmp(q.data(), first.data(), q.size() * sizeof(BlockQ8_0)))
        << KernelName(*k);
    k->to_float(first.data(), y.data(), n);
    EXPECT_EQ(0, std::memcmp(y.data(), deq.data(), n * sizeof(float))) << KernelName(*k);
  }
}

// The values d * q are exact in fp32 (8 + 11 significant bits), so their dot product in double is
// the exact one.
TEST_F(Q8_0Test, VecDotMatchesExactSumForAnyBlockCount) {
  for (int nb : {1, 2, 3, 4, 5, 7, 8, 9, 33}) {
    const int n = nb * kQK8_0;
    const std::vector<BlockQ8_0> a = Quantize<BlockQ8_0>(testing::RandomFloats(n, 10 + nb, 1.0f));
    const std::vector<BlockQ8_0> b = Quantize<BlockQ8_0>(testing::RandomFloats(n, 20 + nb, 1.0f));
    std::vector<float> fa(n), fb(n);
    format_->to_float(a.data(), fa.data(), n);
    format_->to_float(b.data(), fb.data(), n);
    testing::ExpectVecDotNearExact(kernels_, n, a.data(), b.data(), fa.data(), fb.data(), 1e-6);
  }
}

TEST_F(Q8_0Test, VecDotExtremeQuantsDoNotSaturate) {
  // 127 * 127 pairs summed in int16 before widening would overflow; each block must be exact.
  std::vector<BlockQ8_0> a(3);
  for (BlockQ8_0& block : a) {
    block.d = Fp32ToFp16(1.0f);
    for (int j = 0; j < kQK8_0; ++j) block.qs[j] = (j % 2) ? 127 : -127;
  }
  for (const EdgeQuantKernelsV1* k : kernels_) {
    float s = NAN;
    k->vec_dot(3 * kQK8_0, &s, a.data(), a.data());
    EXPECT_EQ(s, 3.0f * kQK8_0 * 127 * 127) << KernelName(*k);
  }
}

}  // namespace
}  // namespace edgellm::quant
