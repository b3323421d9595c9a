#include "core/backend.h"

#include <algorithm>
#include <cstring>

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

namespace {

// Why a paged request over cache rows 0..n_rows-1 cannot be read, or "" (the checks of the
// in-tree backends' attention, backends/common/attention.cc).
std::string PagedCacheProblem(const EdgeAttentionV1& a, int64_t n_rows) {
  if (a.block_size < 0 || a.block_size % 16 != 0) {
    return absl::StrFormat("KV cache block size %d is not a positive multiple of 16", a.block_size);
  }
  if (a.block_table == nullptr) return "paged KV cache without a block table";
  for (int64_t b = 0; b * a.block_size < n_rows; ++b) {
    if (a.block_table[b] < 0) {
      return absl::StrFormat("block table entry %d is negative (%d)", b, a.block_table[b]);
    }
  }
  return "";
}

}  // namespace

int32_t DefaultBackendScore(EdgeIsa isa) {
  switch (isa) {
    case EDGE_ISA_SCALAR:
      return EDGE_BACKEND_SCORE_SCALAR;
    case EDGE_ISA_AVX2:
      return EDGE_BACKEND_SCORE_AVX2;
    case EDGE_ISA_AVX512:
      return EDGE_BACKEND_SCORE_AVX512;
    case EDGE_ISA_NEON:
      return EDGE_BACKEND_SCORE_NEON;
    default:
      return 0;
  }
}

BackendPlugin::BackendPlugin(const EdgePluginV1* plugin, uint32_t abi_minor, std::string file,
                             uint64_t cpu_features)
    : plugin_(plugin),
      ops_(CopyDeclared(plugin->backend, DeclaredBytes(abi_minor, kBackendBytes))),
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
  return std::make_unique<Backend>(&ops_, ctx, plugin_->name, abi_minor_, cpu_features_);
}

std::string Backend::Reason(const std::string& fallback) const {
  const char* why = ops_->last_error != nullptr ? ops_->last_error(ctx_) : nullptr;
  return why != nullptr && why[0] != '\0' ? std::string(why) : fallback;
}

absl::Status Backend::MatMulFailed(const EdgeMatrixV1& w) const {
  return absl::FailedPreconditionError(
      absl::StrFormat("backend %s: %s", name_,
                      Reason(absl::StrFormat("no vec_dot kernel for %s weights with %s activations",
                                             w.format->name, w.vec_dot_format->name))));
}

absl::Status Backend::MatMul(const EdgeMatrixV1& w, const float* x, int64_t n_tokens, float* y) {
  if (ops_->matmul(ctx_, &w, x, n_tokens, y) != 0) return MatMulFailed(w);
  return absl::OkStatus();
}

absl::Status Backend::MatMulVecDot(const EdgeMatrixV1& w, const float* x, int64_t n_tokens,
                                   float* y) {
  if (abi_minor_ >= 2 && ops_->matmul_vec_dot != nullptr) {
    if (ops_->matmul_vec_dot(ctx_, &w, x, n_tokens, y) != 0) return MatMulFailed(w);
    return absl::OkStatus();
  }
  // A one-token matmul is vec_dot's, whatever the backend.
  for (int64_t t = 0; t < n_tokens; ++t) {
    if (ops_->matmul(ctx_, &w, x + t * w.n_cols, 1, y + t * w.n_rows) != 0) return MatMulFailed(w);
  }
  return absl::OkStatus();
}

absl::Status Backend::Hadamard(float* x, int64_t n_rows, int64_t n) {
  if (abi_minor_ < 2 || ops_->hadamard == nullptr) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "backend %s has no Hadamard rotation (ABI 1.2), which a quantized KV cache uses: pick an "
        "f16, bf16 or f32 cache, or another backend",
        name_));
  }
  ops_->hadamard(ctx_, x, n_rows, n);
  return absl::OkStatus();
}

bool Backend::BatchMatchesVecDot(const QuantFormat& format) const {
  const std::vector<const EdgeQuantKernelsV1*> kernels = format.kernels();
  for (EdgeIsa want : {isa(), EDGE_ISA_SCALAR}) {
    for (size_t i = 0; i < kernels.size(); ++i) {
      const EdgeQuantKernelsV1& k = *kernels[i];
      if (k.isa == want && (k.required_cpu_features & ~cpu_features_) == 0 &&
          k.vec_dot != nullptr) {
        return (format.kernel_flags(i) & EDGE_KERNEL_BATCH_MATCHES_VEC_DOT) != 0;
      }
    }
  }
  return false;
}

absl::Status Backend::Attention(const EdgeAttentionV1& a_in, const float* q, float* out) {
  if (a_in.block_size != 0 && a_in.row_block_tables != nullptr && abi_minor_ < 2) {
    // One call per run of rows that share a table (a sequence), each gathered below.
    const int64_t width = a_in.n_heads * a_in.head_dim;
    for (int64_t t0 = 0; t0 < a_in.n_tokens;) {
      int64_t t1 = t0 + 1;
      while (t1 < a_in.n_tokens && a_in.row_block_tables[t1] == a_in.row_block_tables[t0]) ++t1;
      EdgeAttentionV1 one = a_in;
      one.n_tokens = t1 - t0;
      one.positions = a_in.positions + t0;
      one.block_table = a_in.row_block_tables[t0];
      one.row_block_tables = nullptr;
      if (absl::Status s = Attention(one, q + t0 * width, out + t0 * width); !s.ok()) return s;
      t0 = t1;
    }
    return absl::OkStatus();
  }
  EdgeAttentionV1 contiguous;
  const EdgeAttentionV1* request = &a_in;
  if (a_in.block_size != 0 && abi_minor_ < 2 && a_in.n_tokens > 0) {
    // The backend knows no block table: hand it rows 0..max(positions) in one piece.
    int64_t n_rows = 0;
    for (int64_t t = 0; t < a_in.n_tokens; ++t) {
      n_rows = std::max<int64_t>(n_rows, int64_t{a_in.positions[t]} + 1);
    }
    if (std::string problem = PagedCacheProblem(a_in, n_rows); !problem.empty()) {
      return absl::FailedPreconditionError(absl::StrFormat("backend %s: %s", name_, problem));
    }
    const size_t k_bytes = static_cast<size_t>(n_rows) * a_in.k_row_bytes;
    const size_t v_bytes = static_cast<size_t>(n_rows) * a_in.v_row_bytes;
    if (gathered_kv_.size() < k_bytes + v_bytes) gathered_kv_.resize(k_bytes + v_bytes);
    uint8_t* k_out = gathered_kv_.data();
    uint8_t* v_out = k_out + k_bytes;
    const auto* k_in = static_cast<const uint8_t*>(a_in.k_cache);
    const auto* v_in = static_cast<const uint8_t*>(a_in.v_cache);
    // A block's rows lie one after another: one copy per block.
    for (int64_t p = 0; p < n_rows; p += a_in.block_size) {
      const auto block = static_cast<size_t>(a_in.block_table[p / a_in.block_size]);
      const auto rows = static_cast<size_t>(std::min(a_in.block_size, n_rows - p));
      std::memcpy(k_out + p * a_in.k_row_bytes, k_in + block * a_in.k_block_bytes,
                  rows * a_in.k_row_bytes);
      std::memcpy(v_out + p * a_in.v_row_bytes, v_in + block * a_in.v_block_bytes,
                  rows * a_in.v_row_bytes);
    }
    contiguous = a_in;
    contiguous.k_cache = k_out;
    contiguous.v_cache = v_out;
    contiguous.block_size = 0;
    contiguous.block_table = nullptr;
    contiguous.row_block_tables = nullptr;
    contiguous.k_block_bytes = 0;
    contiguous.v_block_bytes = 0;
    request = &contiguous;
  }
  const EdgeAttentionV1& a = *request;
  if (ops_->attention(ctx_, &a, q, out) != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("backend %s: %s", name_,
                        Reason(absl::StrFormat("cannot run attention over a %s/%s KV cache",
                                               a.k_format->name, a.v_format->name))));
  }
  return absl::OkStatus();
}

absl::Status Backend::KvWrite(const EdgeQuantFormatV1& format, const float* x, int64_t n_rows,
                              int64_t n, void* dst, size_t dst_row_bytes) {
  if (ops_->kv_write == nullptr) {
    auto* rows = static_cast<uint8_t*>(dst);
    for (int64_t r = 0; r < n_rows; ++r)
      format.from_float_ref(x + r * n, rows + r * dst_row_bytes, n);
    return absl::OkStatus();
  }
  if (ops_->kv_write(ctx_, &format, x, n_rows, n, dst, dst_row_bytes) != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("backend %s: %s", name_,
                        Reason(absl::StrFormat("cannot write a %s KV cache", format.name))));
  }
  return absl::OkStatus();
}

}  // namespace edgellm
