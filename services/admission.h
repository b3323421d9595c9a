// Admission: bounds the generations that run at once (each holds a KV cache and a backend
// instance) and the requests that wait for one; beyond both, a request is refused at once so a
// client can back off instead of piling up on the server.
#ifndef EDGELLM_SERVICES_ADMISSION_H_
#define EDGELLM_SERVICES_ADMISSION_H_

#include <cstdint>
#include <deque>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace edgellm::server {

class Admission {
 public:
  // max_active >= 1 sessions run at once; max_queued >= 0 more may wait.
  Admission(int max_active, int max_queued) : max_active_(max_active), max_queued_(max_queued) {}
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  // A running session; frees its place on destruction. Movable.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : admission_(other.admission_) { other.admission_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (admission_ != nullptr) admission_->Leave();
    }

   private:
    friend class Admission;
    explicit Slot(Admission* admission) : admission_(admission) {}
    Admission* admission_;
  };

  // Takes a place at once when fewer than max_active sessions run; else waits, first come first
  // served, when fewer than max_queued requests wait already. `cancelled` is polled while
  // waiting (the caller's cancellation or deadline). Errors: ResourceExhausted when every place
  // and every queue position is taken; Cancelled when `cancelled` returns true while waiting.
  absl::StatusOr<Slot> Enter(const std::function<bool()>& cancelled);

  int active() const;
  int queued() const;

 private:
  void Leave();

  const int max_active_;
  const int max_queued_;
  mutable absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<uint64_t> queue_ ABSL_GUARDED_BY(mu_);  // tickets of waiting requests, in order
};

}  // namespace edgellm::server

#endif  // EDGELLM_SERVICES_ADMISSION_H_
