// KvPool: layout, writes through a block table, reference counts and the refusals of Create.
#include "core/model/kv_pool.h"

#include <cstring>
#include <memory>
#include <vector>

#include "core/plugin/plugin_paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/plugins_fixture.h"

namespace edgellm {
namespace {

using ::testing::HasSubstr;

class KvPoolTest : public testing::PluginsTest {
 protected:
  // The default backend, which does the cache writes (EdgeBackendV1::kv_write).
  static std::unique_ptr<Backend> MakeBackend() {
    absl::StatusOr<std::unique_ptr<Backend>> b = registry_->DefaultBackend()->Create(1);
    EXPECT_TRUE(b.ok()) << b.status();
    return b.ok() ? std::move(*b) : nullptr;
  }
};

TEST_F(KvPoolTest, F32RowsReadBackThroughTheBlockTable) {
  absl::StatusOr<std::unique_ptr<KvPool>> pool =
      KvPool::Create(*registry_, kCacheTypeF32, kCacheTypeF32, 3, 4, 2, 4);
  ASSERT_TRUE(pool.ok()) << pool.status();
  KvPool& p = **pool;
  EXPECT_EQ(p.n_layer(), 3);
  EXPECT_EQ(p.n_blocks(), 4);
  EXPECT_EQ(p.k_row_bytes(), 8 * sizeof(float));
  EXPECT_EQ(p.k_block_bytes(), KvPool::kBlockSize * 8 * sizeof(float));
  EXPECT_EQ(p.size_bytes(), 3u * 2 * 4 * p.k_block_bytes());
  EXPECT_EQ(p.bytes_per_block(), 3u * 2 * p.k_block_bytes());
  EXPECT_EQ(p.bytes_per_position(), 3u * 2 * p.k_row_bytes());
  // Positions 14..17 of a sequence whose blocks are 2 then 0: they straddle two blocks.
  const std::vector<int32_t> table = {2, 0};
  std::vector<float> k(32), v(32);
  for (int i = 0; i < 32; ++i) {
    k[i] = 0.5f * i;
    v[i] = -1.0f * i;
  }
  std::unique_ptr<Backend> be = MakeBackend();
  ASSERT_NE(be, nullptr);
  ASSERT_TRUE(p.Write(*be, 1, table, 14, 4, k.data(), v.data()).ok());
  for (int r = 0; r < 4; ++r) {
    const int64_t pos = 14 + r;
    const size_t at = table[pos / KvPool::kBlockSize] * p.k_block_bytes() +
                      pos % KvPool::kBlockSize * p.k_row_bytes();  // K and V are both F32 here
    const auto* kr = reinterpret_cast<const float*>(p.k(1) + at);
    const auto* vr = reinterpret_cast<const float*>(p.v(1) + at);
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(kr[i], k[r * 8 + i]) << "position " << pos;
      EXPECT_EQ(vr[i], v[r * 8 + i]) << "position " << pos;
    }
  }
}

TEST_F(KvPoolTest, F16IsTheFormatsRounding) {
  absl::StatusOr<std::unique_ptr<KvPool>> pool =
      KvPool::Create(*registry_, kCacheTypeF16, kCacheTypeF16, 1, 1, 1, 4);
  ASSERT_TRUE(pool.ok()) << pool.status();
  EXPECT_EQ((*pool)->k_row_bytes(), 4 * 2u);
  EXPECT_EQ((*pool)->vec_dot_format().type_id(), kCacheTypeF16);
  const std::vector<float> k = {1.0f, 1.0f / 3.0f, -2.5f, 65504.0f};
  std::unique_ptr<Backend> be = MakeBackend();
  ASSERT_NE(be, nullptr);
  const std::vector<int32_t> table = {0};
  ASSERT_TRUE((*pool)->Write(*be, 0, table, 0, 1, k.data(), k.data()).ok());
  std::vector<float> back(4);
  (*pool)->k_format().ToFloat((*pool)->k(0), back.data(), 4);
  EXPECT_EQ(back[0], 1.0f);
  EXPECT_EQ(back[1], 0.333251953125f);  // nearest half
  EXPECT_EQ(back[2], -2.5f);
  EXPECT_EQ(back[3], 65504.0f);
}

// K and V in their own types (llama.cpp's -ctk/-ctv): each row written in its type, V after K.
TEST_F(KvPoolTest, KAndVHaveTheirOwnTypes) {
  absl::StatusOr<std::unique_ptr<KvPool>> pool =
      KvPool::Create(*registry_, kCacheTypeQ8_0, kCacheTypeF16, 2, 3, 1, 32);
  ASSERT_TRUE(pool.ok()) << pool.status();
  KvPool& p = **pool;
  EXPECT_EQ(p.k_format().type_id(), kCacheTypeQ8_0);
  EXPECT_EQ(p.v_format().type_id(), kCacheTypeF16);
  EXPECT_EQ(p.vec_dot_format().type_id(), kCacheTypeQ8_0);
  EXPECT_EQ(p.k_row_bytes(), 34u);  // one q8_0 block
  EXPECT_EQ(p.v_row_bytes(), 64u);
  EXPECT_EQ(p.bytes_per_position(), 2u * (34 + 64));
  EXPECT_EQ(p.size_bytes(), 3u * KvPool::kBlockSize * p.bytes_per_position());
  EXPECT_EQ(p.v(1) - p.k(1), static_cast<std::ptrdiff_t>(3 * p.k_block_bytes()));
  std::vector<float> k(32), v(32);
  for (int i = 0; i < 32; ++i) {
    k[i] = 0.25f * i - 3.0f;
    v[i] = 1.0f / (i + 1);
  }
  std::unique_ptr<Backend> be = MakeBackend();
  ASSERT_NE(be, nullptr);
  const std::vector<int32_t> table = {2};
  ASSERT_TRUE(p.Write(*be, 1, table, 5, 1, k.data(), v.data()).ok());
  std::vector<uint8_t> want_k(34);
  p.k_format().FromFloatRef(k.data(), want_k.data(), 32);
  EXPECT_EQ(std::memcmp(p.k(1) + 2 * p.k_block_bytes() + 5 * 34, want_k.data(), 34), 0);
  std::vector<float> back(32);
  p.v_format().ToFloat(p.v(1) + 2 * p.v_block_bytes() + 5 * 64, back.data(), 32);
  EXPECT_EQ(back[0], 1.0f);
  EXPECT_EQ(back[2], 0.333251953125f);
  // A V type only needs to_float; a K type needs a vec_dot, and whole blocks per head for both.
  absl::Status s = KvPool::Create(*registry_, kCacheTypeF16, kCacheTypeQ8_0, 1, 1, 1, 16).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("q8_0 needs the head size (16)"));
}

TEST_F(KvPoolTest, BlocksAreReferenceCounted) {
  absl::StatusOr<std::unique_ptr<KvPool>> pool =
      KvPool::Create(*registry_, kCacheTypeF16, kCacheTypeF16, 1, 2, 1, 4);
  ASSERT_TRUE(pool.ok()) << pool.status();
  KvPool& p = **pool;
  EXPECT_EQ(p.free_blocks(), 2);
  const int32_t a = p.Allocate();
  const int32_t b = p.Allocate();
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  EXPECT_NE(a, b);
  EXPECT_EQ(p.Allocate(), -1);  // all taken
  p.Ref(a);
  EXPECT_EQ(p.ref_count(a), 2);
  p.Release(a);
  EXPECT_EQ(p.free_blocks(), 0);  // still held once
  p.Release(a);
  EXPECT_EQ(p.free_blocks(), 1);
  EXPECT_EQ(p.Allocate(), a);  // the freed block comes back
  p.Release({a, b});
  EXPECT_EQ(p.free_blocks(), 2);
  EXPECT_EQ(KvPool::BlocksFor(0), 0);
  EXPECT_EQ(KvPool::BlocksFor(1), 1);
  EXPECT_EQ(KvPool::BlocksFor(KvPool::kBlockSize + 1), 2);
}

TEST_F(KvPoolTest, Q8_0NeedsWholeBlocksPerHead) {
  absl::StatusOr<std::unique_ptr<KvPool>> ok =
      KvPool::Create(*registry_, kCacheTypeQ8_0, kCacheTypeQ8_0, 1, 4, 2, 64);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->k_row_bytes(), 4 * 34u);  // 128 values: 4 blocks of 34 bytes
  absl::StatusOr<std::unique_ptr<KvPool>> bad =
      KvPool::Create(*registry_, kCacheTypeQ8_0, kCacheTypeQ8_0, 1, 4, 4, 8);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("head size (8)"));
}

TEST_F(KvPoolTest, RefusesBadSizesAndUnknownTypes) {
  EXPECT_EQ(KvPool::Create(*registry_, kCacheTypeF16, kCacheTypeF16, 0, 4, 1, 4).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KvPool::Create(*registry_, kCacheTypeF16, kCacheTypeF16, 1, -4, 1, 4).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status s = KvPool::Create(*registry_, 99, 99, 1, 4, 1, 4).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("KV cache type"));
  // Too large to allocate: refused with a status, not a crash.
  s = KvPool::Create(*registry_, kCacheTypeF32, kCacheTypeF32, int64_t{1} << 30, int64_t{1} << 26,
                     1, 1 << 20)
          .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace edgellm
