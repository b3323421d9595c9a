#include "tools/bench/model_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <random>

#include "absl/strings/str_cat.h"
#include "core/model/inference_context.h"

namespace edgellm::bench {
namespace {

// Tokens evaluated before the timed decode (as llama-bench's tg starts after one token).
constexpr int64_t kDecodePrefix = 1;

uint64_t MatrixBytes(const EdgeMatrixV1& m) {
  return static_cast<uint64_t>(m.n_rows) * m.row_bytes;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Stats Summarize(std::vector<double> samples) {
  Stats s;
  s.samples = std::move(samples);
  const double n = static_cast<double>(s.samples.size());
  if (n == 0) return s;
  for (const double x : s.samples) s.mean += x;
  s.mean /= n;
  if (n > 1) {
    double ss = 0;
    for (const double x : s.samples) ss += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(ss / (n - 1));
  }
  return s;
}

uint64_t DecodeWeightBytes(const Model& model) {
  const ModelConfig& c = model.config();
  const uint64_t f = sizeof(float);
  uint64_t bytes = model.token_embd().row_bytes;
  for (const LayerWeights& w : model.layers()) {
    bytes += 2 * c.n_embd * f;  // attn_norm, ffn_norm
    for (const EdgeMatrixV1* m :
         {&w.wq, &w.wk, &w.wv, &w.wo, &w.ffn_gate, &w.ffn_up, &w.ffn_down}) {
      bytes += MatrixBytes(*m);
    }
    if (w.bq != nullptr) bytes += c.n_embd_q() * f;
    if (w.bk != nullptr) bytes += c.n_embd_kv() * f;
    if (w.bv != nullptr) bytes += c.n_embd_kv() * f;
    if (w.bo != nullptr) bytes += c.n_embd * f;
  }
  return bytes + c.n_embd * f + MatrixBytes(model.output());
}

absl::StatusOr<BenchResult> RunModelBench(const Model& model, Backend* backend,
                                          const BenchParams& p) {
  if (p.n_prompt < 0 || p.n_gen < 0 || (p.n_prompt == 0 && p.n_gen == 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("prompt tokens ", p.n_prompt, ", generated tokens ", p.n_gen,
                     ": neither may be negative, and one must be positive"));
  }
  if (p.depth < 0) {
    return absl::InvalidArgumentError(absl::StrCat("depth ", p.depth, ": must not be negative"));
  }
  if (p.repetitions <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("repetitions ", p.repetitions, ": must be positive"));
  }
  ContextOptions options;
  // The decode test starts after one token, or at the depth.
  const int64_t decode_prefix = std::max(kDecodePrefix, p.depth);
  options.n_ctx = std::max(p.depth + p.n_prompt, decode_prefix + p.n_gen);
  options.batch_size = std::max<int64_t>(std::max<int64_t>(p.n_prompt, 512), 1);
  options.cache_type_k = p.cache_type_k;
  options.cache_type_v = p.cache_type_v;
  absl::StatusOr<std::unique_ptr<InferenceContext>> ctx =
      InferenceContext::Create(model, backend, options);
  if (!ctx.ok()) return ctx.status();
  InferenceContext& c = **ctx;

  std::mt19937_64 rng(p.seed);
  std::uniform_int_distribution<int32_t> token(0, static_cast<int32_t>(model.n_vocab() - 1));
  auto random_tokens = [&](int64_t n) {
    std::vector<int32_t> t(static_cast<size_t>(n));
    for (int32_t& x : t) x = token(rng);
    return t;
  };
  std::vector<float> logits(static_cast<size_t>(model.n_vocab()));

  // Warm-up: pages the weights in and starts the backend's threads. Then the depth's positions,
  // once: each test truncates back to them.
  if (absl::Status s = c.Eval(random_tokens(1), logits.data()); !s.ok()) return s;
  c.Reset();
  if (p.depth > 0) {
    if (absl::Status s = c.Eval(random_tokens(p.depth), nullptr); !s.ok()) return s;
  }

  BenchResult result;
  std::vector<double> pp, tg;
  for (int r = 0; r < p.repetitions; ++r) {
    if (p.n_prompt > 0) {
      const std::vector<int32_t> prompt = random_tokens(p.n_prompt);
      if (absl::Status s = c.Truncate(p.depth); !s.ok()) return s;
      const auto start = std::chrono::steady_clock::now();
      if (absl::Status s = c.Eval(prompt, logits.data()); !s.ok()) return s;
      pp.push_back(static_cast<double>(p.n_prompt) / Seconds(start));
    }
    if (p.n_gen > 0) {
      const std::vector<int32_t> tokens = random_tokens(kDecodePrefix + p.n_gen);
      if (p.depth > 0) {
        if (absl::Status s = c.Truncate(p.depth); !s.ok()) return s;
      } else {
        c.Reset();
        if (absl::Status s = c.Eval({tokens.data(), kDecodePrefix}, logits.data()); !s.ok()) {
          return s;
        }
      }
      const auto start = std::chrono::steady_clock::now();
      for (int64_t i = kDecodePrefix; i < kDecodePrefix + p.n_gen; ++i) {
        if (absl::Status s = c.Eval({&tokens[i], 1}, logits.data()); !s.ok()) return s;
      }
      tg.push_back(static_cast<double>(p.n_gen) / Seconds(start));
    }
  }
  result.prefill_tokens_per_second = Summarize(std::move(pp));
  result.decode_tokens_per_second = Summarize(std::move(tg));
  result.decode_weight_bytes_per_token = DecodeWeightBytes(model);
  if (p.n_gen > 0) {
    // The token at position q reads q + 1 K and V rows per layer; q runs over
    // decode_prefix .. decode_prefix + n_gen - 1.
    const double mean_rows =
        static_cast<double>(decode_prefix) + (static_cast<double>(p.n_gen) + 1) / 2;
    result.decode_kv_bytes_per_token =
        mean_rows * static_cast<double>(c.kv_pool().bytes_per_position());
  }
  return result;
}

}  // namespace edgellm::bench
