#include "core/sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace edgellm {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

absl::Status OutOfRange(const char* field, double value, const char* range) {
  return absl::InvalidArgumentError(
      absl::StrCat("sampling: ", field, " is ", value, ", must be ", range));
}

// Descending logit, then ascending id: a strict total order, so sorting is deterministic.
bool Better(const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
  return a.first > b.first || (a.first == b.first && a.second < b.second);
}

}  // namespace

absl::Status SamplingParams::Validate() const {
  // Written as !(in range) so that NaN fails every check.
  if (!(temperature >= 0.0f && std::isfinite(temperature))) {
    return OutOfRange("temperature", temperature, "a finite value >= 0 (0 = greedy)");
  }
  if (top_k < 0) return OutOfRange("top_k", top_k, ">= 0 (0 = off)");
  if (!(top_p >= 0.0f && top_p <= 1.0f)) return OutOfRange("top_p", top_p, "in [0, 1] (1 = off)");
  if (!(min_p >= 0.0f && min_p <= 1.0f)) return OutOfRange("min_p", min_p, "in [0, 1] (0 = off)");
  if (!(repeat_penalty > 0.0f && std::isfinite(repeat_penalty))) {
    return OutOfRange("repeat_penalty", repeat_penalty, "a finite value > 0 (1 = off)");
  }
  if (!(presence_penalty >= -2.0f && presence_penalty <= 2.0f)) {
    return OutOfRange("presence_penalty", presence_penalty, "in [-2, 2] (0 = off)");
  }
  if (!(frequency_penalty >= -2.0f && frequency_penalty <= 2.0f)) {
    return OutOfRange("frequency_penalty", frequency_penalty, "in [-2, 2] (0 = off)");
  }
  if (penalty_last_n < 0) return OutOfRange("penalty_last_n", penalty_last_n, ">= 0 (0 = off)");
  return absl::OkStatus();
}

absl::StatusOr<Sampler> Sampler::Create(const SamplingParams& params) {
  if (absl::Status s = params.Validate(); !s.ok()) return s;
  return Sampler(params);
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

void Sampler::Reset() {
  history_.clear();
  rng_.seed(params_.seed);
}

void Sampler::Accept(int32_t token) {
  if (params_.penalty_last_n == 0) return;
  history_.push_back(token);
  while (history_.size() > static_cast<size_t>(params_.penalty_last_n)) history_.pop_front();
}

void Sampler::ApplyPenalties(absl::Span<float> logits) {
  const bool repeat = params_.repeat_penalty != 1.0f;
  if (history_.empty() ||
      (!repeat && params_.presence_penalty == 0.0f && params_.frequency_penalty == 0.0f)) {
    return;
  }
  absl::flat_hash_map<int32_t, int> counts;
  for (int32_t t : history_) {
    // Ids outside the logits (e.g. a tokenizer larger than the output layer) cannot be penalized.
    if (t >= 0 && static_cast<size_t>(t) < logits.size()) ++counts[t];
  }
  for (const auto& [token, count] : counts) {
    float& l = logits[token];
    if (repeat) l = l <= 0.0f ? l * params_.repeat_penalty : l / params_.repeat_penalty;
    l -= static_cast<float>(count) * params_.frequency_penalty + params_.presence_penalty;
  }
}

void Sampler::SortPrefix(size_t from, size_t k) {
  k = std::min(k, candidates_.size());
  if (k <= from) return;
  const auto begin = candidates_.begin();
  if (k < candidates_.size()) std::nth_element(begin + from, begin + k, candidates_.end(), Better);
  std::sort(begin + from, begin + k, Better);
}

double Sampler::Uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

int32_t Sampler::Sample(absl::Span<float> logits) {
  if (logits.empty()) return -1;
  ApplyPenalties(logits);

  if (params_.temperature == 0.0f) {
    int32_t best = 0;
    float best_logit = kNegInf;
    for (size_t i = 0; i < logits.size(); ++i) {
      if (logits[i] > best_logit) {  // strict: the lowest id wins ties; NaN never wins
        best_logit = logits[i];
        best = static_cast<int32_t>(i);
      }
    }
    return best;
  }

  candidates_.clear();
  candidates_.reserve(logits.size());
  float max_logit = kNegInf;
  for (size_t i = 0; i < logits.size(); ++i) {
    const float l = std::isnan(logits[i]) ? kNegInf : logits[i];
    candidates_.emplace_back(l, static_cast<int32_t>(i));
    max_logit = std::max(max_logit, l);
  }
  if (max_logit == kNegInf) return 0;  // nothing has any probability: lowest id, as greedy

  // top-k. After this, whenever candidates_ is truncated it is to a sorted prefix, so the order
  // the draw walks is fixed by Better() alone.
  size_t sorted = 0;  // candidates_[0, sorted) are the best, in order
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < candidates_.size()) {
    SortPrefix(0, params_.top_k);
    candidates_.resize(params_.top_k);
    sorted = candidates_.size();
  }

  // top-p over the softmax of the tokens top-k kept. The prefix is sorted in growing steps, as
  // the nucleus is usually a small part of the vocabulary.
  if (params_.top_p < 1.0f) {
    double sum = 0.0;
    for (const auto& c : candidates_) sum += std::exp(static_cast<double>(c.first - max_logit));
    const double target = static_cast<double>(params_.top_p) * sum;
    size_t keep = candidates_.size();
    double cum = 0.0;
    size_t i = 0;
    for (size_t want = std::max<size_t>(sorted, 64); i < candidates_.size(); want *= 4) {
      SortPrefix(sorted, want);
      sorted = std::min(want, candidates_.size());
      for (; i < sorted; ++i) {
        cum += std::exp(static_cast<double>(candidates_[i].first - max_logit));
        if (cum >= target) break;
      }
      if (i < sorted) {
        keep = i + 1;
        break;
      }
    }
    candidates_.resize(keep);
  }

  // min-p: the largest logit survives every filter above, so max_logit is still the reference.
  if (params_.min_p > 0.0f) {
    const float threshold = max_logit + std::log(params_.min_p);
    candidates_.erase(std::remove_if(candidates_.begin(), candidates_.end(),
                                     [threshold](const auto& c) { return c.first < threshold; }),
                      candidates_.end());
  }

  // Temperature and the draw.
  const double inv_t = 1.0 / static_cast<double>(params_.temperature);
  double total = 0.0;
  for (const auto& c : candidates_) {
    total += std::exp(static_cast<double>(c.first - max_logit) * inv_t);
  }
  const double target = Uniform() * total;
  double cum = 0.0;
  for (const auto& c : candidates_) {
    cum += std::exp(static_cast<double>(c.first - max_logit) * inv_t);
    if (cum > target) return c.second;
  }
  return candidates_.back().second;  // rounding left target just above the last sum
}

}  // namespace edgellm
