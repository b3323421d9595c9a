// Backend::Hadamard on every backend: the orthonormal Walsh-Hadamard rotation of each row
// (ggml's fwht), close to H x / sqrt(n) computed in double, exact where the butterflies are
// exact, its own inverse up to rounding, and rows independent of each other.
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/plugins_fixture.h"

namespace edgellm {
namespace {

class HadamardTest : public testing::PluginsTest {};

// H_n[i][j] = (-1)^popcount(i & j): Sylvester's order.
double Sign(int64_t i, int64_t j) { return __builtin_popcountll(i & j) % 2 == 0 ? 1.0 : -1.0; }

TEST_F(HadamardTest, RotatesEveryRowOnEveryBackend) {
  for (const BackendPlugin* b : registry_->backends()) {
    SCOPED_TRACE(b->name());
    absl::StatusOr<std::unique_ptr<Backend>> be = b->Create(2);
    ASSERT_TRUE(be.ok()) << be.status();
    for (int64_t n : {64, 128}) {
      constexpr int64_t kRows = 7;
      std::mt19937 rng(static_cast<uint32_t>(n));
      std::normal_distribution<float> normal(0.0f, 1.0f);
      std::vector<float> x(kRows * n);
      for (float& v : x) v = normal(rng);
      std::vector<float> y = x;
      ASSERT_TRUE((*be)->Hadamard(y.data(), kRows, n).ok());
      for (int64_t r = 0; r < kRows; ++r) {
        for (int64_t i = 0; i < n; ++i) {
          double want = 0.0;
          for (int64_t j = 0; j < n; ++j) want += Sign(i, j) * x[r * n + j];
          want /= std::sqrt(static_cast<double>(n));
          EXPECT_NEAR(y[r * n + i], want, 1e-5) << "row " << r << " value " << i;
        }
      }
      // One row alone gives the bits it gets among others.
      std::vector<float> one(x.begin() + 3 * n, x.begin() + 4 * n);
      ASSERT_TRUE((*be)->Hadamard(one.data(), 1, n).ok());
      for (int64_t i = 0; i < n; ++i) EXPECT_EQ(one[i], y[3 * n + i]);
      // H / sqrt(n) is its own inverse.
      ASSERT_TRUE((*be)->Hadamard(y.data(), kRows, n).ok());
      for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(y[i], x[i], 1e-5);
    }
    // e_0 becomes the constant 1/8 row exactly (64 values): scale first, then exact sums.
    std::vector<float> e(64, 0.0f);
    e[0] = 1.0f;
    ASSERT_TRUE((*be)->Hadamard(e.data(), 1, 64).ok());
    for (float v : e) EXPECT_EQ(v, 0.125f);
  }
}

}  // namespace
}  // namespace edgellm
