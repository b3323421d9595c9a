// Model throughput as llama-bench measures it, plus the memory traffic of decode.
//
//   prefill (ppN): one layer-major Eval of N random tokens in a fresh context, logits of the last
//                  token only; tokens/s = N / time.
//   decode (tgN):  a fresh context, one untimed random token, then N single-token Evals (each
//                  with its logits); tokens/s = N / time.
// Each is repeated and reported as mean and sample standard deviation of the per-run tokens/s
// (llama-bench's avg_ts / stddev_ts). One untimed single-token Eval first brings every weight
// page of the mapped file into memory.
//
// Bytes a decoded token reads: every weight of every layer (matrices, norms, biases), the output
// norm and the output matrix, one row of token_embd; plus, for attention, the K and V cache rows
// of every position up to its own in every layer, averaged over the decoded positions.
#ifndef EDGELLM_TOOLS_BENCH_MODEL_BENCH_H_
#define EDGELLM_TOOLS_BENCH_MODEL_BENCH_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/backend.h"
#include "core/model/model.h"
#include "core/plugin/edgellm_plugin.h"

namespace edgellm::bench {

struct BenchParams {
  int64_t n_prompt = 512;  // 0: no prefill test
  int64_t n_gen = 128;     // 0: no decode test
  int repetitions = 5;
  // Positions filled before each test (llama-bench's -d): pp and tg at that depth of context.
  int64_t depth = 0;
  // GGUF type ids of the K and V caches.
  uint32_t cache_type_k = EDGE_GGML_TYPE_F16;
  uint32_t cache_type_v = EDGE_GGML_TYPE_F16;
  uint64_t seed = 1234;  // the random tokens
};

struct Stats {
  std::vector<double> samples;
  double mean = 0;
  double sd = 0;  // sample standard deviation; 0 for one sample
};
Stats Summarize(std::vector<double> samples);

struct BenchResult {
  Stats prefill_tokens_per_second;  // empty when n_prompt is 0
  Stats decode_tokens_per_second;   // empty when n_gen is 0
  uint64_t decode_weight_bytes_per_token = 0;
  double decode_kv_bytes_per_token = 0;  // average over the decoded positions
  double decode_bytes_per_token() const {
    return static_cast<double>(decode_weight_bytes_per_token) + decode_kv_bytes_per_token;
  }
};

// Weight bytes one decoded token reads (see above).
uint64_t DecodeWeightBytes(const Model& model);

// Runs the tests on `backend` in a context of its own (F16 KV cache, as llama.cpp's default).
// Errors: InvalidArgument for negative counts, both counts 0, or no repetitions; those of
// InferenceContext::Create and Eval.
absl::StatusOr<BenchResult> RunModelBench(const Model& model, Backend* backend,
                                          const BenchParams& params);

}  // namespace edgellm::bench

#endif  // EDGELLM_TOOLS_BENCH_MODEL_BENCH_H_
