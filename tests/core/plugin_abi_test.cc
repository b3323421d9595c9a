// The plugin ABI's growth rules (core/plugin/edgellm_plugin.h): plugins built against the frozen
// v1.0 header keep loading and computing the same bits, reading nothing they did not declare;
// other major versions and newer minor versions are refused; flawed descriptors are refused at
// load with their reason; optional functions are found by name; what a 1.2 request needs that an
// older backend lacks (a paged cache, matmul_vec_dot) the host provides.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/backend.h"
#include "core/cpu_features.h"
#include "core/plugin/plugin_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgellm {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr uint32_t kTypeF16 = 1, kTypeQ4_0 = 2, kTypeQ8_0 = 8;

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/edgellm/" + path;
}

// A registry with the given runfiles loaded; every one must load.
std::unique_ptr<PluginRegistry> Load(const std::vector<std::string>& runfiles) {
  auto r = std::make_unique<PluginRegistry>(DetectCpuFeatures());
  for (const std::string& f : runfiles) {
    absl::Status s = r->LoadFile(Runfile(f));
    EXPECT_TRUE(s.ok()) << s;
  }
  return r;
}

const PluginRecord& Only(const PluginRegistry& r) {
  EXPECT_EQ(r.records().size(), 1u);
  return r.records().front();
}

std::string RefusalOf(const std::string& runfile) {
  PluginRegistry r(DetectCpuFeatures());
  absl::Status s = r.LoadFile(Runfile(runfile));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << runfile;
  EXPECT_FALSE(Only(r).loaded);
  return Only(r).reason;
}

TEST(PluginAbiTest, AnotherMajorVersionIsRefused) {
  EXPECT_THAT(RefusalOf("tests/plugins/libbad_abi.so"),
              HasSubstr("ABI version 2.2, this edgellm speaks 1.x: rebuild the plugin"));
}

TEST(PluginAbiTest, ANewerMinorVersionIsRefused) {
  EXPECT_THAT(RefusalOf("tests/plugins/libnewer_minor.so"),
              HasSubstr("ABI version 1.3 is newer than this edgellm's 1.2: update edgellm"));
}

TEST(PluginAbiTest, FlawedDescriptorsAreRefusedAtLoad) {
  EXPECT_THAT(RefusalOf("tests/plugins/libno_scalar_vec_dot.so"),
              HasSubstr("vec_dot kernels but no scalar entry"));
  EXPECT_THAT(RefusalOf("tests/plugins/libbatch_without_vec_dot.so"),
              HasSubstr("kernel entry 0 (avx2) has vec_dot_batch without vec_dot"));
  EXPECT_THAT(RefusalOf("tests/plugins/libshort_caps_stride.so"),
              HasSubstr("kernel_caps_stride 2 is shorter than a caps entry"));
  EXPECT_THAT(RefusalOf("tests/plugins/libbackend_without_last_error.so"),
              HasSubstr("no last_error (required since 1.1)"));
}

TEST(PluginAbiTest, CurrentPluginsSayTheirVersion) {
  auto r = Load({"backends/scalar/libedgellm_backend_scalar.so",
                 "quant_formats/q4_0/libedgellm_format_q4_0.so"});
  for (const PluginRecord& rec : r->records()) EXPECT_EQ(rec.abi_version, "1.2") << rec.file;
  EXPECT_EQ(r->FindBackend("scalar")->score(), EDGE_BACKEND_SCORE_SCALAR);
  EXPECT_EQ(r->FindFormat(kTypeQ4_0)->abi_minor(), 2u);
}

// Random q4_0 weights [rows][cols] quantized by `f`.
std::vector<uint8_t> Q4_0Weights(const QuantFormat& f, int64_t rows, int64_t cols) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> w(rows * cols);
  for (float& x : w) x = dist(rng);
  std::vector<uint8_t> q(f.RowBytes(cols) * rows);
  for (int64_t r = 0; r < rows; ++r) {
    f.FromFloatRef(&w[r * cols], &q[r * f.RowBytes(cols)], cols);
  }
  return q;
}

// y = W x for n_tokens rows of x through `backend_name` of registry `r`.
std::vector<float> MatMul(const PluginRegistry& r, const std::string& backend_name,
                          const std::vector<uint8_t>& weights, int64_t rows, int64_t cols,
                          const std::vector<float>& x, int64_t n_tokens) {
  const QuantFormat* f = r.FindFormat(kTypeQ4_0);
  const QuantFormat* act = r.FindFormat(kTypeQ8_0);
  EdgeMatrixV1 m{f->desc(), act->desc(), weights.data(), cols, rows, f->RowBytes(cols)};
  auto backend = r.FindBackend(backend_name)->Create(1);
  EXPECT_TRUE(backend.ok()) << backend.status();
  std::vector<float> y(rows * n_tokens, -1.0f);
  absl::Status s = (*backend)->MatMul(m, x.data(), n_tokens, y.data());
  EXPECT_TRUE(s.ok()) << s;
  return y;
}

TEST(PluginAbiTest, PluginsBuiltAgainstTheV1_0HeaderLoadAndGiveTheSameBits) {
  // Old-header format and backend (descriptors ending at guard pages: reading a 1.1 field
  // would crash here), beside today's q8_0 for the activations.
  auto old = Load({"tests/plugins/libq4_0_v1_0.so", "tests/plugins/libscalar_v1_0.so",
                   "quant_formats/q8_0/libedgellm_format_q8_0.so"});
  for (const PluginRecord& rec : old->records()) {
    EXPECT_TRUE(rec.loaded) << rec.file << ": " << rec.reason;
  }
  EXPECT_EQ(old->records()[0].abi_version, "1.0");
  EXPECT_EQ(old->records()[1].abi_version, "1.0");
  const BackendPlugin* b = old->FindBackend("scalar_v1_0");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->abi_minor(), 0u);
  EXPECT_EQ(b->score(), EDGE_BACKEND_SCORE_SCALAR);  // the host's default for its ISA
  EXPECT_EQ(b->isa_name(), "scalar");
  const QuantFormat* q4 = old->FindFormat(kTypeQ4_0);
  ASSERT_NE(q4, nullptr);
  EXPECT_EQ(q4->abi_minor(), 0u);
  EXPECT_EQ(q4->kernel_flags(0), 0u);  // v1.0 declares no caps: the host's copy says none
  EXPECT_EQ(q4->GetProcAddress("anything"), nullptr);

  auto now = Load({"quant_formats/q4_0/libedgellm_format_q4_0.so",
                   "quant_formats/q8_0/libedgellm_format_q8_0.so",
                   "backends/scalar/libedgellm_backend_scalar.so"});
  constexpr int64_t kRows = 12, kCols = 256;
  const std::vector<uint8_t> w = Q4_0Weights(*now->FindFormat(kTypeQ4_0), kRows, kCols);
  EXPECT_EQ(Q4_0Weights(*q4, kRows, kCols), w);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  for (int64_t n_tokens : {1, 5}) {
    std::vector<float> x(n_tokens * kCols);
    for (float& v : x) v = dist(rng);
    const std::vector<float> want = MatMul(*now, "scalar", w, kRows, kCols, x, n_tokens);
    const std::vector<float> got = MatMul(*old, "scalar_v1_0", w, kRows, kCols, x, n_tokens);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
        << n_tokens << " tokens";
  }
}

// y = W x for n_tokens rows of x through `backend_name` of `r`, W [rows][cols] f16 weights of
// random values; with MatMulVecDot, or with one MatMul per row.
std::vector<float> F16MatMul(const PluginRegistry& r, const std::string& backend_name, int64_t rows,
                             int64_t cols, const std::vector<float>& x, int64_t n_tokens,
                             bool vec_dot) {
  const QuantFormat* f = r.FindFormat(kTypeF16);
  std::mt19937 rng(17);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> w(rows * cols);
  for (float& v : w) v = normal(rng);
  std::vector<uint8_t> q(f->RowBytes(cols) * rows);
  f->FromFloatRef(w.data(), q.data(), rows * cols);
  EdgeMatrixV1 m{f->desc(), f->desc(), q.data(), cols, rows, f->RowBytes(cols)};
  auto backend = r.FindBackend(backend_name)->Create(1);
  EXPECT_TRUE(backend.ok()) << backend.status();
  std::vector<float> y(rows * n_tokens, -1.0f);
  if (vec_dot) {
    absl::Status s = (*backend)->MatMulVecDot(m, x.data(), n_tokens, y.data());
    EXPECT_TRUE(s.ok()) << s;
  } else {
    for (int64_t t = 0; t < n_tokens; ++t) {
      absl::Status s = (*backend)->MatMul(m, &x[t * cols], 1, &y[t * rows]);
      EXPECT_TRUE(s.ok()) << s;
    }
  }
  return y;
}

TEST(PluginAbiTest, OlderBackendsRunMatMulVecDotRowByRow) {
  // No matmul_vec_dot before 1.2 (the 1.1 table ends at a guard page before it): the host calls
  // matmul once per row (f16: a several-row matmul would sum in its GEMM's order instead).
  const std::string f16 = "quant_formats/f16/libedgellm_format_f16.so";
  auto old = Load({"tests/plugins/libscalar_v1_0.so", "tests/plugins/libscalar_v1_1.so", f16});
  auto now = Load({"backends/scalar/libedgellm_backend_scalar.so", f16});
  EXPECT_EQ(old->FindBackend("scalar_v1_1")->abi_minor(), 1u);
  constexpr int64_t kRows = 12, kCols = 256, kTokens = 5;
  std::vector<float> x(kTokens * kCols);
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  for (float& v : x) v = dist(rng);
  const std::vector<float> want = F16MatMul(*now, "scalar", kRows, kCols, x, kTokens, false);
  ASSERT_EQ(F16MatMul(*now, "scalar", kRows, kCols, x, kTokens, true), want);
  for (const char* name : {"scalar_v1_0", "scalar_v1_1"}) {
    const std::vector<float> got = F16MatMul(*old, name, kRows, kCols, x, kTokens, true);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0) << name;
  }
}

// Attention of query rows at `positions` over a paged KV cache of `cache_type` (blocks of
// block_size positions in shuffled order among spare blocks of NaN bytes) through backend
// `backend_name` of `r`. The same inputs for every registry that loads the same format plugins.
// Attention of `positions` over a paged cache in shuffled blocks. With `two_sequences`, two
// caches share the buffer and the rows after the first half read the second one
// (row_block_tables).
absl::StatusOr<std::vector<float>> PagedAttention(const PluginRegistry& r,
                                                  const std::string& backend_name,
                                                  uint32_t cache_type, int64_t block_size,
                                                  const std::vector<int32_t>& positions,
                                                  bool two_sequences = false) {
  constexpr int64_t kHeads = 8, kKvHeads = 2, kDim = 64, kCtx = 45;
  const QuantFormat* f = r.FindFormat(cache_type);
  const QuantFormat* q_format = f != nullptr ? r.FindFormat(f->vec_dot_type()) : nullptr;
  if (q_format == nullptr) return absl::NotFoundError("cache format not loaded");
  const size_t row = f->RowBytes(kKvHeads * kDim);
  const size_t block_bytes = block_size * row;
  const int64_t n_blocks = (kCtx + block_size - 1) / block_size, n_slots = 2 * n_blocks + 2;
  std::vector<int32_t> slots(n_slots);
  std::iota(slots.begin(), slots.end(), 0);
  std::mt19937 rng(3);
  std::shuffle(slots.begin(), slots.end(), rng);
  const std::vector<int32_t> table(slots.begin(), slots.begin() + n_blocks);
  const std::vector<int32_t> table2(slots.begin() + n_blocks, slots.begin() + 2 * n_blocks);
  std::vector<uint8_t> k(n_slots * block_bytes, 0xFF), v(n_slots * block_bytes, 0xFF);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(kKvHeads * kDim);
  for (const std::vector<int32_t>* t : {&table, &table2}) {
    for (int64_t p = 0; p < kCtx; ++p) {
      const size_t at = (*t)[p / block_size] * block_bytes + (p % block_size) * row;
      for (float& x : values) x = normal(rng);
      f->FromFloatRef(values.data(), &k[at], kKvHeads * kDim);
      for (float& x : values) x = normal(rng);
      f->FromFloatRef(values.data(), &v[at], kKvHeads * kDim);
    }
  }
  std::vector<float> q(positions.size() * kHeads * kDim);
  for (float& x : q) x = 2.0f * normal(rng);
  std::vector<const int32_t*> row_tables;
  for (size_t t = 0; t < positions.size(); ++t) {
    row_tables.push_back(t < positions.size() / 2 ? table.data() : table2.data());
  }
  EdgeAttentionV1 a{};
  a.n_tokens = static_cast<int64_t>(positions.size());
  a.n_heads = kHeads;
  a.n_kv_heads = kKvHeads;
  a.head_dim = kDim;
  a.positions = positions.data();
  a.scale = 0.125f;
  a.k_format = f->desc();
  a.k_vec_dot_format = q_format->desc();
  a.k_cache = k.data();
  a.k_row_bytes = row;
  a.v_format = f->desc();
  a.v_cache = v.data();
  a.v_row_bytes = row;
  a.block_size = block_size;
  a.block_table = table.data();
  a.row_block_tables = two_sequences ? row_tables.data() : nullptr;
  a.k_block_bytes = block_bytes;
  a.v_block_bytes = block_bytes;
  auto backend = r.FindBackend(backend_name)->Create(1);
  if (!backend.ok()) return backend.status();
  std::vector<float> out(q.size(), -1.0f);
  if (absl::Status s = (*backend)->Attention(a, q.data(), out.data()); !s.ok()) return s;
  return out;
}

TEST(PluginAbiTest, OlderBackendsGetAPagedCacheGatheredByTheHost) {
  // Before 1.2 a backend reads no block table: the host copies the rows into one piece first,
  // and the results are the bits today's backend computes over the blocks themselves.
  const std::vector<std::string> formats = {"quant_formats/f16/libedgellm_format_f16.so",
                                            "quant_formats/q8_0/libedgellm_format_q8_0.so"};
  auto old = Load({"tests/plugins/libscalar_v1_0.so", "tests/plugins/libscalar_v1_1.so", formats[0],
                   formats[1]});
  auto now = Load({"backends/scalar/libedgellm_backend_scalar.so", formats[0], formats[1]});
  const std::vector<std::vector<int32_t>> row_sets = {{44}, {44, 3, 15, 16, 17, 31, 32}, {20}};
  for (uint32_t cache_type : {kTypeF16, kTypeQ8_0}) {
    for (const std::vector<int32_t>& positions : row_sets) {
      for (bool two : {false, true}) {  // one sequence, or two in one call (one call each then)
        SCOPED_TRACE(absl::StrFormat("cache type %u, %u rows, %d sequences", cache_type,
                                     positions.size(), two ? 2 : 1));
        auto want = PagedAttention(*now, "scalar", cache_type, 16, positions, two);
        ASSERT_TRUE(want.ok()) << want.status();
        for (const char* name : {"scalar_v1_0", "scalar_v1_1"}) {
          auto got = PagedAttention(*old, name, cache_type, 16, positions, two);
          ASSERT_TRUE(got.ok()) << name << ": " << got.status();
          ASSERT_EQ(got->size(), want->size());
          EXPECT_EQ(std::memcmp(got->data(), want->data(), got->size() * sizeof(float)), 0) << name;
        }
      }
    }
  }
  // The host refuses for them what today's backends refuse.
  auto bad = PagedAttention(*old, "scalar_v1_0", kTypeF16, 24, {30});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("backend scalar_v1_0: KV cache block size 24 is not a positive multiple "
                        "of 16"));
}

TEST(PluginAbiTest, OlderBackendsHaveNoHadamardRotationAndSaySo) {
  // A quantized KV cache rotates Q, K and V (ABI 1.2's hadamard): an older backend refuses with
  // a message that says what to pick instead; today's rotates.
  auto old = Load({"tests/plugins/libscalar_v1_0.so", "tests/plugins/libscalar_v1_1.so"});
  std::vector<float> x(64, 1.0f);
  for (const char* name : {"scalar_v1_0", "scalar_v1_1"}) {
    auto backend = old->FindBackend(name)->Create(1);
    ASSERT_TRUE(backend.ok()) << backend.status();
    absl::Status s = (*backend)->Hadamard(x.data(), 1, 64);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << name;
    EXPECT_THAT(std::string(s.message()),
                HasSubstr(absl::StrCat("backend ", name, " has no Hadamard rotation")));
  }
  auto now = Load({"backends/scalar/libedgellm_backend_scalar.so"});
  auto backend = now->FindBackend("scalar")->Create(1);
  ASSERT_TRUE(backend.ok()) << backend.status();
  ASSERT_TRUE((*backend)->Hadamard(x.data(), 1, 64).ok());
  EXPECT_EQ(x[0], 8.0f);  // the constant row becomes sqrt(64) e_0
  EXPECT_EQ(x[1], 0.0f);
}

TEST(PluginAbiTest, AV1_0BackendHasTheHostWriteTheKvCache) {
  // No kv_write in v1.0: the host stores rows with the format's reference quantizer.
  auto old =
      Load({"tests/plugins/libscalar_v1_0.so", "quant_formats/q8_0/libedgellm_format_q8_0.so"});
  const QuantFormat* q8 = old->FindFormat(kTypeQ8_0);
  auto backend = old->FindBackend("scalar_v1_0")->Create(1);
  ASSERT_TRUE(backend.ok()) << backend.status();
  constexpr int64_t kRows = 3, kN = 64;
  std::vector<float> x(kRows * kN);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.37f * static_cast<float>(i % 29) - 5.0f;
  const size_t stride = q8->RowBytes(kN) + 6;  // rows need not be packed
  std::vector<uint8_t> got(kRows * stride, 0xAA), want(kRows * stride, 0xAA);
  ASSERT_TRUE((*backend)->KvWrite(*q8->desc(), x.data(), kRows, kN, got.data(), stride).ok());
  for (int64_t r = 0; r < kRows; ++r) q8->FromFloatRef(&x[r * kN], &want[r * stride], kN);
  EXPECT_EQ(got, want);
}

TEST(PluginAbiTest, TodaysBackendWritesTheKvCacheAndSaysWhyItCannot) {
  auto now = Load({"backends/scalar/libedgellm_backend_scalar.so",
                   "quant_formats/q8_0/libedgellm_format_q8_0.so"});
  const QuantFormat* q8 = now->FindFormat(kTypeQ8_0);
  auto backend = now->FindBackend("scalar")->Create(1);
  ASSERT_TRUE(backend.ok()) << backend.status();
  std::vector<float> x(64, 1.5f);
  std::vector<uint8_t> got(q8->RowBytes(64)), want(q8->RowBytes(64));
  ASSERT_TRUE((*backend)->KvWrite(*q8->desc(), x.data(), 1, 64, got.data(), got.size()).ok());
  q8->FromFloatRef(x.data(), want.data(), 64);
  EXPECT_EQ(got, want);
  // 48 values are not whole q8_0 blocks: the backend's own reason reaches the caller.
  absl::Status s = (*backend)->KvWrite(*q8->desc(), x.data(), 1, 48, got.data(), got.size());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("backend scalar: KV row of 48 values does not fit q8_0 blocks of 32"));
}

TEST(PluginAbiTest, DefaultBackendIsTheHighestScore) {
  // A v1.0 backend gets its ISA's default score; today's declare theirs.
  auto r = Load({"tests/plugins/libscalar_v1_0.so"});
  EXPECT_EQ(r->DefaultBackend(), r->FindBackend("scalar_v1_0"));
  const std::string avx2 = "backends/avx2/libedgellm_backend_avx2.so";
  if (!fs::exists(Runfile(avx2)) ||
      (DetectCpuFeatures() & (EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C)) !=
          (EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C)) {
    GTEST_SKIP() << "no avx2 backend for this CPU";
  }
  ASSERT_TRUE(r->LoadFile(Runfile(avx2)).ok());
  EXPECT_EQ(r->FindBackend("avx2")->score(), EDGE_BACKEND_SCORE_AVX2);
  EXPECT_EQ(r->DefaultBackend(), r->FindBackend("avx2"));
}

TEST(PluginAbiTest, OptionalFunctionsAreFoundByName) {
  auto r = Load({"tests/plugins/dropin_format/libdropin_s8_16.so"});
  const QuantFormat* s8 = r->FindFormat(200);
  ASSERT_NE(s8, nullptr);
  EXPECT_EQ(s8->GetProcAddress("no_such_function"), nullptr);
  auto block_scale =
      reinterpret_cast<float (*)(const void*, int64_t)>(s8->GetProcAddress("s8_16_block_scale"));
  ASSERT_NE(block_scale, nullptr);
  std::vector<float> x(32);
  for (int i = 0; i < 32; ++i) x[i] = i < 16 ? 1.0f : -4.0f;
  std::vector<uint8_t> row(s8->RowBytes(32));
  s8->FromFloatRef(x.data(), row.data(), 32);
  std::vector<float> back(32);
  s8->ToFloat(row.data(), back.data(), 32);
  EXPECT_EQ(block_scale(row.data(), 1) * 0.0f, 0.0f);                 // finite
  EXPECT_GT(block_scale(row.data(), 1), block_scale(row.data(), 0));  // |-4| > |1|
}

}  // namespace
}  // namespace edgellm
