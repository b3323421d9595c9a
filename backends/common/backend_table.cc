#include "backends/common/backend_table.h"

#include <cstdio>
#include <exception>

#include "backends/common/attention.h"
#include "backends/common/backend_context.h"
#include "backends/common/kv_write.h"
#include "backends/common/matmul.h"
#include "backends/common/row_ops.h"

namespace edgellm::backends {
namespace {

BackendContext& Ctx(void* ctx) { return *static_cast<BackendContext*>(ctx); }

template <EdgeIsa kIsa>
void* Create(const EdgeBackendOptionsV1* options, char* err, size_t err_len) {
  try {
    return new BackendContext(kIsa, *options);
  } catch (const std::exception& e) {
    std::snprintf(err, err_len, "%s", e.what());
    return nullptr;
  }
}

void Destroy(void* ctx) { delete static_cast<BackendContext*>(ctx); }

int32_t NThreads(void* ctx) { return Ctx(ctx).pool.n_threads(); }

int MatMulOp(void* ctx, const EdgeMatrixV1* w, const float* x, int64_t n_tokens, float* y) {
  return MatMul(Ctx(ctx), *w, x, n_tokens, y);
}

int MatMulVecDotOp(void* ctx, const EdgeMatrixV1* w, const float* x, int64_t n_tokens, float* y) {
  return MatMul(Ctx(ctx), *w, x, n_tokens, y, MatMulNumbers::kVecDot);
}

void RmsNormOp(void* ctx, const float* x, const float* weight, float eps, int64_t n, int64_t n_rows,
               float* y) {
  RmsNorm(Ctx(ctx).pool, x, weight, eps, n, n_rows, y);
}

void RopeOp(void* ctx, float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim,
            const int32_t* positions, const EdgeRopeParamsV1* params) {
  Rope(Ctx(ctx).pool, x, n_tokens, n_heads, head_dim, positions, *params);
}

int AttentionOp(void* ctx, const EdgeAttentionV1* a, const float* q, float* out) {
  return Attention(Ctx(ctx), *a, q, out);
}

void SiluMulOp(void* ctx, float* gate, const float* up, int64_t n) {
  SiluMul(Ctx(ctx).pool, gate, up, n);
}

const char* LastErrorOp(void* ctx) { return Ctx(ctx).last_error.c_str(); }

int KvWriteOp(void* ctx, const EdgeQuantFormatV1* format, const float* x, int64_t n_rows, int64_t n,
              void* dst, size_t dst_row_bytes) {
  return KvWrite(Ctx(ctx), *format, x, n_rows, n, dst, dst_row_bytes);
}

void HadamardOp(void* ctx, float* x, int64_t n_rows, int64_t n) {
  Hadamard(Ctx(ctx).pool, x, n_rows, n);
}

void AddOp(void*, float* y, const float* x, int64_t n, int64_t n_rows, int broadcast_x) {
  Add(y, x, n, n_rows, broadcast_x != 0);
}

template <EdgeIsa kIsa, int32_t kScore>
constexpr EdgeBackendV1 kTable = {
    kIsa,      Create<kIsa>, Destroy, NThreads, MatMulOp,    RmsNormOp, RopeOp,         AttentionOp,
    SiluMulOp, AddOp,        kScore,  nullptr,  LastErrorOp, KvWriteOp, MatMulVecDotOp, HadamardOp,
};

}  // namespace

const EdgeBackendV1* BackendTable(EdgeIsa isa) {
  switch (isa) {
    case EDGE_ISA_SCALAR:
      return &kTable<EDGE_ISA_SCALAR, EDGE_BACKEND_SCORE_SCALAR>;
    case EDGE_ISA_AVX2:
      return &kTable<EDGE_ISA_AVX2, EDGE_BACKEND_SCORE_AVX2>;
    case EDGE_ISA_AVX512:
      return &kTable<EDGE_ISA_AVX512, EDGE_BACKEND_SCORE_AVX512>;
    case EDGE_ISA_NEON:
      return &kTable<EDGE_ISA_NEON, EDGE_BACKEND_SCORE_NEON>;
    default:
      return nullptr;
  }
}

}  // namespace edgellm::backends
