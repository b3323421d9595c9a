// The `scalar` backend: portable C++, no ISA requirement. The reference every other backend is
// compared with; its matmul uses each format's scalar vec_dot.
#include <cstdio>
#include <exception>
#include <new>

#include "backends/common/attention.h"
#include "backends/common/backend_context.h"
#include "backends/common/matmul.h"
#include "backends/common/reference_ops.h"
#include "core/plugin/edgellm_plugin.h"

namespace edgellm::backends {
namespace {

BackendContext& Ctx(void* ctx) { return *static_cast<BackendContext*>(ctx); }

void* Create(const EdgeBackendOptionsV1* options, char* err, size_t err_len) {
  try {
    return new BackendContext(EDGE_ISA_SCALAR, *options);
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

void RmsNormOp(void* ctx, const float* x, const float* weight, float eps, int64_t n,
               int64_t n_rows, float* y) {
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

void AddOp(void*, float* y, const float* x, int64_t n, int64_t n_rows, int broadcast_x) {
  Add(y, x, n, n_rows, broadcast_x != 0);
}

const EdgeBackendV1 kBackend = {
    EDGE_ISA_SCALAR, Create, Destroy, NThreads, MatMulOp, RmsNormOp, RopeOp, AttentionOp,
    SiluMulOp,       AddOp,
};

const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_BACKEND, "scalar", "1.0.0", 0, &kBackend, nullptr,
};

}  // namespace
}  // namespace edgellm::backends

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  return &edgellm::backends::kPlugin;
}
