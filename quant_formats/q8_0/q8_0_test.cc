// Every q8_0 kernel entry this CPU runs, against each other and against exact arithmetic: the
// golden test (tests/golden) cannot tell the two rounding rules apart, these inputs can.
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

class Q8_0Test : public ::testing::Test {
 protected:
  void SetUp() override {
    format_ = LoadFormat("q8_0");
    ASSERT_NE(format_, nullptr);
    kernels_ = RunnableKernels(*format_);
    ASSERT_FALSE(kernels_.empty());
  }
  std::vector<float> Random(int n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng) * std::exp(dist(rng));
    return v;
  }
  const EdgeQuantFormatV1* format_ = nullptr;
  std::vector<const EdgeQuantKernelsV1*> kernels_;
};

TEST_F(Q8_0Test, ReferenceRoundsTiesAwayActivationsRoundTiesToEven) {
  // amax = 127 gives d = 1 and x * id = x exactly: every x = k + 0.5 is a tie.
  std::vector<float> x(kQK8_0);
  for (int j = 0; j < kQK8_0; ++j) x[j] = (j % 2 ? -1.0f : 1.0f) * (j + 0.5f);
  x[kQK8_0 - 1] = 127.0f;
  BlockQ8_0 ref, act;
  format_->from_float_ref(x.data(), &ref, kQK8_0);
  EXPECT_EQ(Fp16ToFp32(ref.d), 1.0f);
  for (int j = 0; j + 1 < kQK8_0; ++j) {
    EXPECT_EQ(ref.qs[j], static_cast<int>(std::round(x[j]))) << j;
  }
  for (const EdgeQuantKernelsV1* k : kernels_) {
    ASSERT_NE(k->from_float, nullptr);
    k->from_float(x.data(), &act, kQK8_0);
    EXPECT_EQ(act.d, ref.d) << KernelName(*k);
    for (int j = 0; j + 1 < kQK8_0; ++j) {
      EXPECT_EQ(act.qs[j], static_cast<int>(std::nearbyint(x[j]))) << KernelName(*k) << " " << j;
    }
  }
}

TEST_F(Q8_0Test, EveryKernelQuantizesAndDequantizesAlike) {
  const int n = kQK8_0 * 512;
  const std::vector<float> x = Random(n, 1);
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

TEST_F(Q8_0Test, VecDotMatchesExactSumForAnyBlockCount) {
  for (int nb : {1, 2, 3, 4, 5, 7, 8, 9, 33}) {
    const int n = nb * kQK8_0;
    std::vector<BlockQ8_0> a(nb), b(nb);
    format_->from_float_ref(Random(n, 10 + nb).data(), a.data(), n);
    format_->from_float_ref(Random(n, 20 + nb).data(), b.data(), n);
    double exact = 0, magnitude = 0;
    for (int i = 0; i < nb; ++i) {
      const double d = static_cast<double>(Fp16ToFp32(a[i].d)) * Fp16ToFp32(b[i].d);
      for (int j = 0; j < kQK8_0; ++j) {
        exact += d * a[i].qs[j] * b[i].qs[j];
        magnitude += std::fabs(d * a[i].qs[j] * b[i].qs[j]);
      }
    }
    for (const EdgeQuantKernelsV1* k : kernels_) {
      float s = NAN;
      k->vec_dot(n, &s, a.data(), b.data());
      EXPECT_NEAR(s, exact, 1e-6 * magnitude) << KernelName(*k) << " blocks " << nb;
    }
  }
}

TEST_F(Q8_0Test, VecDotExtremeQuantsDoNotSaturate) {
  // 127 * 127 pairs summed in int16 before widening would overflow; each block must be exact.
  std::vector<BlockQ8_0> a(3), b(3);
  for (int i = 0; i < 3; ++i) {
    a[i].d = b[i].d = Fp32ToFp16(1.0f);
    for (int j = 0; j < kQK8_0; ++j) {
      a[i].qs[j] = (j % 2) ? 127 : -127;
      b[i].qs[j] = (j % 2) ? 127 : -127;
    }
  }
  for (const EdgeQuantKernelsV1* k : kernels_) {
    float s = NAN;
    k->vec_dot(3 * kQK8_0, &s, a.data(), b.data());
    EXPECT_EQ(s, 3.0f * kQK8_0 * 127 * 127) << KernelName(*k);
  }
}

}  // namespace
}  // namespace edgellm::quant
