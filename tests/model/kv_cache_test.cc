// KvCache: layout, quantized writes, truncation and the refusals of Create.
#include "core/model/kv_cache.h"

#include <memory>
#include <vector>

#include "core/plugin/plugin_paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/plugins_fixture.h"

namespace edgellm {
namespace {

using ::testing::HasSubstr;

class KvCacheTest : public testing::PluginsTest {
 protected:
  // The default backend, which does the cache writes (EdgeBackendV1::kv_write).
  static std::unique_ptr<Backend> MakeBackend() {
    absl::StatusOr<std::unique_ptr<Backend>> b = registry_->DefaultBackend()->Create(1);
    EXPECT_TRUE(b.ok()) << b.status();
    return b.ok() ? std::move(*b) : nullptr;
  }
};

TEST_F(KvCacheTest, F32RowsReadBackExactly) {
  absl::StatusOr<std::unique_ptr<KvCache>> kv =
      KvCache::Create(*registry_, kCacheTypeF32, 3, 8, 2, 4);
  ASSERT_TRUE(kv.ok()) << kv.status();
  KvCache& c = **kv;
  EXPECT_EQ(c.n_layer(), 3);
  EXPECT_EQ(c.n_ctx(), 8);
  EXPECT_EQ(c.n_past(), 0);
  EXPECT_EQ(c.row_bytes(), 8 * sizeof(float));
  EXPECT_EQ(c.size_bytes(), 3u * 2 * 8 * 8 * sizeof(float));
  std::vector<float> k(16), v(16);
  for (int i = 0; i < 16; ++i) {
    k[i] = 0.5f * i;
    v[i] = -1.0f * i;
  }
  std::unique_ptr<Backend> be = MakeBackend();
  ASSERT_NE(be, nullptr);
  ASSERT_TRUE(c.Write(*be, 1, 5, 2, k.data(), v.data()).ok());  // positions 5, 6 of layer 1
  const float* kr = static_cast<const float*>(c.k(1)) + 5 * 8;
  const float* vr = static_cast<const float*>(c.v(1)) + 5 * 8;
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(kr[i], k[i]);
    EXPECT_EQ(vr[i], v[i]);
  }
  EXPECT_EQ(c.n_past(), 0);  // Write does not commit
  c.Commit(7);
  EXPECT_EQ(c.n_past(), 7);
}

TEST_F(KvCacheTest, F16IsTheFormatsRounding) {
  absl::StatusOr<std::unique_ptr<KvCache>> kv =
      KvCache::Create(*registry_, kCacheTypeF16, 1, 4, 1, 4);
  ASSERT_TRUE(kv.ok()) << kv.status();
  EXPECT_EQ((*kv)->row_bytes(), 4 * 2u);
  EXPECT_EQ((*kv)->vec_dot_format().type_id(), kCacheTypeF16);
  const std::vector<float> k = {1.0f, 1.0f / 3.0f, -2.5f, 65504.0f};
  std::unique_ptr<Backend> be = MakeBackend();
  ASSERT_NE(be, nullptr);
  ASSERT_TRUE((*kv)->Write(*be, 0, 0, 1, k.data(), k.data()).ok());
  std::vector<float> back(4);
  (*kv)->format().ToFloat((*kv)->k(0), back.data(), 4);
  EXPECT_EQ(back[0], 1.0f);
  EXPECT_EQ(back[1], 0.333251953125f);  // nearest half
  EXPECT_EQ(back[2], -2.5f);
  EXPECT_EQ(back[3], 65504.0f);
}

TEST_F(KvCacheTest, TruncateAndClear) {
  absl::StatusOr<std::unique_ptr<KvCache>> kv =
      KvCache::Create(*registry_, kCacheTypeF16, 1, 4, 1, 4);
  ASSERT_TRUE(kv.ok()) << kv.status();
  (*kv)->Commit(3);
  EXPECT_EQ((*kv)->Truncate(4).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*kv)->Truncate(-1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE((*kv)->Truncate(1).ok());
  EXPECT_EQ((*kv)->n_past(), 1);
  (*kv)->Clear();
  EXPECT_EQ((*kv)->n_past(), 0);
}

TEST_F(KvCacheTest, Q8_0NeedsWholeBlocksPerHead) {
  absl::StatusOr<std::unique_ptr<KvCache>> ok =
      KvCache::Create(*registry_, kCacheTypeQ8_0, 1, 4, 2, 64);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->row_bytes(), 4 * 34u);  // 128 values: 4 blocks of 34 bytes
  absl::StatusOr<std::unique_ptr<KvCache>> bad =
      KvCache::Create(*registry_, kCacheTypeQ8_0, 1, 4, 4, 8);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("head size (8)"));
}

TEST_F(KvCacheTest, RefusesBadSizesAndUnknownTypes) {
  EXPECT_EQ(KvCache::Create(*registry_, kCacheTypeF16, 0, 4, 1, 4).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KvCache::Create(*registry_, kCacheTypeF16, 1, -4, 1, 4).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status s = KvCache::Create(*registry_, 99, 1, 4, 1, 4).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("KV cache type"));
  // Too large to allocate: refused with a status, not a crash.
  s = KvCache::Create(*registry_, kCacheTypeF32, int64_t{1} << 30, int64_t{1} << 30, 1, 1 << 20)
          .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace edgellm
