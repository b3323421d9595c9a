// Every bf16 kernel entry this CPU runs: conversions against the reference ones (NaN and
// subnormals included), row tails, dot products against exact sums, and the same dot product
// bits on every entry.
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

class Bf16Test : public ::testing::Test {
 protected:
  void SetUp() override {
    format_ = LoadFormat("bf16");
    ASSERT_NE(format_, nullptr);
    kernels_ = RunnableKernels(*format_);
    ASSERT_FALSE(kernels_.empty());
  }
  const EdgeQuantFormatV1* format_ = nullptr;
  std::vector<const EdgeQuantKernelsV1*> kernels_;
};

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

TEST_F(Bf16Test, ConversionsMatchTheReference) {
  std::vector<uint16_t> h(1 << 16);
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint16_t>(i);
  std::vector<float> ref(h.size()), got(h.size());
  format_->to_float(h.data(), ref.data(), h.size());
  // A stride through all fp32 bit patterns (NaNs, infinities, subnormals among them) plus the
  // rounding ties around 1.
  std::vector<float> x;
  for (uint64_t u = 0; u < (1ull << 32); u += 65521) {
    float f;
    const uint32_t u32 = static_cast<uint32_t>(u);
    std::memcpy(&f, &u32, sizeof f);
    x.push_back(f);
  }
  for (float f : {1.0f + 0x1p-8f, 1.0f + 0x3p-8f, 1.0f + 0x1p-9f, 0x1p-130f}) {
    x.push_back(f);
    x.push_back(-f);
  }
  std::vector<uint16_t> qref(x.size()), qgot(x.size());
  format_->from_float_ref(x.data(), qref.data(), x.size());
  for (const EdgeQuantKernelsV1* k : kernels_) {
    if (k->to_float != nullptr) {
      k->to_float(h.data(), got.data(), h.size());
      EXPECT_EQ(0, std::memcmp(got.data(), ref.data(), ref.size() * sizeof(float)))
          << KernelName(*k);
    }
    if (k->from_float != nullptr) {
      k->from_float(x.data(), qgot.data(), x.size());
      for (size_t i = 0; i < x.size(); ++i) {
        ASSERT_EQ(qgot[i], qref[i]) << KernelName(*k) << " fp32 bits 0x" << std::hex << Bits(x[i]);
      }
    }
  }
}

TEST_F(Bf16Test, ShortRowsConvertWithoutTouchingPastTheEnd) {
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

TEST_F(Bf16Test, VecDotMatchesExactSumForAnyLength) {
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<int> lengths;
  for (int n = 1; n <= 300; ++n) lengths.push_back(n);
  for (int n : {1023, 1024, 1025, 4096, 4200}) lengths.push_back(n);
  for (int n : lengths) {
    std::vector<float> x(n), y(n), fa(n), fb(n);
    for (float& v : x) v = dist(rng);
    for (float& v : y) v = dist(rng);
    std::vector<uint16_t> a(n), b(n);
    format_->from_float_ref(x.data(), a.data(), n);
    format_->from_float_ref(y.data(), b.data(), n);
    format_->to_float(a.data(), fa.data(), n);
    format_->to_float(b.data(), fb.data(), n);
    double exact = 0, magnitude = 0;
    for (int i = 0; i < n; ++i) {
      exact += static_cast<double>(fa[i]) * fb[i];
      magnitude += std::fabs(static_cast<double>(fa[i]) * fb[i]);
    }
    for (const EdgeQuantKernelsV1* k : kernels_) {
      float s = NAN;
      k->vec_dot(n, &s, a.data(), b.data());
      EXPECT_NEAR(s, exact, 1e-6 * magnitude) << KernelName(*k) << " n=" << n;
    }
  }
}

// Values of every magnitude, a few of them subnormal, so that the emulated vdpbf16ps (subnormal
// inputs read as zero, subnormal sums flushed) meets its edge cases.
std::vector<uint16_t> WideRangeBf16(const EdgeQuantFormatV1& f, int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-135, 20);
  std::vector<float> x(n);
  for (float& v : x) v = std::ldexp(dist(rng), exponent(rng) / (rng() % 4 == 0 ? 1 : 8));
  std::vector<uint16_t> h(n);
  f.from_float_ref(x.data(), h.data(), n);
  return h;
}

// vec_dot and the batched dot (f16.h's vdpbf16ps sums; tinyBLAS's when n % 32 == 0, vec_dot
// otherwise) give the same bits on every kernel entry: the FMA emulations of vdpbf16ps match the
// instruction where this CPU has it.
TEST_F(Bf16Test, DotProductsAreTheSameOnEveryKernel) {
  constexpr int kRows = 4, kCols = 3;
  for (int n : {1, 31, 32, 63, 64, 65, 96, 128, 200, 256, 1000, 1024}) {
    const std::vector<uint16_t> w = WideRangeBf16(*format_, n * kRows, n);
    const std::vector<uint16_t> a = WideRangeBf16(*format_, n * kCols, n + 3);
    std::vector<float> want_dot(kRows * kCols, NAN), want_batch(kRows * kCols, NAN);
    bool first = true;
    for (const EdgeQuantKernelsV1* k : kernels_) {
      std::vector<float> dot(kRows * kCols, NAN), batch(kRows * kCols, NAN);
      for (int j = 0; j < kCols; ++j) {
        for (int i = 0; i < kRows; ++i) {
          k->vec_dot(n, &dot[j * kRows + i], w.data() + i * n, a.data() + j * n);
        }
      }
      if (k->vec_dot_batch != nullptr) {
        k->vec_dot_batch(n, kRows, kCols, batch.data(), kRows, w.data(), n * 2, a.data(), n * 2);
      } else {
        batch = dot;
      }
      if (n % 32 != 0) {
        for (int i = 0; i < kRows * kCols; ++i) {
          EXPECT_EQ(Bits(batch[i]), Bits(dot[i])) << KernelName(*k) << " n=" << n;
        }
      }
      if (first) {
        want_dot = dot;
        want_batch = batch;
        first = false;
        continue;
      }
      for (int i = 0; i < kRows * kCols; ++i) {
        EXPECT_EQ(Bits(dot[i]), Bits(want_dot[i])) << KernelName(*k) << " n=" << n << " " << i;
        EXPECT_EQ(Bits(batch[i]), Bits(want_batch[i]))
            << KernelName(*k) << " batch n=" << n << " " << i;
      }
    }
  }
}

}  // namespace
}  // namespace edgellm::quant
