// Every f32 kernel entry this CPU runs: dot products against exact sums for any row length and
// bit for bit across ISAs (batched too), and the plain-copy conversions.
#include <cmath>
#include <cstdint>
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

TEST(F32Test, ConversionsCopy) {
  const EdgeQuantFormatV1* f = LoadFormat("f32");
  ASSERT_NE(f, nullptr);
  const std::vector<float> x = {1.5f, -0.0f, 3e-42f, INFINITY};
  std::vector<float> q(4), y(4);
  f->from_float_ref(x.data(), q.data(), 4);
  f->to_float(q.data(), y.data(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(q[i], x[i]);
    EXPECT_EQ(std::signbit(y[i]), std::signbit(x[i]));
    EXPECT_EQ(y[i], x[i]);
  }
}

TEST(F32Test, VecDotMatchesExactSumForAnyLength) {
  const EdgeQuantFormatV1* f = LoadFormat("f32");
  ASSERT_NE(f, nullptr);
  const std::vector<const EdgeQuantKernelsV1*> kernels = RunnableKernels(*f);
  ASSERT_FALSE(kernels.empty());
  std::mt19937 rng(9);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<int> lengths;
  for (int n = 1; n <= 300; ++n) lengths.push_back(n);
  for (int n : {1023, 1024, 1025, 4096, 4200}) lengths.push_back(n);
  for (int n : lengths) {
    std::vector<float> a(n), b(n);
    for (float& v : a) v = dist(rng);
    for (float& v : b) v = dist(rng);
    double exact = 0, magnitude = 0;
    for (int i = 0; i < n; ++i) {
      exact += static_cast<double>(a[i]) * b[i];
      magnitude += std::fabs(static_cast<double>(a[i]) * b[i]);
    }
    for (const EdgeQuantKernelsV1* k : kernels) {
      float s = NAN;
      k->vec_dot(n, &s, a.data(), b.data());
      EXPECT_NEAR(s, exact, 1e-6 * magnitude) << KernelName(*k) << " n=" << n;
    }
  }
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// vec_dot and the batched dot (f32.h: ggml_vec_dot_f32's sums, tinyBLAS's when n % 16 == 0 and
// vec_dot's otherwise) give the same bits on every kernel entry.
TEST(F32Test, DotProductsAreTheSameOnEveryKernel) {
  const EdgeQuantFormatV1* f = LoadFormat("f32");
  ASSERT_NE(f, nullptr);
  const std::vector<const EdgeQuantKernelsV1*> kernels = RunnableKernels(*f);
  ASSERT_FALSE(kernels.empty());
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  constexpr int kRows = 4, kCols = 3;
  for (int n : {1, 15, 16, 63, 64, 65, 127, 172, 256, 1000, 1024}) {
    std::vector<float> w(n * kRows), a(n * kCols);
    for (float& v : w) v = dist(rng);
    for (float& v : a) v = dist(rng);
    std::vector<float> want_dot, want_batch;
    for (const EdgeQuantKernelsV1* k : kernels) {
      std::vector<float> dot(kRows * kCols, NAN), batch(kRows * kCols, NAN);
      for (int j = 0; j < kCols; ++j) {
        for (int i = 0; i < kRows; ++i) {
          k->vec_dot(n, &dot[j * kRows + i], w.data() + i * n, a.data() + j * n);
        }
      }
      if (k->vec_dot_batch != nullptr) {
        k->vec_dot_batch(n, kRows, kCols, batch.data(), kRows, w.data(), n * 4, a.data(), n * 4);
      } else {
        batch = dot;
      }
      if (n % 16 != 0) {
        for (int i = 0; i < kRows * kCols; ++i) {
          EXPECT_EQ(Bits(batch[i]), Bits(dot[i])) << KernelName(*k) << " n=" << n;
        }
      }
      if (want_dot.empty()) {
        want_dot = dot;
        want_batch = batch;
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
