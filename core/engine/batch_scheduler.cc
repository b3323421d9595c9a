#include "core/engine/batch_scheduler.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace edgellm {

// One generation, shared by its caller's thread (chunks, result, cancel) and the step thread
// (everything else).
struct BatchScheduler::Stream {
  absl::Mutex mu;
  std::deque<GenerateChunk> chunks ABSL_GUARDED_BY(mu);
  bool done ABSL_GUARDED_BY(mu) = false;
  absl::StatusOr<GenerateResult> result ABSL_GUARDED_BY(mu);
  std::atomic<bool> cancel{false};

  std::unique_ptr<Generation> gen;
  std::vector<int32_t> tokens;  // the prompt, then every sampled token
  int64_t n_prompt = 0;
  int64_t n_computed = 0;  // positions whose KV rows are in `blocks`
  std::vector<int32_t> blocks;
  int64_t n_cached_blocks = 0;  // leading blocks already in the prefix cache
  bool admitted_once = false;
  bool started = false;  // the prompt's logits came
  uint64_t order = 0;    // admission order: the last admitted is preempted first
  std::vector<float> logits;

  // Queues a chunk for the caller; false once the caller cancelled.
  bool Push(const GenerateChunk& chunk) {
    absl::MutexLock lock(&mu);
    chunks.push_back(chunk);
    return !cancel.load();
  }
};

BatchScheduler::BatchScheduler(const Model& model, const Tokenizer& tokenizer, KvPool& pool,
                               PrefixCache* cache, std::string cache_space,
                               std::unique_ptr<Backend> backend, const SchedulerOptions& options)
    : model_(model),
      tokenizer_(tokenizer),
      pool_(pool),
      cache_(cache),
      cache_space_(std::move(cache_space)),
      backend_(std::move(backend)),
      options_(options),
      n_ctx_(std::min(options.n_ctx, pool.n_blocks() * KvPool::kBlockSize)),
      pass_(model, pool) {
  all_exact_ = true;
  for (const LayerWeights& w : model.layers()) {
    for (const EdgeMatrixV1* m :
         {&w.wq, &w.wk, &w.wv, &w.wo, &w.ffn_gate, &w.ffn_up, &w.ffn_down}) {
      const QuantFormat* f = model.registry().FindFormat(m->format->type_id);
      all_exact_ = all_exact_ && f != nullptr && backend_->BatchMatchesVecDot(*f);
    }
  }
  thread_ = std::thread([this] { Loop(); });
}

BatchScheduler::~BatchScheduler() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

SchedulerStats BatchScheduler::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

int64_t BatchScheduler::PrefillEnd(const Stream& s) { return s.n_prompt >= 2 ? s.n_prompt : 0; }

absl::StatusOr<GenerateResult> BatchScheduler::Generate(const GenerateRequest& request,
                                                        const ChunkCallback& on_chunk,
                                                        const std::function<bool()>& cancelled) {
  absl::StatusOr<std::unique_ptr<Generation>> gen =
      Generation::Start(tokenizer_, request, options_.n_ctx);
  if (!gen.ok()) return gen.status();
  auto s = std::make_shared<Stream>();
  s->gen = *std::move(gen);
  s->tokens = s->gen->prompt_tokens();
  s->n_prompt = static_cast<int64_t>(s->tokens.size());
  const int64_t needed = KvPool::BlocksFor(s->n_prompt + 1);
  if (needed > pool_.n_blocks()) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the prompt's %d tokens need %d KV blocks of %d positions, and the KV pool holds %d "
        "(%d positions): shorten the prompt or give the server a larger KV pool",
        s->n_prompt, needed, KvPool::kBlockSize, pool_.n_blocks(),
        pool_.n_blocks() * KvPool::kBlockSize));
  }
  // A sequence alone always finds its blocks: it never grows past the pool.
  s->gen->LimitContext(n_ctx_);
  s->logits.resize(static_cast<size_t>(model_.n_vocab()));
  {
    absl::MutexLock lock(&mu_);
    if (stop_) return absl::UnavailableError("the server is shutting down");
    incoming_.push_back(s);
  }
  while (true) {
    std::deque<GenerateChunk> chunks;
    bool done = false;
    {
      absl::MutexLock lock(&s->mu);
      const auto ready = [&s]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
        return s->done || !s->chunks.empty();
      };
      s->mu.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(10));
      chunks.swap(s->chunks);
      done = s->done;
    }
    for (const GenerateChunk& chunk : chunks) {
      if (s->cancel.load()) break;
      if (on_chunk && !on_chunk(chunk)) s->cancel.store(true);
    }
    if (done) {
      absl::MutexLock lock(&s->mu);
      return std::move(s->result);
    }
    if (cancelled && cancelled()) s->cancel.store(true);
  }
}

void BatchScheduler::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      const auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || !incoming_.empty();
      };
      // Idle: sleep until a request comes. Waiting for blocks another scheduler holds: poll.
      if (running_.empty() && waiting_.empty()) {
        mu_.Await(absl::Condition(&wake));
      } else if (running_.empty()) {
        mu_.AwaitWithTimeout(absl::Condition(&wake), absl::Milliseconds(5));
      }
      if (stop_) break;
      while (!incoming_.empty()) {
        waiting_.push_back(std::move(incoming_.front()));
        incoming_.pop_front();
      }
    }
    // Cancelled streams leave first: they are not evaluated again.
    for (size_t i = 0; i < waiting_.size();) {
      if (waiting_[i]->cancel.load()) {
        std::shared_ptr<Stream> s = waiting_[i];
        waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(i));
        Complete(*s, absl::OkStatus(), /*cancelled=*/true);
      } else {
        ++i;
      }
    }
    for (size_t i = 0; i < running_.size();) {
      if (running_[i]->cancel.load()) {
        Complete(*running_[i], absl::OkStatus(), /*cancelled=*/true);  // removes it
      } else {
        ++i;
      }
    }
    Admit();
    RunStep();
  }
  // Shutting down: nobody is left waiting.
  {
    absl::MutexLock lock(&mu_);
    while (!incoming_.empty()) {
      waiting_.push_back(std::move(incoming_.front()));
      incoming_.pop_front();
    }
  }
  const absl::Status down = absl::UnavailableError("the server is shutting down");
  while (!running_.empty()) Complete(*running_.back(), down, false);
  for (const std::shared_ptr<Stream>& s : waiting_) Complete(*s, down, false);
  waiting_.clear();
}

int32_t BatchScheduler::AllocateBlock() {
  while (true) {
    const int32_t b = pool_.Allocate();
    if (b >= 0 || cache_ == nullptr || !cache_->EvictOne()) return b;
  }
}

bool BatchScheduler::Grow(Stream& s, int64_t n_positions) {
  std::vector<int32_t> got;
  while (static_cast<int64_t>(s.blocks.size() + got.size()) < KvPool::BlocksFor(n_positions)) {
    const int32_t b = AllocateBlock();
    if (b < 0) {
      pool_.Release(got);
      return false;
    }
    got.push_back(b);
  }
  s.blocks.insert(s.blocks.end(), got.begin(), got.end());
  return true;
}

void BatchScheduler::Admit() {
  while (!waiting_.empty() && static_cast<int>(running_.size()) < options_.max_sequences) {
    Stream& s = *waiting_.front();
    // Cached blocks of the prompt, leaving 2+ prompt tokens to evaluate (prefill numerics).
    if (cache_ != nullptr && s.n_prompt >= 2) {
      s.blocks = cache_->Lookup(cache_space_, s.tokens, (s.n_prompt - 2) / KvPool::kBlockSize);
    }
    s.n_cached_blocks = static_cast<int64_t>(s.blocks.size());
    s.n_computed = s.n_cached_blocks * KvPool::kBlockSize;
    if (!Grow(s, static_cast<int64_t>(s.tokens.size()))) {
      pool_.Release(s.blocks);
      s.blocks.clear();
      s.n_computed = 0;
      return;  // first come, first served: the head waits for blocks
    }
    if (!s.admitted_once) {
      s.admitted_once = true;
      s.gen->set_cached_prompt_tokens(s.n_computed);
      s.gen->PrefillStarted();
    }
    s.order = next_order_++;
    running_.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }
}

void BatchScheduler::Preempt(Stream& s) {
  pool_.Release(s.blocks);
  s.blocks.clear();
  s.n_computed = 0;
  s.n_cached_blocks = 0;
  auto it = std::find_if(running_.begin(), running_.end(),
                         [&s](const std::shared_ptr<Stream>& r) { return r.get() == &s; });
  waiting_.push_front(std::move(*it));
  running_.erase(it);
  absl::MutexLock lock(&mu_);
  ++stats_.preemptions;
}

void BatchScheduler::CacheBlocks(Stream& s) {
  if (cache_ == nullptr) return;
  // Rows a prompt would compute with the same bits: prompt rows, and decode rows when every
  // batched kernel gives vec_dot's bits.
  const int64_t exact_upto = all_exact_ ? s.n_computed : std::min(s.n_computed, PrefillEnd(s));
  const int64_t whole = exact_upto / KvPool::kBlockSize;
  if (whole <= s.n_cached_blocks) return;
  cache_->Insert(cache_space_, absl::MakeConstSpan(s.tokens).subspan(0, whole * KvPool::kBlockSize),
                 s.blocks);
  s.n_cached_blocks = whole;
}

void BatchScheduler::Complete(Stream& s, absl::Status error, bool cancelled) {
  const auto push = [&s](const GenerateChunk& chunk) { return s.Push(chunk); };
  absl::StatusOr<GenerateResult> result =
      error.ok() ? absl::StatusOr<GenerateResult>(s.gen->Finish(push, cancelled))
                 : absl::StatusOr<GenerateResult>(error);
  pool_.Release(s.blocks);
  s.blocks.clear();
  // Keep the stream alive until it is off the running list.
  std::shared_ptr<Stream> keep;
  auto it = std::find_if(running_.begin(), running_.end(),
                         [&s](const std::shared_ptr<Stream>& r) { return r.get() == &s; });
  if (it != running_.end()) {
    keep = *it;
    running_.erase(it);
  }
  absl::MutexLock lock(&s.mu);
  s.result = std::move(result);
  s.done = true;
}

int64_t BatchScheduler::PrefillBudget(int64_t n_decode) const {
  const int64_t room = options_.step_tokens - n_decode;
  if (n_decode == 0 || options_.max_itl_factor <= 0) return room;
  // Until both costs are measured, small chunks: a first prompt arriving mid-decode must not
  // stall the streams for a whole batch.
  if (decode_step_ms_ < 0 || prefill_token_ms_ <= 0) return std::min<int64_t>(room, 16);
  const double tokens = (options_.max_itl_factor - 1.0) * decode_step_ms_ / prefill_token_ms_;
  return std::clamp<int64_t>(static_cast<int64_t>(tokens), 2, std::max<int64_t>(room, 2));
}

bool BatchScheduler::RunStep() {
  if (running_.empty()) return false;
  // Decode rows first (oldest first), then prompt chunks in admission order.
  std::vector<Stream*> order;
  for (const std::shared_ptr<Stream>& s : running_) order.push_back(s.get());
  std::stable_sort(order.begin(), order.end(), [](const Stream* a, const Stream* b) {
    const bool da = a->n_computed >= PrefillEnd(*a), db = b->n_computed >= PrefillEnd(*b);
    if (da != db) return da;
    return a->order < b->order;
  });
  struct Planned {
    Stream* s;
    int64_t end;
  };
  std::vector<Planned> plan;
  int64_t n_decode = 0;
  for (Stream* s : order) n_decode += s->n_computed >= PrefillEnd(*s);
  int64_t budget = options_.step_tokens;
  int64_t prefill_budget = PrefillBudget(n_decode);
  for (Stream* s : order) {
    const int64_t size = static_cast<int64_t>(s->tokens.size());
    const int64_t prefill_end = PrefillEnd(*s);
    int64_t end;
    if (s->n_computed >= prefill_end) {
      if (budget < 1) continue;
      end = std::min(size, s->n_computed + budget);
    } else {
      const int64_t left = prefill_end - s->n_computed;
      const int64_t cap = std::min(budget, prefill_budget);
      int64_t c = std::min(left, cap);
      if (left - c == 1) c = c > 2 ? c - 1 : (budget > c ? c + 1 : 0);  // never leave 1 token
      if (c < 2) continue;
      end = s->n_computed + c;
      prefill_budget -= c;
    }
    plan.push_back({s, end});
    budget -= end - s->n_computed;
  }
  // Blocks for the new positions. Short of them, the stream admitted last goes back to the queue
  // (possibly one planned here: it is then dropped from this step).
  for (size_t i = 0; i < plan.size(); ++i) {
    Stream* s = plan[i].s;
    if (s == nullptr) continue;
    while (!Grow(*s, plan[i].end)) {
      Stream* victim = nullptr;
      for (const std::shared_ptr<Stream>& r : running_) {
        if (victim == nullptr || r->order > victim->order) victim = r.get();
      }
      for (Planned& p : plan) {
        if (p.s == victim) p.s = nullptr;
      }
      Preempt(*victim);
      if (victim == s) break;
    }
  }
  std::vector<SequenceRows> rows;
  std::vector<Stream*> in_pass;
  for (const Planned& p : plan) {
    if (p.s == nullptr) continue;
    Stream& s = *p.s;
    SequenceRows r;
    r.tokens = absl::MakeConstSpan(s.tokens).subspan(s.n_computed, p.end - s.n_computed);
    r.pos = s.n_computed;
    r.blocks = s.blocks;
    r.numerics = s.n_computed < PrefillEnd(s) ? RowNumerics::kPrefill : RowNumerics::kDecode;
    if (p.end == static_cast<int64_t>(s.tokens.size())) {
      r.logits = LogitsWanted::kLast;
      r.logits_out = s.logits.data();
    }
    rows.push_back(r);
    in_pass.push_back(&s);
  }
  if (rows.empty()) return false;
  int64_t prefill_rows = 0, decode_rows = 0;
  for (const SequenceRows& r : rows) {
    (r.numerics == RowNumerics::kPrefill ? prefill_rows : decode_rows) +=
        static_cast<int64_t>(r.tokens.size());
  }
  const auto started = std::chrono::steady_clock::now();
  const absl::Status status = pass_.Run(*backend_, rows);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  // Moving averages (weight 1/4 on the newest): costs drift with batch size and context length.
  const auto update = [](double& avg, double x) { avg = avg < 0 ? x : 0.75 * avg + 0.25 * x; };
  if (status.ok() && prefill_rows == 0) {
    update(decode_step_ms_, ms);
  } else if (status.ok() && (decode_rows == 0 || decode_step_ms_ >= 0)) {
    const double decode_ms = decode_rows == 0 ? 0.0 : decode_step_ms_;
    update(prefill_token_ms_, std::max(0.0, ms - decode_ms) / static_cast<double>(prefill_rows));
  }
  {
    absl::MutexLock lock(&mu_);
    ++stats_.steps;
    stats_.max_batch = std::max<int64_t>(stats_.max_batch, static_cast<int64_t>(rows.size()));
  }
  for (size_t i = 0; i < in_pass.size(); ++i) {
    Stream& s = *in_pass[i];
    if (!status.ok()) {
      Complete(s, status, false);
      continue;
    }
    s.n_computed = rows[i].pos + static_cast<int64_t>(rows[i].tokens.size());
    CacheBlocks(s);
    if (rows[i].logits == LogitsWanted::kNone) continue;
    if (!s.started) {
      s.started = true;
      s.gen->PrefillDone();
    }
    const auto push = [&s](const GenerateChunk& chunk) { return s.Push(chunk); };
    if (s.gen->Step(absl::MakeSpan(s.logits), s.n_computed, push)) {
      Complete(s, absl::OkStatus(), false);
    } else {
      s.tokens.push_back(s.gen->next_token());
    }
  }
  return true;
}

}  // namespace edgellm
