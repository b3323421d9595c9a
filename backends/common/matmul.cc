#include "backends/common/matmul.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "backends/common/kernel_selection.h"

namespace edgellm::backends {
namespace {

// Weight rows per chunk: at least kRowGrain (a GEMM kernel's row tiles fit in it), and at least
// kMinChunkMacs multiply-adds, so that a small matmul runs on the calling thread alone.
constexpr int64_t kRowGrain = 16;
constexpr int64_t kMinChunkMacs = int64_t{1} << 16;
// Tokens per tile in prefill: each weight row is read once per tile from cache.
constexpr int64_t kTokenTile = 8;
// Activation bytes per token tile of the vec_dot loop: they stay in L2 beside the weight stream.
constexpr int64_t kDotTileBytes = int64_t{128} << 10;
// Software prefetch distance of decode's weight stream, and the line size it steps by. One core's
// hardware prefetchers keep too few lines in flight to cover DRAM latency: prefetching into all
// cache levels 4 KiB ahead took 2-thread decode from 43% to 56% of the read probe (Q4_K_M, Q8_0,
// Xeon VM); the non-temporal hint gained nothing.
constexpr int64_t kPrefetchBytes = 4096;
constexpr int64_t kCacheLine = 64;

}  // namespace

int MatMul(BackendContext& ctx, const EdgeMatrixV1& w, const float* x, int64_t n_tokens, float* y,
           MatMulNumbers numbers) {
  const FormatKernels& kw = ctx.kernels.Get(w.format);
  const EdgeVecDotFn dot = kw.vec_dot;
  if (dot == nullptr) {
    return ctx.Fail(absl::StrFormat("%s has no vec_dot kernel: it cannot be a weight format",
                                    w.format->name));
  }
  const EdgeVecDotBatchFn dot_batch = kw.vec_dot_batch;
  const EdgeFromFloatFn quantize = ctx.kernels.Get(w.vec_dot_format).from_float;

  const int64_t n = w.n_cols;
  const size_t act_row_bytes = RowBytes(w.vec_dot_format, n);
  if (ctx.activations.size() < act_row_bytes * n_tokens) {
    ctx.activations.resize(act_row_bytes * n_tokens);
  }
  uint8_t* act = ctx.activations.data();
  const auto quantize_rows = [&](int64_t begin, int64_t end, int) {
    for (int64_t t = begin; t < end; ++t) quantize(x + t * n, act + t * act_row_bytes, n);
  };
  ctx.pool.ParallelFor(n_tokens, std::max<int64_t>(1, kMinChunkMacs / n), quantize_rows);

  const auto* weights = static_cast<const uint8_t*>(w.data);
  const int64_t n_rows = w.n_rows;
  const auto row_bytes = static_cast<int64_t>(w.row_bytes);
  // A format's batched kernel gives ggml's numbers for 2+ activation rows (its prefill GEMM,
  // tinyBLAS, for the types that have one), vec_dot ggml's numbers for one row. So the batched
  // kernel serves every token tile of a 2+ token matmul, 1-token tails included, and the results
  // do not depend on the tiling. ggml's GEMM takes only matrices whose row count is a multiple
  // of 4; the others go through vec_dot there, and here too, unless the kernel declares that it
  // gives vec_dot's bits anyway (EDGE_KERNEL_BATCH_MATCHES_VEC_DOT). Asked for vec_dot's
  // numbers, only such a kernel may serve.
  const bool exact = (kw.flags & EDGE_KERNEL_BATCH_MATCHES_VEC_DOT) != 0;
  const bool ggml_batch = numbers == MatMulNumbers::kGgml && n_rows % 4 == 0;
  const bool batched = dot_batch != nullptr && n_tokens > 1 && (ggml_batch || exact);
  const int64_t dot_tile = std::max<int64_t>(
      1, kDotTileBytes / std::max<int64_t>(1, static_cast<int64_t>(act_row_bytes)));
  const int64_t min_rows = kMinChunkMacs / (n * n_tokens) + 1;
  const int64_t row_grain = (min_rows + kRowGrain - 1) / kRowGrain * kRowGrain;
  ctx.pool.ParallelFor(n_rows, row_grain, [&](int64_t r0, int64_t r1, int) {
    if (batched) {
      for (int64_t t0 = 0; t0 < n_tokens; t0 += kTokenTile) {
        const int64_t t1 = std::min(n_tokens, t0 + kTokenTile);
        dot_batch(n, r1 - r0, t1 - t0, y + t0 * n_rows + r0, static_cast<size_t>(n_rows),
                  weights + r0 * w.row_bytes, w.row_bytes, act + t0 * act_row_bytes, act_row_bytes);
      }
      return;
    }
    // Each row's dots with a whole token tile while the row is in cache: the weights are
    // streamed from memory once per tile (once for the decode rows of a few sequences).
    const int64_t chunk_end = r1 * row_bytes;  // in bytes from weights: nothing past it is read
    for (int64_t t0 = 0; t0 < n_tokens; t0 += dot_tile) {
      const int64_t t1 = std::min(n_tokens, t0 + dot_tile);
      for (int64_t r = r0; r < r1; ++r) {
        const uint8_t* wr = weights + r * w.row_bytes;
        // Ask for the bytes kPrefetchBytes ahead of this row while it computes, one row's worth
        // per row, so every line is requested once.
        const int64_t ahead = std::min(r * row_bytes + kPrefetchBytes, chunk_end);
        const int64_t ahead_end = std::min(ahead + row_bytes, chunk_end);
        for (int64_t at = ahead; at < ahead_end; at += kCacheLine) {
          __builtin_prefetch(weights + at, 0, 3);
        }
        for (int64_t t = t0; t < t1; ++t) {
          dot(n, y + t * n_rows + r, wr, act + t * act_row_bytes);
        }
      }
    }
  });
  return 0;
}

}  // namespace edgellm::backends
