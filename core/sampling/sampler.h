// Token sampling: the filter chain llama.cpp's common sampler applies by default, in its order
// (common/sampling.cpp: penalties, top-k, top-p, min-p, temperature, then a seeded draw).
//
// Semantics of each stage (matching llama.cpp's llama_sampler_* of the same name):
//   penalties   over the last `penalty_last_n` accepted tokens (prompt tokens included when the
//               caller accepts them, as llama.cpp's server and CLI do). For a token seen c > 0
//               times: repeat penalty divides a positive logit by `repeat_penalty` and multiplies
//               a non-positive one (CTRL, arXiv:1909.05858); then, as OpenAI defines them,
//               logit -= c * frequency_penalty + presence_penalty.
//   top-k       keeps the k highest logits.
//   top-p       keeps the smallest prefix (by descending probability, softmax over the tokens
//               top-k kept) whose cumulative probability reaches p (nucleus sampling,
//               arXiv:1904.09751).
//   min-p       keeps tokens whose probability is at least min_p times the largest one, i.e.
//               logit >= max_logit + ln(min_p).
//   temperature divides the surviving logits by `temperature`, then one token is drawn from
//               their softmax.
// temperature == 0 is greedy: penalties still apply, then the argmax is taken (lowest id on
// ties) and the other filters and the RNG are not used. Ties between equal logits are always
// broken by the lower token id, so results do not depend on the sort implementation.
#ifndef EDGELLM_CORE_SAMPLING_SAMPLER_H_
#define EDGELLM_CORE_SAMPLING_SAMPLER_H_

#include <cstdint>
#include <deque>
#include <random>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace edgellm {

struct SamplingParams {
  float temperature = 0.8f;        // >= 0; 0 = greedy
  int top_k = 40;                  // >= 0; 0 = off
  float top_p = 0.95f;             // (0, 1]; 1 = off
  float min_p = 0.05f;             // [0, 1]; 0 = off
  float repeat_penalty = 1.0f;     // > 0; 1 = off
  float presence_penalty = 0.0f;   // [-2, 2] (OpenAI's range); 0 = off
  float frequency_penalty = 0.0f;  // [-2, 2]; 0 = off
  int penalty_last_n = 64;         // >= 0 accepted tokens the penalties look at; 0 = off
  uint64_t seed = 0;               // the RNG seed; the same seed and logits give the same tokens

  // InvalidArgument naming the first field out of range and its valid range (NaN is out of
  // every range).
  absl::Status Validate() const;
};

// One generation's sampler: the filter chain plus the history the penalties read and the RNG.
// Not thread-safe. Cheap to move.
class Sampler {
 public:
  // Errors: those of params.Validate().
  static absl::StatusOr<Sampler> Create(const SamplingParams& params);

  // Picks a token id from `logits` (one float per vocabulary entry, index = token id). The span
  // is used as scratch: on return it holds the penalized logits. NaN logits count as -inf; when
  // every logit is -inf the lowest id is returned. Returns -1 for an empty span. Does not record
  // the token: call Accept() with the token actually used.
  int32_t Sample(absl::Span<float> logits);

  // Records a token (prompt or generated) for the penalties; keeps the last penalty_last_n.
  void Accept(int32_t token);

  // Forgets the history and restarts the RNG from the seed.
  void Reset();

  const SamplingParams& params() const { return params_; }

 private:
  explicit Sampler(const SamplingParams& params);

  void ApplyPenalties(absl::Span<float> logits);
  // Extends the sorted prefix: given candidates_[0, from) already the `from` best in order, makes
  // candidates_[0, k) the k best in descending order (ties: lower id first). O(n + k log k).
  void SortPrefix(size_t from, size_t k);
  // A uniform double in [0, 1) built from 53 random bits (independent of the standard library's
  // distribution implementations, so draws are the same on every platform).
  double Uniform();

  SamplingParams params_;
  std::mt19937_64 rng_;
  std::deque<int32_t> history_;
  // Scratch reused across calls: (logit, token id) pairs still in the running.
  std::vector<std::pair<float, int32_t>> candidates_;
  std::vector<std::pair<int32_t, int>> counts_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_SAMPLING_SAMPLER_H_
