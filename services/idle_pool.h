// IdlePool and Lease: objects that are expensive to create (backend instances with their thread
// pools, inference contexts with their KV caches) are kept when a request is done and handed to
// the next request with the same key. Each object is used by one request at a time: a Lease owns
// it exclusively and puts it back when destroyed.
#ifndef EDGELLM_SERVICES_IDLE_POOL_H_
#define EDGELLM_SERVICES_IDLE_POOL_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace edgellm::server {

// Thread-safe. Keeps at most `max_idle` objects in all; beyond that a returned object is
// destroyed, so memory stays bounded whatever mix of keys the requests use.
template <typename T>
class IdlePool {
 public:
  explicit IdlePool(size_t max_idle) : max_idle_(max_idle) {}
  IdlePool(const IdlePool&) = delete;
  IdlePool& operator=(const IdlePool&) = delete;

  // An idle object made for `key`, or nullptr when there is none.
  std::unique_ptr<T> Take(const std::string& key) {
    absl::MutexLock lock(&mu_);
    auto it = idle_.find(key);
    if (it == idle_.end() || it->second.empty()) return nullptr;
    std::unique_ptr<T> item = std::move(it->second.back());
    it->second.pop_back();
    --n_idle_;
    return item;
  }

  void Put(const std::string& key, std::unique_ptr<T> item) {
    {
      absl::MutexLock lock(&mu_);
      if (n_idle_ < max_idle_) {
        idle_[key].push_back(std::move(item));
        ++n_idle_;
        return;
      }
    }
    item.reset();  // outside the lock: destroying a backend joins its threads
  }

  size_t idle() const {
    absl::MutexLock lock(&mu_);
    return n_idle_;
  }

 private:
  const size_t max_idle_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<T>>> idle_ ABSL_GUARDED_BY(mu_);
  size_t n_idle_ ABSL_GUARDED_BY(mu_) = 0;
};

// Exclusive use of one pooled object; returns it to its pool on destruction. Movable.
template <typename T>
class Lease {
 public:
  Lease(IdlePool<T>* pool, std::string key, std::unique_ptr<T> item)
      : pool_(pool), key_(std::move(key)), item_(std::move(item)) {}
  Lease(Lease&& other) noexcept = default;
  Lease& operator=(Lease&& other) noexcept {
    if (this != &other) {
      Return();
      pool_ = other.pool_;
      key_ = std::move(other.key_);
      item_ = std::move(other.item_);
    }
    return *this;
  }
  ~Lease() { Return(); }

  T* get() const { return item_.get(); }
  T* operator->() const { return item_.get(); }
  T& operator*() const { return *item_; }

 private:
  void Return() {
    if (item_ != nullptr) pool_->Put(key_, std::move(item_));
  }

  IdlePool<T>* pool_;
  std::string key_;
  std::unique_ptr<T> item_;
};

}  // namespace edgellm::server

#endif  // EDGELLM_SERVICES_IDLE_POOL_H_
