#include "tools/synth/synth_model.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/gguf/ggml_type_names.h"
#include "core/gguf/gguf_file.h"
#include "core/gguf/gguf_writer.h"
#include "core/quant_format.h"

namespace edgellm::synth {
namespace {

constexpr float kWeightStd = 0.02f;
constexpr float kNormNoiseStd = 0.02f;
constexpr uint32_t kQuantizationVersion = 2;  // GGML_QNT_VERSION
constexpr uint32_t kAlignment = 32;
// Elements generated and quantized per work item: large enough that the atomic counter costs
// nothing, small enough that two threads share even a single small tensor.
constexpr int64_t kChunkElements = 1 << 16;

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : s) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  return h;
}

// Fills `out` with standard normal values (Box-Muller on 24-bit uniforms; the generator and the
// transform are spelled out so the values do not depend on the standard library's
// distributions).
void FillNormal(uint64_t stream_seed, float* out, int64_t n) {
  uint64_t state = stream_seed;
  constexpr float kInv24 = 1.0f / 16777216.0f;
  constexpr float kTwoPi = 6.28318530717958647692f;
  for (int64_t i = 0; i < n; i += 2) {
    const uint64_t bits = SplitMix64(&state);
    const float u1 = static_cast<float>((bits >> 40) + 1) * kInv24;  // (0, 1]
    const float u2 = static_cast<float>((bits >> 16) & 0xFFFFFF) * kInv24;
    const float r = std::sqrt(-2.0f * std::log(u1));
    out[i] = r * std::cos(kTwoPi * u2);
    if (i + 1 < n) out[i + 1] = r * std::sin(kTwoPi * u2);
  }
}

enum class Init { kWeight, kNorm };

struct TensorPlan {
  std::string name;
  std::vector<int64_t> ne;
  uint32_t type = 0;
  Init init = Init::kWeight;
};

int ResolveThreads(int n) {
  if (n > 0) return n;
  return std::max(1u, std::thread::hardware_concurrency());
}

// The tensor's data: each row drawn from its own stream and quantized, rows in parallel.
std::string MakeTensorData(const TensorPlan& t, const QuantFormat& format, uint64_t seed,
                           int n_threads) {
  const int64_t cols = t.ne[0];
  int64_t rows = 1;
  for (size_t d = 1; d < t.ne.size(); ++d) rows *= t.ne[d];
  const size_t row_bytes = format.RowBytes(cols);
  std::string data(static_cast<size_t>(rows) * row_bytes, '\0');
  uint64_t tensor_state = seed ^ Fnv1a(t.name);
  const uint64_t tensor_seed = SplitMix64(&tensor_state);
  const int64_t chunk = std::max<int64_t>(1, kChunkElements / cols);
  std::atomic<int64_t> next{0};
  auto work = [&] {
    std::vector<float> row(static_cast<size_t>(cols));
    for (;;) {
      const int64_t r0 = next.fetch_add(chunk);
      if (r0 >= rows) return;
      for (int64_t r = r0; r < std::min(rows, r0 + chunk); ++r) {
        uint64_t row_state = tensor_seed + static_cast<uint64_t>(r) * 0xD1B54A32D192ED03ull;
        FillNormal(SplitMix64(&row_state), row.data(), cols);
        const float scale = t.init == Init::kNorm ? kNormNoiseStd : kWeightStd;
        const float offset = t.init == Init::kNorm ? 1.0f : 0.0f;
        for (float& x : row) x = offset + scale * x;
        format.FromFloatRef(row.data(), &data[static_cast<size_t>(r) * row_bytes], cols);
      }
    }
  };
  const int n_workers = static_cast<int>(std::min<int64_t>(n_threads, (rows + chunk - 1) / chunk));
  std::vector<std::thread> workers;
  for (int i = 1; i < n_workers; ++i) workers.emplace_back(work);
  work();
  for (std::thread& w : workers) w.join();
  return data;
}

struct Donor {
  std::vector<std::pair<std::string, GgufValue>> tokenizer_keys;
  int64_t n_vocab = 0;
};

absl::StatusOr<Donor> ReadDonor(const std::string& path, const PluginRegistry& registry) {
  absl::StatusOr<std::unique_ptr<GgufFile>> file =
      GgufFile::Open(path, [&registry](uint32_t id) { return registry.LookupLayout(id); });
  if (!file.ok()) return file.status();
  Donor donor;
  for (const auto& [key, value] : (*file)->metadata()) {
    if (absl::StartsWith(key, "tokenizer.")) donor.tokenizer_keys.emplace_back(key, value);
  }
  absl::StatusOr<const std::vector<std::string>*> tokens =
      (*file)->GetStringArray("tokenizer.ggml.tokens");
  if (!tokens.ok()) {
    return absl::NotFoundError(
        absl::StrCat("tokenizer donor ", path,
                     " has no tokenizer.ggml.tokens: give a GGUF with a tokenizer (--donor=FILE)"));
  }
  donor.n_vocab = static_cast<int64_t>((*tokens)->size());
  return donor;
}

std::vector<TensorPlan> PlanTensors(const ModelShape& s, int64_t n_vocab) {
  const int64_t E = s.n_embd, Q = s.n_head * s.head_dim(), KV = s.n_head_kv * s.head_dim();
  const int64_t F = s.n_ff;
  std::vector<TensorPlan> plan;
  auto add = [&plan](std::string name, std::vector<int64_t> ne, Init init) {
    plan.push_back({std::move(name), std::move(ne), 0, init});
  };
  add("token_embd.weight", {E, n_vocab}, Init::kWeight);
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string p = absl::StrCat("blk.", l, ".");
    add(p + "attn_norm.weight", {E}, Init::kNorm);
    add(p + "attn_q.weight", {E, Q}, Init::kWeight);
    if (s.qkv_bias) add(p + "attn_q.bias", {Q}, Init::kWeight);
    add(p + "attn_k.weight", {E, KV}, Init::kWeight);
    if (s.qkv_bias) add(p + "attn_k.bias", {KV}, Init::kWeight);
    add(p + "attn_v.weight", {E, KV}, Init::kWeight);
    if (s.qkv_bias) add(p + "attn_v.bias", {KV}, Init::kWeight);
    add(p + "attn_output.weight", {Q, E}, Init::kWeight);
    add(p + "ffn_norm.weight", {E}, Init::kNorm);
    add(p + "ffn_gate.weight", {E, F}, Init::kWeight);
    add(p + "ffn_up.weight", {E, F}, Init::kWeight);
    add(p + "ffn_down.weight", {F, E}, Init::kWeight);
  }
  add("output_norm.weight", {E}, Init::kNorm);
  if (!s.tied_embeddings) add("output.weight", {E, n_vocab}, Init::kWeight);
  return plan;
}

// The weight role of a matrix name ("blk.3.attn_v.weight" -> kAttnV, layer 3).
WeightRole RoleOf(const std::string& name, int64_t* layer) {
  *layer = 0;
  if (name == "token_embd.weight") return WeightRole::kTokenEmbd;
  if (name == "output.weight") return WeightRole::kOutput;
  const size_t dot = name.find('.', 4);
  *layer = std::stoll(name.substr(4, dot - 4));
  const std::string rest = name.substr(dot + 1);
  if (rest == "attn_q.weight") return WeightRole::kAttnQ;
  if (rest == "attn_k.weight") return WeightRole::kAttnK;
  if (rest == "attn_v.weight") return WeightRole::kAttnV;
  if (rest == "attn_output.weight") return WeightRole::kAttnOutput;
  if (rest == "ffn_gate.weight") return WeightRole::kFfnGate;
  if (rest == "ffn_up.weight") return WeightRole::kFfnUp;
  return WeightRole::kFfnDown;
}

}  // namespace

absl::StatusOr<ModelShape> ArchShape(std::string_view arch) {
  ModelShape s;
  s.arch = std::string(arch);
  s.n_ctx = 2048;
  if (arch == "llama") {
    s.rope_freq_base = 10000.0f;
    s.rms_eps = 1e-5f;
    return s;
  }
  if (arch == "qwen2") {
    s.rope_freq_base = 1000000.0f;
    s.rms_eps = 1e-6f;
    s.qkv_bias = true;
    return s;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown architecture '", std::string(arch), "'; use llama or qwen2"));
}

std::vector<std::string> ShapeNames() {
  return {"tinyllama-1.1b", "qwen1.5-0.5b", "tiny-llama", "tiny-qwen2"};
}

absl::StatusOr<ModelShape> NamedShape(std::string_view name) {
  struct Sizes {
    const char* name;
    const char* arch;
    int64_t n_embd, n_ff, n_layer, n_head, n_head_kv, n_ctx;
    bool tied;
  };
  constexpr Sizes kShapes[] = {
      {"tinyllama-1.1b", "llama", 2048, 5632, 22, 32, 4, 2048, false},
      {"qwen1.5-0.5b", "qwen2", 1024, 2816, 24, 16, 16, 32768, true},
      {"tiny-llama", "llama", 256, 768, 8, 8, 2, 512, false},
      {"tiny-qwen2", "qwen2", 256, 512, 8, 4, 2, 512, false},
  };
  for (const Sizes& z : kShapes) {
    if (name != z.name) continue;
    absl::StatusOr<ModelShape> s = ArchShape(z.arch);
    if (!s.ok()) return s.status();
    s->name = z.name;
    s->n_embd = z.n_embd;
    s->n_ff = z.n_ff;
    s->n_layer = z.n_layer;
    s->n_head = z.n_head;
    s->n_head_kv = z.n_head_kv;
    s->n_ctx = z.n_ctx;
    s->tied_embeddings = z.tied;
    return s;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown shape '", std::string(name), "'; use one of ", absl::StrJoin(ShapeNames(), " "),
      ", or give --arch --hidden --ffn --layers --heads"));
}

absl::Status ValidateShape(const ModelShape& s) {
  if (s.arch != "llama" && s.arch != "qwen2") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown architecture '", s.arch, "'; use llama or qwen2"));
  }
  const std::pair<const char*, int64_t> sizes[] = {
      {"hidden size", s.n_embd}, {"FFN size", s.n_ff},           {"layer count", s.n_layer},
      {"head count", s.n_head},  {"KV head count", s.n_head_kv}, {"context length", s.n_ctx}};
  for (const auto& [what, v] : sizes) {
    if (v <= 0) return absl::InvalidArgumentError(absl::StrCat(what, " ", v, " must be positive"));
  }
  if (s.n_vocab < 0) {
    return absl::InvalidArgumentError(absl::StrCat("vocabulary size ", s.n_vocab, " is negative"));
  }
  if (s.n_embd % s.n_head != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "hidden size %d is not a multiple of the head count %d", s.n_embd, s.n_head));
  }
  if (s.n_head % s.n_head_kv != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "head count %d is not a multiple of the KV head count %d", s.n_head, s.n_head_kv));
  }
  if (s.head_dim() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("head size %d (hidden / heads) is odd: RoPE rotates pairs", s.head_dim()));
  }
  return absl::OkStatus();
}

std::string DefaultDonor(std::string_view arch) {
  return arch == "qwen2" ? "models/llama-cpp-vocab/ggml-vocab-gpt-2.gguf"
                         : "models/llama-cpp-vocab/ggml-vocab-llama-spm.gguf";
}

absl::StatusOr<SynthSummary> WriteSyntheticModel(const SynthOptions& options,
                                                 const PluginRegistry& registry,
                                                 const std::string& out_path) {
  const ModelShape& s = options.shape;
  if (absl::Status st = ValidateShape(s); !st.ok()) return st;
  absl::StatusOr<Donor> donor = ReadDonor(options.donor_path, registry);
  if (!donor.ok()) return donor.status();
  if (s.n_vocab != 0 && s.n_vocab != donor->n_vocab) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "vocabulary size %d differs from the donor tokenizer's %d (%s): leave it out, or give "
        "a donor with that many tokens",
        s.n_vocab, donor->n_vocab, options.donor_path));
  }

  std::vector<TensorPlan> plan = PlanTensors(s, donor->n_vocab);
  const MixModel mix_model{s.n_layer, s.n_head, s.n_head_kv, !s.tied_embeddings};
  const BlockSizeLookup block_size = [&registry](uint32_t id) -> absl::StatusOr<int64_t> {
    absl::StatusOr<TypeLayout> layout = registry.LookupLayout(id);
    if (!layout.ok()) return layout.status();
    return layout->block_size;
  };
  for (TensorPlan& t : plan) {
    if (t.ne.size() == 1) {
      t.type = EDGE_GGML_TYPE_F32;
      continue;
    }
    int64_t layer = 0;
    const WeightRole role = RoleOf(t.name, &layer);
    absl::StatusOr<uint32_t> type =
        FitRowLength(ChooseWeightType(options.mix, role, layer, mix_model), t.ne[0], block_size);
    if (!type.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(t.name, ": ", type.status().message()));
    }
    t.type = *type;
  }

  GgufWriter writer;
  const std::string& a = s.arch;
  auto u32 = [](int64_t v) { return GgufValue::Of(static_cast<uint32_t>(v)); };
  std::vector<std::pair<std::string, GgufValue>> metadata = {
      {"general.architecture", GgufValue::String(a)},
      {"general.name", GgufValue::String(s.name)},
      {"general.description",
       GgufValue::String(absl::StrCat("synthetic random weights (edgellm synth, seed ",
                                      options.seed, "): text is gibberish by construction"))},
      {"general.file_type", u32(static_cast<uint32_t>(options.mix.file_type))},
      {"general.quantization_version", u32(kQuantizationVersion)},
      {"general.alignment", u32(kAlignment)},
      {a + ".vocab_size", u32(donor->n_vocab)},
      {a + ".context_length", u32(s.n_ctx)},
      {a + ".embedding_length", u32(s.n_embd)},
      {a + ".feed_forward_length", u32(s.n_ff)},
      {a + ".block_count", u32(s.n_layer)},
      {a + ".attention.head_count", u32(s.n_head)},
      {a + ".attention.head_count_kv", u32(s.n_head_kv)},
      {a + ".attention.layer_norm_rms_epsilon", GgufValue::Of(s.rms_eps)},
      {a + ".rope.dimension_count", u32(s.head_dim())},
      {a + ".rope.freq_base", GgufValue::Of(s.rope_freq_base)},
  };
  for (auto& kv : donor->tokenizer_keys) metadata.push_back(std::move(kv));
  for (auto& [key, value] : metadata) {
    if (absl::Status st = writer.AddMetadata(key, std::move(value)); !st.ok()) return st;
  }

  SynthSummary summary;
  summary.n_vocab = donor->n_vocab;
  summary.n_tensors = plan.size();
  const int n_threads = ResolveThreads(options.n_threads);
  for (const TensorPlan& t : plan) {
    const QuantFormat* format = registry.FindFormat(t.type);
    if (format == nullptr) {
      return absl::NotFoundError(absl::StrFormat(
          "%s needs type %s: no quant-format plugin loaded for it (see `edgellm plugins`)", t.name,
          GgmlTypeName(t.type)));
    }
    int64_t n = 1;
    for (const int64_t d : t.ne) n *= d;
    summary.n_params += n;
    ++summary.tensors_per_type[GgmlTypeName(t.type)];
    std::string data = MakeTensorData(t, *format, options.seed, n_threads);
    if (absl::Status st = writer.AddTensor(t.name, format->layout(), t.ne, std::move(data));
        !st.ok()) {
      return st;
    }
  }
  if (absl::Status st = writer.WriteFile(out_path); !st.ok()) return st;
  std::error_code error;
  summary.file_bytes = std::filesystem::file_size(out_path, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat(out_path, ": written, but its size cannot be read: ", error.message()));
  }
  return summary;
}

}  // namespace edgellm::synth
