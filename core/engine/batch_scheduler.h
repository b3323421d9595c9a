// BatchScheduler: continuous batching. Many generations share each forward pass of one backend
// instance: every step evaluates the next token of each running sequence plus chunks of the
// prompts still filling, up to a token budget, in one ForwardPass (each weight read once per step
// for all of them); then each sequence samples and streams (Orca, Yu et al. 2022; chunked prefill
// as Sarathi-Serve, Agrawal et al. 2024).
//
// Batch invariance: a stream's tokens and logits are bit-identical to the same request run alone
// (Generate on an InferenceContext), whatever shares its steps and whenever it arrived: prompt
// rows keep prefill numerics, decode rows vec_dot's (forward_pass.h), chunks are never one token.
//
// Memory: sequences take KvPool blocks as they grow. A request waits for blocks for its prompt
// (first come, first served); one that could never fit is refused. When a running sequence needs
// a block and the pool (after evicting idle prefix-cache entries) has none, the sequence admitted
// last is preempted: its blocks go back to the pool and it waits at the head of the queue; when
// readmitted it evaluates its tokens again (prompt rows as prefill, generated rows as decode, so
// with the same bits) and goes on. Its client sees a pause, never a changed or lost token.
//
// Prefix cache: whole prompt blocks (and generated ones, when every weight's batched kernel gives
// vec_dot's bits, so that a prompt would recompute them identically) are cached as they fill;
// a new prompt starting with cached blocks skips them, leaving 2+ prompt tokens to evaluate.
#ifndef EDGELLM_CORE_ENGINE_BATCH_SCHEDULER_H_
#define EDGELLM_CORE_ENGINE_BATCH_SCHEDULER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/backend.h"
#include "core/engine/generation.h"
#include "core/model/forward_pass.h"
#include "core/model/kv_pool.h"
#include "core/model/model.h"
#include "core/model/prefix_cache.h"
#include "core/tokenizer/tokenizer.h"

namespace edgellm {

struct SchedulerOptions {
  int64_t n_ctx = 4096;       // most positions one sequence takes (capped at the pool's)
  int64_t step_tokens = 512;  // most tokens one pass evaluates (>= 4)
  int max_sequences = 16;     // sequences running at once (>= 1)
  // While streams decode, prompt chunks are sized so that a step takes about this many times a
  // decode-only step (the decoding streams' inter-token latency), from the measured cost of each;
  // 0: no bound, prompt chunks fill step_tokens.
  double max_itl_factor = 3.0;
};

struct SchedulerStats {
  int64_t steps = 0;        // forward passes run
  int64_t preemptions = 0;  // sequences sent back to the queue for want of KV blocks
  int64_t max_batch = 0;    // most sequences in one pass
};

class BatchScheduler {
 public:
  // Starts the step thread, which owns `backend`. `model`, `tokenizer`, `pool` and `cache` (null:
  // no prefix cache) must outlive the scheduler; `cache_space` keys its entries (the backend).
  BatchScheduler(const Model& model, const Tokenizer& tokenizer, KvPool& pool, PrefixCache* cache,
                 std::string cache_space, std::unique_ptr<Backend> backend,
                 const SchedulerOptions& options);
  // Ends every queued and running generation with Unavailable and joins the step thread.
  ~BatchScheduler();
  BatchScheduler(const BatchScheduler&) = delete;
  BatchScheduler& operator=(const BatchScheduler&) = delete;

  // Runs one generation in the shared passes and blocks until it is over. `on_chunk` runs on the
  // calling thread (a slow client never stalls the others); returning false cancels it before its
  // next step, as does `cancelled` (polled every few milliseconds; may be empty). Errors: those of
  // Generation::Start (context options.n_ctx); ResourceExhausted when the prompt needs more KV
  // blocks than the pool has; the backend's errors (FailedPrecondition) of a pass it was in;
  // Unavailable when the scheduler shuts down first.
  absl::StatusOr<GenerateResult> Generate(const GenerateRequest& request,
                                          const ChunkCallback& on_chunk,
                                          const std::function<bool()>& cancelled);

  // Most positions one sequence takes: options.n_ctx, at most what the pool holds.
  int64_t n_ctx() const { return n_ctx_; }
  SchedulerStats stats() const;

 private:
  struct Stream;

  void Loop();
  // Admits queued streams while there are places and KV blocks; returns whether any is running.
  void Admit();
  // One forward pass over the running streams; false when there was nothing to run.
  bool RunStep();
  // Most prompt tokens this step may take beside n_decode decode rows.
  int64_t PrefillBudget(int64_t n_decode) const;
  // A free block, evicting idle prefix-cache entries when needed; -1 when there is none.
  int32_t AllocateBlock();
  bool Grow(Stream& s, int64_t n_positions);
  void Preempt(Stream& s);
  void CacheBlocks(Stream& s);
  // Ends a stream: its result (or error) goes to the caller, its blocks back to the pool.
  void Complete(Stream& s, absl::Status error, bool cancelled);
  // Where prompt rows end: positions below it have prefill numerics.
  static int64_t PrefillEnd(const Stream& s);

  const Model& model_;
  const Tokenizer& tokenizer_;
  KvPool& pool_;
  PrefixCache* const cache_;
  const std::string cache_space_;
  std::unique_ptr<Backend> backend_;
  const SchedulerOptions options_;
  const int64_t n_ctx_;
  bool all_exact_ = false;  // every layer weight's batched kernel gives vec_dot's bits
  // Moving averages of a decode-only step and of one prompt token's share of a step (ms; < 0
  // until measured), for the prompt chunk size while streams decode.
  double decode_step_ms_ = -1.0;
  double prefill_token_ms_ = -1.0;
  ForwardPass pass_;

  // Step-thread state.
  std::deque<std::shared_ptr<Stream>> waiting_;
  std::vector<std::shared_ptr<Stream>> running_;
  uint64_t next_order_ = 0;

  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::shared_ptr<Stream>> incoming_ ABSL_GUARDED_BY(mu_);
  SchedulerStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_ENGINE_BATCH_SCHEDULER_H_
