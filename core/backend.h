// Backend: the core's view of a backend plugin (scalar, avx2, avx512, neon) and of a running
// instance of it with its own thread pool. The model graph calls only these ops; every shape and
// layout is the one documented on EdgeBackendV1 in core/plugin/edgellm_plugin.h.
#ifndef EDGELLM_CORE_BACKEND_H_
#define EDGELLM_CORE_BACKEND_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/plugin/edgellm_plugin.h"
#include "core/quant_format.h"

namespace edgellm {

class Backend;

// Why a backend ops table cannot be used (checked when its plugin loads), or "" when it is
// complete: every v1.0 op, and from ABI 1.1 on last_error and a non-negative score.
std::string BackendProblem(const EdgeBackendV1& plugin_ops, uint32_t abi_minor);

// The default-backend score of a v1.0 backend, which cannot declare one (EDGE_BACKEND_SCORE_*).
int32_t DefaultBackendScore(EdgeIsa isa);

// A loaded backend plugin: what it is and what it needs. Create() starts an instance. Holds the
// host's copy of the plugin's ops table with the fields its ABI minor version lacks filled in
// (score from the ISA; no last_error, no kv_write, no matmul_vec_dot, no hadamard).
class BackendPlugin {
 public:
  // `plugin` and its backend table live in the plugin library and must outlive this object.
  BackendPlugin(const EdgePluginV1* plugin, uint32_t abi_minor, std::string file,
                uint64_t cpu_features);

  const char* name() const { return plugin_->name; }
  const char* version() const { return plugin_->version; }
  EdgeIsa isa() const { return ops_.isa; }
  // The ISA's name: the plugin's isa_name, else "scalar", "avx2", "avx512", "neon".
  std::string isa_name() const;
  int32_t score() const { return ops_.score; }
  uint32_t abi_minor() const { return abi_minor_; }
  uint64_t required_cpu_features() const { return plugin_->required_cpu_features; }
  const std::string& file() const { return file_; }

  // Starts an instance with n_threads worker threads (<= 0: one per core). Errors: Internal
  // with the plugin's own message when it cannot start (e.g. threads cannot be created).
  absl::StatusOr<std::unique_ptr<Backend>> Create(int n_threads) const;

 private:
  const EdgePluginV1* plugin_;
  EdgeBackendV1 ops_;
  uint32_t abi_minor_;
  std::string file_;
  uint64_t cpu_features_;
};

// A running backend instance. Not thread-safe: one caller at a time (each op already uses the
// instance's threads). Must not outlive the PluginRegistry that loaded its plugin.
class Backend {
 public:
  // `ops`: the host's copy held by the BackendPlugin (every field of this ABI version set).
  // `abi_minor`: the plugin's ABI minor version; `cpu_features`: those the instance was created
  // with (it picks kernels with them).
  Backend(const EdgeBackendV1* ops, void* ctx, std::string name, uint32_t abi_minor,
          uint64_t cpu_features)
      : ops_(ops),
        ctx_(ctx),
        name_(std::move(name)),
        abi_minor_(abi_minor),
        cpu_features_(cpu_features) {}
  ~Backend() { ops_->destroy(ctx_); }
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  const std::string& name() const { return name_; }
  EdgeIsa isa() const { return ops_->isa; }
  uint32_t abi_minor() const { return abi_minor_; }
  int n_threads() const { return ops_->n_threads(ctx_); }

  // y = x * W^T for each of n_tokens rows of x; see EdgeBackendV1::matmul. Errors:
  // FailedPrecondition with the backend's own reason (last_error) when it cannot run it.
  absl::Status MatMul(const EdgeMatrixV1& w, const float* x, int64_t n_tokens, float* y);
  // The same, with every row's results the bits a one-token MatMul of that row gives
  // (EdgeBackendV1::matmul_vec_dot), or, for a backend without it (ABI < 1.2), one MatMul per
  // row. Errors: as MatMul.
  absl::Status MatMulVecDot(const EdgeMatrixV1& w, const float* x, int64_t n_tokens, float* y);
  // Whether the kernel entry of `format` this backend runs declares
  // EDGE_KERNEL_BATCH_MATCHES_VEC_DOT, so a MatMul of any row count gives every row vec_dot's
  // bits. Picks the entry as the in-tree backends do (backends/common/kernel_selection.cc): the
  // first with a vec_dot whose ISA is the backend's and whose CPU features are there, else the
  // first such scalar one.
  bool BatchMatchesVecDot(const QuantFormat& format) const;
  // Rotates n_rows rows of n floats in place (EdgeBackendV1::hadamard; n a power of 2).
  // Errors: FailedPrecondition naming the backend when it has no such op (ABI < 1.2).
  absl::Status Hadamard(float* x, int64_t n_rows, int64_t n);
  void RmsNorm(const float* x, const float* weight, float eps, int64_t n, int64_t n_rows,
               float* y) {
    ops_->rms_norm(ctx_, x, weight, eps, n, n_rows, y);
  }
  void Rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, const int32_t* positions,
            const EdgeRopeParamsV1& params) {
    ops_->rope(ctx_, x, n_tokens, n_heads, head_dim, positions, &params);
  }
  // Over a contiguous or a paged cache (block_size > 0, a multiple of 16). A backend older than
  // ABI 1.2 gets a paged request as a contiguous copy of rows 0..max(positions), gathered here.
  // Errors: FailedPrecondition with the backend's reason when a KV-cache format has no kernel or
  // the block size is not a positive multiple of 16.
  absl::Status Attention(const EdgeAttentionV1& a, const float* q, float* out);
  // Stores n_rows rows of n floats into KV-cache rows of `format` (dst_row_bytes apart), through
  // the backend's kv_write (ggml's CPU from_float for its ISA, on its threads), or, for a
  // backend without one (ABI 1.0), with the format's from_float_ref here. Errors:
  // FailedPrecondition with the backend's reason.
  absl::Status KvWrite(const EdgeQuantFormatV1& format, const float* x, int64_t n_rows, int64_t n,
                       void* dst, size_t dst_row_bytes);
  void SiluMul(float* gate, const float* up, int64_t n) { ops_->silu_mul(ctx_, gate, up, n); }
  void Add(float* y, const float* x, int64_t n, int64_t n_rows, bool broadcast_x) {
    ops_->add(ctx_, y, x, n, n_rows, broadcast_x ? 1 : 0);
  }

 private:
  // The plugin's last_error, or `fallback` for a backend that has none (ABI 1.0).
  std::string Reason(const std::string& fallback) const;
  // MatMul's error for `w` after the backend's matmul returned non-zero.
  absl::Status MatMulFailed(const EdgeMatrixV1& w) const;

  const EdgeBackendV1* ops_;
  void* ctx_;
  std::string name_;
  uint32_t abi_minor_;
  uint64_t cpu_features_;
  // Paged K then V rows gathered for a backend older than ABI 1.2; only grows.
  std::vector<uint8_t> gathered_kv_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_BACKEND_H_
