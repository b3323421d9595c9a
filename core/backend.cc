#include "core/backend.h"

#include "absl/strings/str_format.h"
#include "core/plugin/abi_compat.h"
#include "core/quant_format.h"

namespace edgellm {

std::string BackendProblem(const EdgeBackendV1& b, uint32_t abi_minor) {
  if (!b.create || !b.destroy || !b.n_threads || !b.matmul || !b.rms_norm || !b.rope ||
      !b.attention || !b.silu_mul || !b.add) {
    return "backend table has a missing op";
  }
  if (abi_minor >= 1) {
    if (b.last_error == nullptr) return "backend table has no last_error (required since 1.1)";
    if (b.score < 0) return absl::StrFormat("negative backend score %d", b.score);
  }
  return "";
}

int32_t DefaultBackendScore(EdgeIsa isa) {
  switch (isa) {
    case EDGE_ISA_SCALAR: return EDGE_BACKEND_SCORE_SCALAR;
    case EDGE_ISA_AVX2: return EDGE_BACKEND_SCORE_AVX2;
    case EDGE_ISA_AVX512: return EDGE_BACKEND_SCORE_AVX512;
    case EDGE_ISA_NEON: return EDGE_BACKEND_SCORE_NEON;
    default: return 0;
  }
}

BackendPlugin::BackendPlugin(const EdgePluginV1* plugin, uint32_t abi_minor, std::string file,
                             uint64_t cpu_features)
    : plugin_(plugin),
      ops_(CopyDeclared(plugin->backend,
                        DeclaredBytes<EdgeBackendV1>(abi_minor, kBackendBytesV1_0))),
      abi_minor_(abi_minor),
      file_(std::move(file)),
      cpu_features_(cpu_features) {
  if (abi_minor < 1) ops_.score = DefaultBackendScore(ops_.isa);
}

std::string BackendPlugin::isa_name() const {
  if (ops_.isa_name != nullptr && ops_.isa_name[0] != '\0') return ops_.isa_name;
  return IsaName(ops_.isa);
}

absl::StatusOr<std::unique_ptr<Backend>> BackendPlugin::Create(int n_threads) const {
  EdgeBackendOptionsV1 options{n_threads, cpu_features_};
  char err[256] = {0};
  void* ctx = ops_.create(&options, err, sizeof err);
  if (ctx == nullptr) {
    return absl::InternalError(
        absl::StrFormat("backend %s could not start: %s", plugin_->name, err));
  }
  return std::make_unique<Backend>(&ops_, ctx, plugin_->name);
}

std::string Backend::Reason(const std::string& fallback) const {
  const char* why = ops_->last_error != nullptr ? ops_->last_error(ctx_) : nullptr;
  return why != nullptr && why[0] != '\0' ? std::string(why) : fallback;
}

absl::Status Backend::MatMul(const EdgeMatrixV1& w, const float* x, int64_t n_tokens, float* y) {
  if (ops_->matmul(ctx_, &w, x, n_tokens, y) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "backend %s: %s", name_,
        Reason(absl::StrFormat("no vec_dot kernel for %s weights with %s activations",
                               w.format->name, w.vec_dot_format->name))));
  }
  return absl::OkStatus();
}

absl::Status Backend::Attention(const EdgeAttentionV1& a, const float* q, float* out) {
  if (ops_->attention(ctx_, &a, q, out) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "backend %s: %s", name_,
        Reason(absl::StrFormat("cannot run attention over a %s/%s KV cache", a.k_format->name,
                               a.v_format->name))));
  }
  return absl::OkStatus();
}

absl::Status Backend::KvWrite(const EdgeQuantFormatV1& format, const float* x, int64_t n_rows,
                              int64_t n, void* dst, size_t dst_row_bytes) {
  if (ops_->kv_write == nullptr) {
    auto* rows = static_cast<uint8_t*>(dst);
    for (int64_t r = 0; r < n_rows; ++r) format.from_float_ref(x + r * n, rows + r * dst_row_bytes, n);
    return absl::OkStatus();
  }
  if (ops_->kv_write(ctx_, &format, x, n_rows, n, dst, dst_row_bytes) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "backend %s: %s", name_,
        Reason(absl::StrFormat("cannot write a %s KV cache", format.name))));
  }
  return absl::OkStatus();
}

}  // namespace edgellm
