// PrefixCache: lookups follow whole-block prefixes, references are counted, eviction takes the
// least recently used entry nobody holds, and the size bound holds.
#include "core/model/prefix_cache.h"

#include <memory>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/plugins_fixture.h"

namespace edgellm {
namespace {

constexpr int64_t B = KvPool::kBlockSize;

class PrefixCacheTest : public testing::PluginsTest {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<KvPool>> pool =
        KvPool::Create(*registry_, kCacheTypeF16, kCacheTypeF16, 1, 8, 1, 4);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
  }

  // n tokens counting up from `first`.
  static std::vector<int32_t> Tokens(int64_t n, int32_t first) {
    std::vector<int32_t> t(static_cast<size_t>(n));
    std::iota(t.begin(), t.end(), first);
    return t;
  }

  // Blocks for n whole blocks, as a sequence would hold them.
  std::vector<int32_t> Take(int64_t n) {
    std::vector<int32_t> b;
    for (int64_t i = 0; i < n; ++i) b.push_back(pool_->Allocate());
    return b;
  }

  std::unique_ptr<KvPool> pool_;
};

TEST_F(PrefixCacheTest, FindsTheLongestCachedPrefixOfWholeBlocks) {
  PrefixCache cache(*pool_, 8);
  const std::vector<int32_t> a = Tokens(3 * B + 5, 100);  // 3 whole blocks and a tail
  std::vector<int32_t> blocks = Take(4);
  cache.Insert("cpu", a, blocks);
  EXPECT_EQ(cache.size(), 3);  // the partial tail block is not cached
  pool_->Release(blocks);      // the sequence ends; the cache keeps its 3 blocks
  EXPECT_EQ(pool_->free_blocks(), 8 - 3);

  // Same first 2 blocks, then other tokens: 2 blocks found, each with a reference for the caller.
  std::vector<int32_t> b = Tokens(2 * B, 100);
  const std::vector<int32_t> tail = Tokens(B, 900);
  b.insert(b.end(), tail.begin(), tail.end());
  std::vector<int32_t> hit = cache.Lookup("cpu", b, 10);
  ASSERT_EQ(hit.size(), 2u);
  EXPECT_EQ(hit[0], blocks[0]);
  EXPECT_EQ(hit[1], blocks[1]);
  EXPECT_EQ(pool_->ref_count(hit[0]), 2);
  EXPECT_EQ(cache.hits(), 2);
  // max_blocks bounds the match; another space (backend) or first block finds nothing.
  EXPECT_EQ(cache.Lookup("cpu", a, 1).size(), 1u);
  pool_->Release(blocks[0]);
  EXPECT_TRUE(cache.Lookup("other", a, 10).empty());
  EXPECT_TRUE(cache.Lookup("cpu", Tokens(3 * B, 101), 10).empty());
  pool_->Release(hit);
}

TEST_F(PrefixCacheTest, EvictsTheLeastRecentlyUsedIdleEntryLongestPrefixFirst) {
  PrefixCache cache(*pool_, 8);
  const std::vector<int32_t> a = Tokens(2 * B, 1), b = Tokens(2 * B, 500);
  std::vector<int32_t> ba = Take(2), bb = Take(2);
  cache.Insert("cpu", a, ba);
  cache.Insert("cpu", b, bb);
  pool_->Release(ba);
  // b's blocks are still held by their sequence: not evictable.
  ASSERT_TRUE(cache.EvictOne());  // a's second block goes before its first
  EXPECT_EQ(cache.size(), 3);
  EXPECT_EQ(cache.Lookup("cpu", a, 10).size(), 1u);
  pool_->Release(ba[0]);
  ASSERT_TRUE(cache.EvictOne());
  EXPECT_EQ(cache.size(), 2);
  EXPECT_FALSE(cache.EvictOne()) << "b's blocks are in use";
  pool_->Release(bb);
  EXPECT_TRUE(cache.EvictOne());
  EXPECT_TRUE(cache.EvictOne());
  EXPECT_EQ(cache.size(), 0);
  EXPECT_EQ(pool_->free_blocks(), 8);
}

TEST_F(PrefixCacheTest, KeepsAtMostItsBoundAndReleasesOnDestruction) {
  {
    PrefixCache cache(*pool_, 2);
    std::vector<int32_t> blocks = Take(4);
    cache.Insert("cpu", Tokens(4 * B, 7), blocks);
    EXPECT_EQ(cache.size(), 2);
    pool_->Release(blocks);
    EXPECT_EQ(pool_->free_blocks(), 6);
  }
  EXPECT_EQ(pool_->free_blocks(), 8);
  PrefixCache off(*pool_, 0);
  std::vector<int32_t> blocks = Take(1);
  off.Insert("cpu", Tokens(B, 7), blocks);
  EXPECT_EQ(off.size(), 0);
  pool_->Release(blocks);
}

}  // namespace
}  // namespace edgellm
