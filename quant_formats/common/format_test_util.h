// Test helpers for the quant-format plugins' own tests: load a plugin exactly as shipped (the
// cc_binary .so, listed in the test's `data`), pick the kernel entries this CPU can run, and the
// checks the format tests share (GoogleTest, which every such test links).
#ifndef EDGELLM_QUANT_FORMATS_COMMON_FORMAT_TEST_UTIL_H_
#define EDGELLM_QUANT_FORMATS_COMMON_FORMAT_TEST_UTIL_H_

#include <dlfcn.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/cpu_features.h"
#include "core/plugin/edgellm_plugin.h"
#include "gtest/gtest.h"

namespace edgellm::quant::testing {

// The format table of quant_formats/<name>/libedgellm_format_<name>.so from the runfiles, or
// nullptr. The library stays loaded for the life of the test binary.
inline const EdgeQuantFormatV1* LoadFormat(const std::string& name) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  if (srcdir == nullptr) return nullptr;
  const std::string path =
      std::string(srcdir) + "/edgellm/quant_formats/" + name + "/libedgellm_format_" + name + ".so";
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return nullptr;
  auto entry = reinterpret_cast<EdgePluginEntryV1>(dlsym(handle, EDGELLM_PLUGIN_ENTRY_SYMBOL));
  return entry == nullptr ? nullptr : entry()->quant_format;
}

// Kernel entries of `f` whose CPU features this machine has, in table order.
inline std::vector<const EdgeQuantKernelsV1*> RunnableKernels(const EdgeQuantFormatV1& f) {
  const uint64_t cpu = DetectCpuFeatures();
  std::vector<const EdgeQuantKernelsV1*> out;
  for (size_t i = 0; i < f.n_kernels; ++i) {
    if ((f.kernels[i].required_cpu_features & ~cpu) == 0) out.push_back(&f.kernels[i]);
  }
  return out;
}

using Kernels = std::vector<const EdgeQuantKernelsV1*>;

// "avx512+vnni", "avx2", "scalar": for test messages.
inline std::string KernelName(const EdgeQuantKernelsV1& k) {
  std::string s = k.isa == EDGE_ISA_AVX512 ? "avx512"
                  : k.isa == EDGE_ISA_AVX2 ? "avx2"
                  : k.isa == EDGE_ISA_NEON ? "neon"
                                           : "scalar";
  if (k.required_cpu_features & EDGE_CPU_AVX512VNNI) s += "+vnni";
  if (k.required_cpu_features & EDGE_CPU_AVX512BF16) s += "+bf16";
  if (k.required_cpu_features & EDGE_CPU_DOTPROD) s += "+dotprod";
  if (k.required_cpu_features & EDGE_CPU_FP16) s += "+fp16";
  return s;
}

// The bit pattern of f, to compare floats exactly (NaN and -0 included).
inline uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// Fixture of one format's tests: format_ is its plugin, kernels_ the entries this CPU runs.
class FormatTest : public ::testing::Test {
 protected:
  explicit FormatTest(std::string name) : name_(std::move(name)) {}
  void SetUp() override {
    format_ = LoadFormat(name_);
    ASSERT_NE(format_, nullptr) << name_;
    kernels_ = RunnableKernels(*format_);
    ASSERT_FALSE(kernels_.empty()) << name_;
  }

  // from_float_ref of x: x.size() / block_size blocks.
  template <typename Block>
  std::vector<Block> Quantize(const std::vector<float>& x) const {
    std::vector<Block> q(x.size() / format_->block_size);
    format_->from_float_ref(x.data(), q.data(), static_cast<int64_t>(x.size()));
    return q;
  }

  const std::string name_;
  const EdgeQuantFormatV1* format_ = nullptr;
  Kernels kernels_;
};

// n normal floats from `seed`; with log_sigma > 0 each is also scaled by exp(log_sigma * normal),
// so that blocks of very different magnitudes meet.
inline std::vector<float> RandomFloats(int n, unsigned seed, float log_sigma = 0.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = log_sigma > 0.0f ? dist(rng) * std::exp(log_sigma * dist(rng)) : dist(rng);
  return v;
}

// Row lengths for the dot products: every n up to 300 (all tails of the SIMD loops), and long
// rows around 1024 and 4096.
inline std::vector<int> DotLengths() {
  std::vector<int> lengths;
  for (int n = 1; n <= 300; ++n) lengths.push_back(n);
  for (int n : {1023, 1024, 1025, 4096, 4200}) lengths.push_back(n);
  return lengths;
}

// A stride through all fp32 bit patterns (NaNs, infinities and subnormals among them), then each
// of `edges` and its negation.
inline std::vector<float> Fp32Samples(std::initializer_list<float> edges) {
  std::vector<float> x;
  for (uint64_t u = 0; u < (1ull << 32); u += 65521) {
    float f;
    const uint32_t u32 = static_cast<uint32_t>(u);
    std::memcpy(&f, &u32, sizeof f);
    x.push_back(f);
  }
  for (float f : edges) {
    x.push_back(f);
    x.push_back(-f);
  }
  return x;
}

// Formats of 16-bit values (f16, bf16): every kernel's to_float of all 65536 bit patterns gives
// the bits of the format's to_float; with nan_may_quieten, a NaN may come back quietened (as
// F16C's and ggml's x86 path do), sign and payload kept.
inline void ExpectEveryHalfConvertsLikeTheReference(const EdgeQuantFormatV1& f,
                                                    const Kernels& kernels, bool nan_may_quieten) {
  std::vector<uint16_t> h(1 << 16);
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint16_t>(i);
  std::vector<float> ref(h.size()), got(h.size());
  f.to_float(h.data(), ref.data(), h.size());
  const uint32_t quiet_bit = nan_may_quieten ? 0x00400000u : 0u;
  for (const EdgeQuantKernelsV1* k : kernels) {
    if (k->to_float == nullptr) continue;
    k->to_float(h.data(), got.data(), h.size());
    for (size_t i = 0; i < h.size(); ++i) {
      ASSERT_EQ(std::isnan(got[i]), std::isnan(ref[i])) << KernelName(*k) << " " << i;
      const uint32_t mask = std::isnan(ref[i]) ? quiet_bit : 0u;
      ASSERT_EQ(Bits(got[i]) | mask, Bits(ref[i]) | mask)
          << KernelName(*k) << " bits 0x" << std::hex << i;
    }
  }
}

// Formats of 16-bit values: every kernel's from_float of x gives from_float_ref's bits.
inline void ExpectFloatsRoundLikeTheReference(const EdgeQuantFormatV1& f, const Kernels& kernels,
                                              const std::vector<float>& x) {
  std::vector<uint16_t> ref(x.size()), got(x.size());
  f.from_float_ref(x.data(), ref.data(), x.size());
  for (const EdgeQuantKernelsV1* k : kernels) {
    if (k->from_float == nullptr) continue;
    k->from_float(x.data(), got.data(), x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(got[i], ref[i]) << KernelName(*k) << " fp32 bits 0x" << std::hex << Bits(x[i]);
    }
  }
}

// Formats of 16-bit values: rows of 1..70 values that both conversions keep exact come back
// from from_float and to_float unchanged, and nothing past the row's end is written.
inline void ExpectShortRowsConvertWithinTheRow(const Kernels& kernels) {
  for (int n = 1; n <= 70; ++n) {
    std::vector<float> x(n);
    for (int i = 0; i < n; ++i) x[i] = 0.25f * i - 3.0f;
    for (const EdgeQuantKernelsV1* k : kernels) {
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

// Every kernel's vec_dot of the rows x and y of n values, whose values are xf and yf: within
// rel_tol * sum |xf[i] * yf[i]| of the exact dot product, and the same bits on every kernel.
inline void ExpectVecDotNearExact(const Kernels& kernels, int n, const void* x, const void* y,
                                  const float* xf, const float* yf, double rel_tol) {
  double exact = 0, magnitude = 0;
  for (int i = 0; i < n; ++i) {
    exact += static_cast<double>(xf[i]) * yf[i];
    magnitude += std::fabs(static_cast<double>(xf[i]) * yf[i]);
  }
  float first = NAN;
  kernels.front()->vec_dot(n, &first, x, y);
  EXPECT_NEAR(first, exact, rel_tol * magnitude) << KernelName(*kernels.front()) << " n=" << n;
  for (const EdgeQuantKernelsV1* k : kernels) {
    float s = NAN;
    k->vec_dot(n, &s, x, y);
    EXPECT_EQ(Bits(s), Bits(first)) << KernelName(*k) << " n=" << n;
  }
}

// vec_dot of row i of w with row j of a (rows of n values, row_bytes apart) for every pair, and
// vec_dot_batch over them all: the same bits on every kernel entry, and vec_dot's bits from
// vec_dot_batch when n % gemm_multiple != 0 (where ggml's batch path runs vec_dot for every pair).
inline void ExpectDotProductsTheSameOnEveryKernel(const Kernels& kernels, int n, int rows, int cols,
                                                  const void* w, const void* a, size_t row_bytes,
                                                  int gemm_multiple) {
  const auto row = [row_bytes](const void* p, int i) {
    return static_cast<const char*>(p) + i * row_bytes;
  };
  std::vector<float> want_dot, want_batch;
  for (const EdgeQuantKernelsV1* k : kernels) {
    std::vector<float> dot(rows * cols, NAN), batch(rows * cols, NAN);
    for (int j = 0; j < cols; ++j) {
      for (int i = 0; i < rows; ++i) k->vec_dot(n, &dot[j * rows + i], row(w, i), row(a, j));
    }
    if (k->vec_dot_batch != nullptr) {
      k->vec_dot_batch(n, rows, cols, batch.data(), rows, w, row_bytes, a, row_bytes);
    } else {
      batch = dot;
    }
    for (int i = 0; i < rows * cols && n % gemm_multiple != 0; ++i) {
      EXPECT_EQ(Bits(batch[i]), Bits(dot[i])) << KernelName(*k) << " n=" << n;
    }
    if (want_dot.empty()) {
      want_dot = dot;
      want_batch = batch;
      continue;
    }
    for (int i = 0; i < rows * cols; ++i) {
      EXPECT_EQ(Bits(dot[i]), Bits(want_dot[i])) << KernelName(*k) << " n=" << n << " " << i;
      EXPECT_EQ(Bits(batch[i]), Bits(want_batch[i]))
          << KernelName(*k) << " batch n=" << n << " " << i;
    }
  }
}

// q8_0 / q8_1 (Block: BlockQ8_0 / BlockQ8_1): a block of 32 activations whose quants are all
// ties, amax = 127 giving d = 1 and x * (127 / amax) = x exactly, so every x = k + 0.5 is one.
inline std::vector<float> Q8TieBlock() {
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = (j % 2 ? -1.0f : 1.0f) * (j + 0.5f);
  x[31] = 127.0f;
  return x;
}

// The blocks of x (Q8TieBlock) from from_float_ref, then from every kernel's from_float: the
// reference rounds the ties away from zero, the activation quantizers to even.
template <typename Block>
std::vector<Block> ExpectQ8TiesRounded(const EdgeQuantFormatV1& f, const Kernels& kernels,
                                       const std::vector<float>& x) {
  std::vector<Block> blocks(1 + kernels.size());
  f.from_float_ref(x.data(), &blocks[0], 32);
  for (int j = 0; j < 31; ++j) EXPECT_EQ(blocks[0].qs[j], static_cast<int>(std::round(x[j]))) << j;
  for (size_t i = 0; i < kernels.size(); ++i) {
    const EdgeQuantKernelsV1& k = *kernels[i];
    EXPECT_NE(k.from_float, nullptr) << KernelName(k);
    if (k.from_float == nullptr) continue;
    k.from_float(x.data(), &blocks[i + 1], 32);
    EXPECT_EQ(blocks[i + 1].d, blocks[0].d) << KernelName(k);
    for (int j = 0; j < 31; ++j) {
      EXPECT_EQ(blocks[i + 1].qs[j], static_cast<int>(std::nearbyint(x[j])))
          << KernelName(k) << " " << j;
    }
  }
  return blocks;
}

}  // namespace edgellm::quant::testing

#endif  // EDGELLM_QUANT_FORMATS_COMMON_FORMAT_TEST_UTIL_H_
