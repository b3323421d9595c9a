#include "core/model/prefix_cache.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace edgellm {

PrefixCache::PrefixCache(KvPool& pool, int64_t max_blocks)
    : pool_(pool), max_blocks_(std::max<int64_t>(0, max_blocks)) {}

PrefixCache::~PrefixCache() {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, e] : by_id_) pool_.Release(e.block);
}

std::string PrefixCache::Key(const std::string& space, int64_t parent,
                             absl::Span<const int32_t> tokens) {
  std::string key = absl::StrCat(space, "/", parent, "/");
  key.append(reinterpret_cast<const char*>(tokens.data()), tokens.size() * sizeof(int32_t));
  return key;
}

void PrefixCache::Touch(Entry& e) { lru_.splice(lru_.end(), lru_, e.lru); }

void PrefixCache::Drop(int64_t id) {
  auto it = by_id_.find(id);
  pool_.Release(it->second.block);
  by_key_.erase(it->second.key);
  lru_.erase(it->second.lru);
  by_id_.erase(it);
}

std::vector<int32_t> PrefixCache::Lookup(const std::string& space, absl::Span<const int32_t> tokens,
                                         int64_t max_blocks) {
  std::vector<int32_t> blocks;
  std::vector<Entry*> chain;
  absl::MutexLock lock(&mu_);
  const int64_t whole = std::min<int64_t>(max_blocks, tokens.size() / KvPool::kBlockSize);
  int64_t parent = 0;
  for (int64_t i = 0; i < whole; ++i) {
    auto k = by_key_.find(
        Key(space, parent, tokens.subspan(i * KvPool::kBlockSize, KvPool::kBlockSize)));
    if (k == by_key_.end()) break;
    Entry& e = by_id_.at(k->second);
    pool_.Ref(e.block);
    blocks.push_back(e.block);
    chain.push_back(&e);
    parent = e.id;
  }
  // Later blocks are older in the LRU order than their prefixes: a prefix is never evicted
  // before the blocks that extend it.
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) Touch(**it);
  hits_ += static_cast<int64_t>(blocks.size());
  return blocks;
}

void PrefixCache::Insert(const std::string& space, absl::Span<const int32_t> tokens,
                         absl::Span<const int32_t> blocks) {
  if (max_blocks_ == 0) return;
  std::vector<int64_t> chain;
  absl::MutexLock lock(&mu_);
  const int64_t whole = static_cast<int64_t>(tokens.size()) / KvPool::kBlockSize;
  int64_t parent = 0;
  for (int64_t i = 0; i < whole; ++i) {
    std::string key =
        Key(space, parent, tokens.subspan(i * KvPool::kBlockSize, KvPool::kBlockSize));
    auto k = by_key_.find(key);
    if (k == by_key_.end()) {
      const int64_t id = next_id_++;
      pool_.Ref(blocks[i]);
      Entry e{id, blocks[i], key, lru_.insert(lru_.end(), id)};
      by_key_.emplace(std::move(key), id);
      by_id_.emplace(id, std::move(e));
      parent = id;
    } else {
      parent = k->second;
    }
    chain.push_back(parent);
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) Touch(by_id_.at(*it));
  while (static_cast<int64_t>(by_id_.size()) > max_blocks_) Drop(lru_.front());
}

bool PrefixCache::EvictOne() {
  absl::MutexLock lock(&mu_);
  for (int64_t id : lru_) {
    if (pool_.ref_count(by_id_.at(id).block) == 1) {
      Drop(id);
      return true;
    }
  }
  return false;
}

int64_t PrefixCache::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(by_id_.size());
}

int64_t PrefixCache::hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

}  // namespace edgellm
