// Every q8_1 activation quantizer this CPU runs, against each other and against the two rounding
// rules (the golden test cannot tell them apart, these inputs can).
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "quant_formats/common/format_test_util.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant {
namespace {

using testing::FormatTest;
using testing::KernelName;

class Q8_1Test : public FormatTest {
 protected:
  Q8_1Test() : FormatTest("q8_1") {}
};

// s must be fp16(d * sum(q)) with the fp32 scale d = amax / 127 of the block's input x.
void ExpectSumField(const BlockQ8_1& b, const float* x, const std::string& who) {
  float amax = 0.0f;
  for (int j = 0; j < kQK8_0; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  int sum = 0;
  for (int j = 0; j < kQK8_0; ++j) sum += b.qs[j];
  EXPECT_EQ(b.s, Fp32ToFp16(static_cast<float>(sum) * (amax / 127.0f))) << who;
}

TEST_F(Q8_1Test, HasNoDotProductOfItsOwn) {
  for (size_t i = 0; i < format_->n_kernels; ++i) EXPECT_EQ(format_->kernels[i].vec_dot, nullptr);
}

TEST_F(Q8_1Test, ReferenceRoundsTiesAwayActivationsRoundTiesToEven) {
  const std::vector<float> x = testing::Q8TieBlock();
  const std::vector<BlockQ8_1> blocks =
      testing::ExpectQ8TiesRounded<BlockQ8_1>(*format_, kernels_, x);
  for (const BlockQ8_1& b : blocks) ExpectSumField(b, x.data(), "ref and every kernel");
}

TEST_F(Q8_1Test, EveryKernelQuantizesAlike) {
  const int n = kQK8_0 * 512;
  const std::vector<float> x = testing::RandomFloats(n, 3, 1.0f);
  std::vector<BlockQ8_1> first(n / kQK8_0), q(n / kQK8_0);
  kernels_.front()->from_float(x.data(), first.data(), n);
  for (size_t i = 0; i < first.size(); ++i) {
    ExpectSumField(first[i], &x[i * kQK8_0], KernelName(*kernels_.front()));
  }
  for (const EdgeQuantKernelsV1* k : kernels_) {
    k->from_float(x.data(), q.data(), n);
    EXPECT_EQ(0, std::memcmp(q.data(), first.data(), q.size() * sizeof(BlockQ8_1)))
        << KernelName(*k);
  }
  std::vector<float> y(n);
  format_->to_float(first.data(), y.data(), n);
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(y[i], first[i / kQK8_0].qs[i % kQK8_0] * Fp16ToFp32(first[i / kQK8_0].d)) << i;
  }
}

}  // namespace
}  // namespace edgellm::quant
