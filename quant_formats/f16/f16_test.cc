// Every f16 kernel entry this CPU runs: conversions against the reference ones, row tails, and the
// fp16-accumulating dot product and the batched dot (f16.h) bit for bit across ISAs.
#include "quant_formats/f16/f16.h"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "quant_formats/common/format_test_util.h"

namespace edgellm::quant {
namespace {

using testing::KernelName;
using testing::LoadFormat;
using testing::RunnableKernels;

class F16Test : public ::testing::Test {
 protected:
  void SetUp() override {
    format_ = LoadFormat("f16");
    ASSERT_NE(format_, nullptr);
    kernels_ = RunnableKernels(*format_);
    ASSERT_FALSE(kernels_.empty());
  }
  std::vector<uint16_t> RandomHalves(int n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> x(n);
    for (float& v : x) v = dist(rng);
    std::vector<uint16_t> h(n);
    format_->from_float_ref(x.data(), h.data(), n);
    return h;
  }
  const EdgeQuantFormatV1* format_ = nullptr;
  std::vector<const EdgeQuantKernelsV1*> kernels_;
};

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

TEST_F(F16Test, EveryHalfConvertsLikeTheReference) {
  std::vector<uint16_t> h(1 << 16);
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint16_t>(i);
  std::vector<float> ref(h.size()), got(h.size());
  format_->to_float(h.data(), ref.data(), h.size());
  for (const EdgeQuantKernelsV1* k : kernels_) {
    if (k->to_float == nullptr) continue;
    k->to_float(h.data(), got.data(), h.size());
    for (size_t i = 0; i < h.size(); ++i) {
      if (std::isnan(ref[i])) {
        // F16C quietens signaling NaN (as ggml's x86 path does); sign and payload stay.
        EXPECT_TRUE(std::isnan(got[i])) << KernelName(*k) << " " << i;
        EXPECT_EQ(Bits(got[i]) | 0x00400000u, Bits(ref[i]) | 0x00400000u) << KernelName(*k);
      } else {
        EXPECT_EQ(Bits(got[i]), Bits(ref[i])) << KernelName(*k) << " half 0x" << std::hex << i;
      }
    }
  }
}

TEST_F(F16Test, FloatsRoundLikeTheReference) {
  // A stride through all fp32 bit patterns plus the fp16 edges: largest finite, the overflow
  // threshold, subnormals and their rounding ties.
  std::vector<float> x;
  for (uint64_t u = 0; u < (1ull << 32); u += 65521) {
    float f;
    const uint32_t u32 = static_cast<uint32_t>(u);
    std::memcpy(&f, &u32, sizeof f);
    x.push_back(f);
  }
  for (float f : {65504.0f, 65519.99f, 65520.0f, 5.9604645e-8f, 2.9802322e-8f, 2.9802326e-8f,
                  8.940697e-8f, 6.1035156e-5f, 6.1035152e-5f, 1.0f + 0x1p-11f, 1.0f + 0x3p-11f}) {
    x.push_back(f);
    x.push_back(-f);
  }
  std::vector<uint16_t> ref(x.size()), got(x.size());
  format_->from_float_ref(x.data(), ref.data(), x.size());
  for (const EdgeQuantKernelsV1* k : kernels_) {
    if (k->from_float == nullptr) continue;
    k->from_float(x.data(), got.data(), x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(got[i], ref[i]) << KernelName(*k) << " fp32 bits 0x" << std::hex << Bits(x[i]);
    }
  }
}

TEST_F(F16Test, ShortRowsConvertWithoutTouchingPastTheEnd) {
  for (int n = 1; n <= 70; ++n) {
    std::vector<float> x(n);
    for (int i = 0; i < n; ++i) x[i] = 0.25f * i - 3.0f;
    for (const EdgeQuantKernelsV1* k : kernels_) {
      std::vector<uint16_t> h(n + 8, 0xBEEF);
      k->from_float(x.data(), h.data(), n);
      std::vector<float> y(n + 8, 7.0f);
      k->to_float(h.data(), y.data(), n);
      for (int i = 0; i < n; ++i) EXPECT_EQ(y[i], x[i]) << KernelName(*k) << " n=" << n;
      for (int i = n; i < n + 8; ++i) {
        EXPECT_EQ(h[i], 0xBEEF) << KernelName(*k) << " n=" << n;
        EXPECT_EQ(y[i], 7.0f) << KernelName(*k) << " n=" << n;
      }
    }
  }
}

TEST_F(F16Test, VecDotIsTheSameOnEveryKernelAndCloseToExact) {
  std::vector<int> lengths;
  for (int n = 1; n <= 300; ++n) lengths.push_back(n);
  for (int n : {1023, 1024, 1025, 4096, 4200}) lengths.push_back(n);
  for (int n : lengths) {
    const std::vector<uint16_t> a = RandomHalves(n, n), b = RandomHalves(n, n + 1000);
    std::vector<float> fa(n), fb(n);
    format_->to_float(a.data(), fa.data(), n);
    format_->to_float(b.data(), fb.data(), n);
    double exact = 0, magnitude = 0;
    for (int i = 0; i < n; ++i) {
      exact += static_cast<double>(fa[i]) * fb[i];
      magnitude += std::fabs(static_cast<double>(fa[i]) * fb[i]);
    }
    // fp16 partial sums when there are full groups of kDotLanes, exact products otherwise.
    const double tolerance = (n >= f16::kDotLanes ? 2e-3 : 1e-6) * magnitude;
    float first = NAN;
    kernels_.front()->vec_dot(n, &first, a.data(), b.data());
    EXPECT_NEAR(first, exact, tolerance) << "n=" << n;
    for (const EdgeQuantKernelsV1* k : kernels_) {
      float s = NAN;
      k->vec_dot(n, &s, a.data(), b.data());
      EXPECT_EQ(Bits(s), Bits(first)) << KernelName(*k) << " n=" << n;
    }
  }
}

// The batched dot (ggml's numbers for 2+ activation rows: tinyBLAS's fp32 sums when n % 16 == 0,
// vec_dot otherwise) gives the same bits on every kernel entry that has one.
TEST_F(F16Test, VecDotBatchIsTheSameOnEveryKernel) {
  constexpr int kRows = 5, kCols = 3;
  for (int n : {16, 48, 64, 100, 128, 256, 333, 1024}) {
    const std::vector<uint16_t> w = RandomHalves(n * kRows, n), a = RandomHalves(n * kCols, n + 7);
    std::vector<float> want(kRows * kCols, NAN);
    bool have_want = false;
    for (const EdgeQuantKernelsV1* k : kernels_) {
      if (k->vec_dot_batch == nullptr) continue;
      std::vector<float> s(kRows * kCols, NAN);
      k->vec_dot_batch(n, kRows, kCols, s.data(), kRows, w.data(), n * 2, a.data(), n * 2);
      if (n % 16 != 0) {  // not tinyBLAS's: vec_dot for every pair
        for (int j = 0; j < kCols; ++j) {
          for (int i = 0; i < kRows; ++i) {
            float d = NAN;
            k->vec_dot(n, &d, w.data() + i * n, a.data() + j * n);
            EXPECT_EQ(Bits(s[j * kRows + i]), Bits(d)) << KernelName(*k) << " n=" << n;
          }
        }
      }
      if (!have_want) {
        want = s;
        have_want = true;
        continue;
      }
      for (int i = 0; i < kRows * kCols; ++i) {
        EXPECT_EQ(Bits(s[i]), Bits(want[i])) << KernelName(*k) << " n=" << n << " entry " << i;
      }
    }
    EXPECT_TRUE(have_want) << "no f16 kernel entry has vec_dot_batch";
  }
}

}  // namespace
}  // namespace edgellm::quant
