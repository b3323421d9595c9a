#include "core/backend.h"

#include "absl/strings/str_format.h"

namespace edgellm {

absl::StatusOr<std::unique_ptr<Backend>> BackendPlugin::Create(int n_threads) const {
  EdgeBackendOptionsV1 options{n_threads, cpu_features_};
  char err[256] = {0};
  void* ctx = plugin_->backend->create(&options, err, sizeof err);
  if (ctx == nullptr) {
    return absl::InternalError(
        absl::StrFormat("backend %s could not start: %s", plugin_->name, err));
  }
  return std::make_unique<Backend>(plugin_->backend, ctx, plugin_->name);
}

absl::Status Backend::MatMul(const EdgeMatrixV1& w, const float* x, int64_t n_tokens, float* y) {
  if (ops_->matmul(ctx_, &w, x, n_tokens, y) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "backend %s has no vec_dot kernel for %s weights with %s activations", name_,
        w.format->name, w.vec_dot_format->name));
  }
  return absl::OkStatus();
}

absl::Status Backend::Attention(const EdgeAttentionV1& a, const float* q, float* out) {
  if (ops_->attention(ctx_, &a, q, out) != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("backend %s cannot run attention over a %s/%s KV cache", name_,
                        a.k_format->name, a.v_format->name));
  }
  return absl::OkStatus();
}

}  // namespace edgellm
