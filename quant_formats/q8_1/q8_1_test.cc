// Every q8_1 activation quantizer this CPU runs, against each other and against the two rounding
// rules (the golden test cannot tell them apart, these inputs can).
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "quant_formats/common/format_test_util.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant {
namespace {

using testing::KernelName;
using testing::LoadFormat;
using testing::RunnableKernels;

class Q8_1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    format_ = LoadFormat("q8_1");
    ASSERT_NE(format_, nullptr);
    kernels_ = RunnableKernels(*format_);
    ASSERT_FALSE(kernels_.empty());
  }
  const EdgeQuantFormatV1* format_ = nullptr;
  std::vector<const EdgeQuantKernelsV1*> kernels_;
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
  // amax = 127 gives d = 1 and x * id = x exactly: every x = k + 0.5 is a tie.
  std::vector<float> x(kQK8_0);
  for (int j = 0; j < kQK8_0; ++j) x[j] = (j % 2 ? -1.0f : 1.0f) * (j + 0.5f);
  x[kQK8_0 - 1] = 127.0f;
  BlockQ8_1 ref, act;
  format_->from_float_ref(x.data(), &ref, kQK8_0);
  ExpectSumField(ref, x.data(), "ref");
  for (int j = 0; j + 1 < kQK8_0; ++j) {
    EXPECT_EQ(ref.qs[j], static_cast<int>(std::round(x[j]))) << j;
  }
  for (const EdgeQuantKernelsV1* k : kernels_) {
    ASSERT_NE(k->from_float, nullptr);
    k->from_float(x.data(), &act, kQK8_0);
    EXPECT_EQ(act.d, ref.d) << KernelName(*k);
    ExpectSumField(act, x.data(), KernelName(*k));
    for (int j = 0; j + 1 < kQK8_0; ++j) {
      EXPECT_EQ(act.qs[j], static_cast<int>(std::nearbyint(x[j]))) << KernelName(*k) << " " << j;
    }
  }
}

TEST_F(Q8_1Test, EveryKernelQuantizesAlike) {
  const int n = kQK8_0 * 512;
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng) * std::exp(dist(rng));
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
