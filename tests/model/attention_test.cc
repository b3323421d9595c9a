// Backend attention (EdgeBackendV1::attention) on every loaded backend: a query row's output is
// the same bits whatever else is in the call (prefill of many tokens, or the token alone) and
// however many threads run it; with an F16 cache and head_dim < 128 it is ggml's one-chunk flash
// attention formula (ggml_compute_forward_flash_attn_ext_f16_one_chunk, x86 build), bit for bit;
// a paged cache (ABI 1.2 block table) gives the contiguous cache's bits.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/backend.h"
#include "core/model/kv_pool.h"
#include "core/plugin/plugin_paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/plugins_fixture.h"

namespace edgellm {
namespace {

#if defined(__aarch64__)
using Half = __fp16;
#else
using Half = _Float16;
#endif

float RoundToHalf(float x) { return static_cast<float>(static_cast<Half>(x)); }

struct Shape {
  int64_t n_heads, n_kv_heads, head_dim, n_ctx;
};

// A filled cache and queries for every position: n_ctx tokens of n_heads * head_dim values. The
// pool's blocks are taken in order, so its rows are also contiguous (row p at k(0) + p * row).
struct Problem {
  Shape shape;
  std::unique_ptr<KvPool> kv;
  std::vector<int32_t> blocks;
  std::vector<float> q;
  std::vector<int32_t> positions;
};

class AttentionTest : public testing::PluginsTest {
 protected:
  static std::unique_ptr<Backend> Make(const BackendPlugin& b, int n_threads) {
    absl::StatusOr<std::unique_ptr<Backend>> be = b.Create(n_threads);
    EXPECT_TRUE(be.ok()) << be.status();
    return be.ok() ? std::move(*be) : nullptr;
  }

  static Problem MakeProblem(const Shape& shape, uint32_t cache_type, uint32_t seed) {
    Problem p;
    p.shape = shape;
    absl::StatusOr<std::unique_ptr<KvPool>> kv =
        KvPool::Create(*registry_, cache_type, cache_type, 1, KvPool::BlocksFor(shape.n_ctx), shape.n_kv_heads,
                       shape.head_dim);
    EXPECT_TRUE(kv.ok()) << kv.status();
    if (!kv.ok()) return p;
    p.kv = std::move(*kv);
    for (int64_t b = 0; b < p.kv->n_blocks(); ++b) p.blocks.push_back(p.kv->Allocate());
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const int64_t kv_width = shape.n_kv_heads * shape.head_dim;
    std::vector<float> k(shape.n_ctx * kv_width), v(shape.n_ctx * kv_width);
    for (float& x : k) x = normal(rng);
    for (float& x : v) x = normal(rng);
    p.q.resize(shape.n_ctx * shape.n_heads * shape.head_dim);
    for (float& x : p.q) x = 2.0f * normal(rng);  // spread scores: the running maximum moves
    std::unique_ptr<Backend> be = Make(*registry_->DefaultBackend(), 1);
    EXPECT_TRUE(p.kv->Write(*be, 0, p.blocks, 0, shape.n_ctx, k.data(), v.data()).ok());
    for (int64_t t = 0; t < shape.n_ctx; ++t) p.positions.push_back(static_cast<int32_t>(t));
    return p;
  }

  // Output rows of tokens [t0, t0 + n) in one call.
  static std::vector<float> Run(Backend& be, const Problem& p, int64_t t0, int64_t n) {
    const Shape& s = p.shape;
    EdgeAttentionV1 a{};
    a.n_tokens = n;
    a.n_heads = s.n_heads;
    a.n_kv_heads = s.n_kv_heads;
    a.head_dim = s.head_dim;
    a.positions = p.positions.data() + t0;
    a.scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
    a.k_format = p.kv->k_format().desc();
    a.k_vec_dot_format = p.kv->vec_dot_format().desc();
    a.k_cache = p.kv->k(0);
    a.k_row_bytes = p.kv->k_row_bytes();
    a.v_format = p.kv->k_format().desc();
    a.v_cache = p.kv->v(0);
    a.v_row_bytes = p.kv->k_row_bytes();
    const int64_t width = s.n_heads * s.head_dim;
    std::vector<float> out(n * width);
    absl::Status st = be.Attention(a, p.q.data() + t0 * width, out.data());
    EXPECT_TRUE(st.ok()) << st;
    return out;
  }
};

// The same, for each cache type.
class AttentionCacheTest : public AttentionTest, public ::testing::WithParamInterface<uint32_t> {};

// First element where two runs' bits differ, or -1.
int64_t FirstDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return static_cast<int64_t>(i);
  }
  return -1;
}

TEST_P(AttentionCacheTest, RowsDoNotDependOnTheBatchOrThreads) {
  // Head sizes on both sides of ggml's 128-element F16 block; GQA groups of 1, 4 and 8; cache
  // lengths that are not multiples of the 16-key tiles.
  const Shape shapes[] = {{8, 2, 64, 53}, {4, 4, 32, 37}, {8, 1, 128, 21}, {16, 2, 96, 40}};
  for (const Shape& shape : shapes) {
    Problem p = MakeProblem(shape, GetParam(), 7);
    ASSERT_NE(p.kv, nullptr);
    const int64_t width = shape.n_heads * shape.head_dim;
    for (const BackendPlugin* b : registry_->backends()) {
      SCOPED_TRACE(std::string(b->name()) + " d=" + std::to_string(shape.head_dim));
      std::unique_ptr<Backend> two = Make(*b, 2), one = Make(*b, 1), three = Make(*b, 3);
      ASSERT_TRUE(two && one && three);
      const std::vector<float> all = Run(*two, p, 0, shape.n_ctx);
      ASSERT_EQ(FirstDiff(all, Run(*one, p, 0, shape.n_ctx)), -1) << "1 thread vs 2";
      for (int64_t t = 0; t < shape.n_ctx; ++t) {
        const std::vector<float> want(all.begin() + t * width, all.begin() + (t + 1) * width);
        ASSERT_EQ(FirstDiff(Run(*one, p, t, 1), want), -1) << "token " << t << " alone";
        ASSERT_EQ(FirstDiff(Run(*three, p, t, 1), want), -1) << "token " << t << ", 3 threads";
      }
      // A chunk in the middle (chunked prefill) gives its rows of the whole prompt's run.
      const int64_t t0 = shape.n_ctx / 3, n = shape.n_ctx / 2;
      const std::vector<float> want(all.begin() + t0 * width, all.begin() + (t0 + n) * width);
      ASSERT_EQ(FirstDiff(Run(*three, p, t0, n), want), -1) << "tokens " << t0 << ".." << t0 + n;
    }
  }
}

// ggml's one-chunk flash attention for an F16 cache and head_dim < 128, written out: q rounded
// to fp16; each q.k the fp32 products summed in order in double; an online softmax over the rows
// in order; the fp16 accumulator updated by one fp32 FMA per element, rounded to fp16.
std::vector<float> OneChunkF16(const Problem& p, const std::vector<float>& k,
                               const std::vector<float>& v) {
  const Shape& s = p.shape;
  const int64_t d = s.head_dim, group = s.n_heads / s.n_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  std::vector<float> out(p.q.size());
  for (int64_t t = 0; t < s.n_ctx; ++t) {
    for (int64_t h = 0; h < s.n_heads; ++h) {
      const float* q = p.q.data() + (t * s.n_heads + h) * d;
      const int64_t kvh = h / group;
      std::vector<float> acc(d, 0.0f);
      float max_score = -INFINITY, sum = 0.0f;
      for (int64_t r = 0; r <= t; ++r) {
        const float* kr = k.data() + (r * s.n_kv_heads + kvh) * d;
        const float* vr = v.data() + (r * s.n_kv_heads + kvh) * d;
        double dot = 0.0;
        for (int64_t i = 0; i < d; ++i) dot += static_cast<double>(kr[i] * RoundToHalf(q[i]));
        const float score = static_cast<float>(dot) * scale;
        float ms = 1.0f, vs = 1.0f;
        if (score > max_score) {
          ms = std::exp(max_score - score);
          max_score = score;
          for (float& a : acc) a = RoundToHalf(a * ms);
        } else {
          vs = std::exp(score - max_score);
        }
        for (int64_t i = 0; i < d; ++i) acc[i] = RoundToHalf(std::fma(vr[i], vs, acc[i]));
        sum = std::fma(sum, ms, vs);
      }
      for (int64_t i = 0; i < d; ++i) out[(t * s.n_heads + h) * d + i] = acc[i] * (1.0f / sum);
    }
  }
  return out;
}

TEST_F(AttentionTest, F16CacheIsGgmlOneChunkFormula) {
  const Shape shape{8, 2, 64, 45};
  Problem p = MakeProblem(shape, kCacheTypeF16, 11);
  ASSERT_NE(p.kv, nullptr);
  // The cache's values as floats, read back through the format.
  const int64_t n = shape.n_ctx * shape.n_kv_heads * shape.head_dim;
  std::vector<float> k(n), v(n);
  p.kv->k_format().ToFloat(p.kv->k(0), k.data(), n);
  p.kv->k_format().ToFloat(p.kv->v(0), v.data(), n);
  const std::vector<float> want = OneChunkF16(p, k, v);
  for (const BackendPlugin* b : registry_->backends()) {
    SCOPED_TRACE(b->name());
    std::unique_ptr<Backend> be = Make(*b, 2);
    ASSERT_NE(be, nullptr);
    const std::vector<float> got = Run(*be, p, 0, shape.n_ctx);
    const int64_t i = FirstDiff(got, want);
    ASSERT_EQ(i, -1) << "element " << i << ": " << got[i] << " vs " << want[i];
  }
}

INSTANTIATE_TEST_SUITE_P(CacheTypes, AttentionCacheTest,
                         ::testing::Values(kCacheTypeF16, kCacheTypeF32, kCacheTypeQ8_0),
                         [](const ::testing::TestParamInfo<uint32_t>& info) {
                           return std::string(info.param == kCacheTypeF16   ? "F16"
                                              : info.param == kCacheTypeF32 ? "F32"
                                                                            : "Q8_0");
                         });

// A paged copy of a problem's layer-0 K and V rows (EdgeAttentionV1::block_size): blocks in
// shuffled order among spare blocks of NaN bytes, K rows and blocks padded, V blocks padded
// differently, so that a row read from the wrong address changes the result.
struct PagedCache {
  int64_t block_size = 0;
  std::vector<int32_t> table;
  size_t k_row_bytes = 0, k_block_bytes = 0, v_block_bytes = 0;
  std::vector<uint8_t> k, v;
};

PagedCache Paginate(const Problem& p, int64_t block_size, uint32_t seed) {
  PagedCache c;
  c.block_size = block_size;
  const size_t row = p.kv->k_row_bytes();
  c.k_row_bytes = row + 32;
  c.k_block_bytes = block_size * c.k_row_bytes + 64;
  c.v_block_bytes = block_size * row + 128;
  const int64_t n_blocks = (p.shape.n_ctx + block_size - 1) / block_size;
  const int64_t n_slots = n_blocks + 3;
  std::vector<int32_t> slots(n_slots);
  std::iota(slots.begin(), slots.end(), 0);
  std::mt19937 rng(seed);
  std::shuffle(slots.begin(), slots.end(), rng);
  c.table.assign(slots.begin(), slots.begin() + n_blocks);
  c.k.assign(n_slots * c.k_block_bytes, 0xFF);
  c.v.assign(n_slots * c.v_block_bytes, 0xFF);
  const auto* k = static_cast<const uint8_t*>(p.kv->k(0));
  const auto* v = static_cast<const uint8_t*>(p.kv->v(0));
  for (int64_t r = 0; r < p.shape.n_ctx; ++r) {
    const size_t slot = c.table[r / block_size], in_block = r % block_size;
    std::memcpy(&c.k[slot * c.k_block_bytes + in_block * c.k_row_bytes], k + r * row, row);
    std::memcpy(&c.v[slot * c.v_block_bytes + in_block * row], v + r * row, row);
  }
  return c;
}

// The fields every request over `p` shares: its shape and formats, rows at `positions`.
EdgeAttentionV1 Request(const Problem& p, const std::vector<int32_t>& positions) {
  EdgeAttentionV1 a{};
  a.n_tokens = static_cast<int64_t>(positions.size());
  a.n_heads = p.shape.n_heads;
  a.n_kv_heads = p.shape.n_kv_heads;
  a.head_dim = p.shape.head_dim;
  a.positions = positions.data();
  a.scale = 1.0f / std::sqrt(static_cast<float>(p.shape.head_dim));
  a.k_format = p.kv->k_format().desc();
  a.k_vec_dot_format = p.kv->vec_dot_format().desc();
  a.v_format = p.kv->v_format().desc();
  return a;
}

// Attention of query rows `tokens` (token t: p.q's row t at position t), over the problem's
// contiguous cache, or over `paged` when given.
absl::StatusOr<std::vector<float>> RunRows(Backend& be, const Problem& p,
                                           const std::vector<int32_t>& tokens,
                                           const PagedCache* paged) {
  const Shape& s = p.shape;
  const int64_t width = s.n_heads * s.head_dim;
  std::vector<float> q;
  for (int32_t t : tokens) {
    q.insert(q.end(), p.q.begin() + t * width, p.q.begin() + (t + 1) * width);
  }
  EdgeAttentionV1 a = Request(p, tokens);
  if (paged == nullptr) {
    a.k_cache = p.kv->k(0);
    a.k_row_bytes = p.kv->k_row_bytes();
    a.v_cache = p.kv->v(0);
    a.v_row_bytes = p.kv->k_row_bytes();
  } else {
    a.k_cache = paged->k.data();
    a.k_row_bytes = paged->k_row_bytes;
    a.v_cache = paged->v.data();
    a.v_row_bytes = p.kv->k_row_bytes();
    a.block_size = paged->block_size;
    a.block_table = paged->table.data();
    a.k_block_bytes = paged->k_block_bytes;
    a.v_block_bytes = paged->v_block_bytes;
  }
  std::vector<float> out(a.n_tokens * width);
  if (absl::Status st = be.Attention(a, q.data(), out.data()); !st.ok()) return st;
  return out;
}

TEST_P(AttentionCacheTest, PagedCacheGivesTheContiguousBits) {
  // F16 key tiles (d < 128) and the plain q.k (d = 128); GQA groups of 4 and 8.
  const Shape shapes[] = {{8, 2, 64, 53}, {8, 1, 128, 37}};
  for (const Shape& shape : shapes) {
    Problem p = MakeProblem(shape, GetParam(), 5);
    ASSERT_NE(p.kv, nullptr);
    const int32_t last = static_cast<int32_t>(shape.n_ctx - 1);
    std::vector<int32_t> all(shape.n_ctx);
    std::iota(all.begin(), all.end(), 0);
    // Rows of several sequences' decode: positions on both sides of block and tile edges.
    const std::vector<std::vector<int32_t>> row_sets = {
        all, {last, 0, 15, 16, 31, 32, 33}, {17}, {last}};
    for (const BackendPlugin* b : registry_->backends()) {
      std::unique_ptr<Backend> be = Make(*b, 2);
      ASSERT_NE(be, nullptr);
      for (int64_t block_size : {16, 32}) {
        const PagedCache paged = Paginate(p, block_size, static_cast<uint32_t>(block_size));
        for (const std::vector<int32_t>& rows : row_sets) {
          SCOPED_TRACE(std::string(b->name()) + " d=" + std::to_string(shape.head_dim) + " block " +
                       std::to_string(block_size) + ", " + std::to_string(rows.size()) +
                       " rows from position " + std::to_string(rows[0]));
          absl::StatusOr<std::vector<float>> want = RunRows(*be, p, rows, nullptr);
          absl::StatusOr<std::vector<float>> got = RunRows(*be, p, rows, &paged);
          ASSERT_TRUE(want.ok()) << want.status();
          ASSERT_TRUE(got.ok()) << got.status();
          const int64_t i = FirstDiff(*got, *want);
          ASSERT_EQ(i, -1) << "element " << i << ": " << (*got)[i] << " vs " << (*want)[i];
        }
      }
    }
  }
}

// Two sequences' caches in one paged buffer (their blocks interleaved in shuffled slots), and one
// call over rows of both, each row through its own table (row_block_tables): every row gets the
// bits of its sequence's own call over a contiguous cache, on every backend.
TEST_P(AttentionCacheTest, RowsOfSeveralSequencesInOneCall) {
  const Shape shape{8, 2, 64, 45};
  const Problem p1 = MakeProblem(shape, GetParam(), 11), p2 = MakeProblem(shape, GetParam(), 12);
  ASSERT_NE(p1.kv, nullptr);
  ASSERT_NE(p2.kv, nullptr);
  constexpr int64_t kBlock = 16;
  const size_t row = p1.kv->k_row_bytes(), block_bytes = kBlock * row;
  const int64_t n_blocks = (shape.n_ctx + kBlock - 1) / kBlock;
  std::vector<int32_t> slots(2 * n_blocks + 2);
  std::iota(slots.begin(), slots.end(), 0);
  std::mt19937 rng(4);
  std::shuffle(slots.begin(), slots.end(), rng);
  const std::vector<int32_t> t1(slots.begin(), slots.begin() + n_blocks);
  const std::vector<int32_t> t2(slots.begin() + n_blocks, slots.begin() + 2 * n_blocks);
  std::vector<uint8_t> k(slots.size() * block_bytes, 0xFF), v(slots.size() * block_bytes, 0xFF);
  for (const auto& [prob, table] : {std::make_pair(&p1, &t1), std::make_pair(&p2, &t2)}) {
    const auto* pk = static_cast<const uint8_t*>(prob->kv->k(0));
    const auto* pv = static_cast<const uint8_t*>(prob->kv->v(0));
    for (int64_t r = 0; r < shape.n_ctx; ++r) {
      const size_t at = (*table)[r / kBlock] * block_bytes + r % kBlock * row;
      std::memcpy(&k[at], pk + r * row, row);
      std::memcpy(&v[at], pv + r * row, row);
    }
  }
  // Sequence 1: a 3-row chunk at 30..32; sequence 2: one decode row at 44; sequence 1 again not.
  const std::vector<int32_t> rows1 = {30, 31, 32}, rows2 = {44};
  const int64_t width = shape.n_heads * shape.head_dim;
  std::vector<float> q;
  std::vector<int32_t> positions;
  std::vector<const int32_t*> tables;
  for (const auto& [prob, rows, table] :
       {std::make_tuple(&p1, &rows1, &t1), std::make_tuple(&p2, &rows2, &t2)}) {
    for (int32_t t : *rows) {
      q.insert(q.end(), prob->q.begin() + t * width, prob->q.begin() + (t + 1) * width);
      positions.push_back(t);
      tables.push_back(table->data());
    }
  }
  for (const BackendPlugin* b : registry_->backends()) {
    SCOPED_TRACE(b->name());
    std::unique_ptr<Backend> be = Make(*b, 2);
    ASSERT_NE(be, nullptr);
    EdgeAttentionV1 a = Request(p1, positions);
    a.k_cache = k.data();
    a.k_row_bytes = row;
    a.v_cache = v.data();
    a.v_row_bytes = row;
    a.block_size = kBlock;
    a.row_block_tables = tables.data();
    a.k_block_bytes = block_bytes;
    a.v_block_bytes = block_bytes;
    std::vector<float> got(a.n_tokens * width);
    ASSERT_TRUE(be->Attention(a, q.data(), got.data()).ok());
    absl::StatusOr<std::vector<float>> want1 = RunRows(*be, p1, rows1, nullptr);
    absl::StatusOr<std::vector<float>> want2 = RunRows(*be, p2, rows2, nullptr);
    ASSERT_TRUE(want1.ok()) << want1.status();
    ASSERT_TRUE(want2.ok()) << want2.status();
    std::vector<float> want = *want1;
    want.insert(want.end(), want2->begin(), want2->end());
    const int64_t i = FirstDiff(got, want);
    ASSERT_EQ(i, -1) << "element " << i << ": " << got[i] << " vs " << want[i];
  }
}

TEST_F(AttentionTest, PagedCacheBlockSizeMustBeAMultipleOf16) {
  const Shape shape{4, 2, 32, 40};
  Problem p = MakeProblem(shape, kCacheTypeF16, 3);
  ASSERT_NE(p.kv, nullptr);
  PagedCache paged = Paginate(p, 24, 1);  // a valid layout, but not one of whole key tiles
  for (const BackendPlugin* b : registry_->backends()) {
    SCOPED_TRACE(b->name());
    std::unique_ptr<Backend> be = Make(*b, 1);
    ASSERT_NE(be, nullptr);
    absl::StatusOr<std::vector<float>> out = RunRows(*be, p, {0, 39}, &paged);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(out.status().message()),
                ::testing::HasSubstr("block size 24 is not a positive multiple of 16"));
  }
}

}  // namespace
}  // namespace edgellm
