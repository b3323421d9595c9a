// PrefixCache: KV blocks of prompts already evaluated, found again by their tokens.
//
// A full block (KvPool::kBlockSize positions) is cached under its tokens and the cached block
// before it, so an entry stands for a whole prefix, as vLLM's automatic prefix caching does. A
// new sequence whose prompt starts with cached blocks takes them (one more reference each)
// instead of evaluating those positions again. Entries are keyed by a namespace too (the backend
// that computed them: other kernels give other bits). The cache holds one reference per block;
// when the pool runs out, the scheduler evicts the least recently used entry that no sequence is
// using (EvictOne). Thread-safe.
#ifndef EDGELLM_CORE_MODEL_PREFIX_CACHE_H_
#define EDGELLM_CORE_MODEL_PREFIX_CACHE_H_

#include <cstdint>
#include <list>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "core/model/kv_pool.h"

namespace edgellm {

class PrefixCache {
 public:
  // `pool` must outlive the cache. max_blocks >= 0: the most blocks it keeps (the least recently
  // used entry goes first beyond that).
  PrefixCache(KvPool& pool, int64_t max_blocks);
  ~PrefixCache();
  PrefixCache(const PrefixCache&) = delete;
  PrefixCache& operator=(const PrefixCache&) = delete;

  // The blocks of the longest cached prefix of `tokens` made of at most max_blocks whole blocks,
  // in `space`; each comes with a reference the caller must release (KvPool::Release).
  std::vector<int32_t> Lookup(const std::string& space, absl::Span<const int32_t> tokens,
                              int64_t max_blocks);

  // Caches blocks[i], which holds tokens[i * kBlockSize, (i + 1) * kBlockSize) after the
  // prefix in blocks[0, i), for every whole block of `tokens` (blocks covers them). Blocks
  // already cached for the same prefix stay as they are.
  void Insert(const std::string& space, absl::Span<const int32_t> tokens,
              absl::Span<const int32_t> blocks);

  // Drops the least recently used entry whose block no sequence holds. False when there is none.
  bool EvictOne();

  int64_t size() const;  // blocks cached
  int64_t hits() const;  // blocks handed out by Lookup, ever

 private:
  struct Entry {
    int64_t id;
    int32_t block;
    std::string key;
    std::list<int64_t>::iterator lru;  // position in lru_ (front: least recently used)
  };

  // The key of the block after the entry `parent` (0: none) holding `tokens`.
  static std::string Key(const std::string& space, int64_t parent,
                         absl::Span<const int32_t> tokens);
  void Touch(Entry& e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Drop(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  KvPool& pool_;
  const int64_t max_blocks_;
  mutable absl::Mutex mu_;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, int64_t> by_key_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<int64_t, Entry> by_id_ ABSL_GUARDED_BY(mu_);
  std::list<int64_t> lru_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_MODEL_PREFIX_CACHE_H_
