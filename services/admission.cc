#include "services/admission.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace edgellm::server {
namespace {

// How often a waiting request checks whether its caller gave up.
constexpr absl::Duration kCancelPoll = absl::Milliseconds(20);

}  // namespace

absl::StatusOr<Admission::Slot> Admission::Enter(const std::function<bool()>& cancelled) {
  absl::MutexLock lock(&mu_);
  if (active_ < max_active_ && queue_.empty()) {
    ++active_;
    return Slot(this);
  }
  if (static_cast<int>(queue_.size()) >= max_queued_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "server busy: ", active_, " generations running (--max_sessions=", max_active_, ") and ",
        queue_.size(), " waiting (--max_queue=", max_queued_, "); retry later"));
  }
  const uint64_t ticket = next_ticket_++;
  queue_.push_back(ticket);
  const auto my_turn = [this, ticket]() {
    return active_ < max_active_ && queue_.front() == ticket;
  };
  while (!mu_.AwaitWithTimeout(absl::Condition(&my_turn), kCancelPoll)) {
    if (cancelled()) {
      queue_.erase(std::find(queue_.begin(), queue_.end(), ticket));
      return absl::CancelledError("the call was cancelled or its deadline passed while queued");
    }
  }
  queue_.pop_front();
  ++active_;
  return Slot(this);
}

void Admission::Leave() {
  absl::MutexLock lock(&mu_);
  --active_;
}

int Admission::active() const {
  absl::MutexLock lock(&mu_);
  return active_;
}

int Admission::queued() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

}  // namespace edgellm::server
