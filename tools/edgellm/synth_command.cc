// `edgellm synth`: writes a llama/qwen2 GGUF with deterministic random weights and a real
// tokenizer copied from a donor GGUF (tools/synth/synth_model.h), in a named shape or one given
// by its sizes, quantized as llama-quantize would (tools/synth/mixes.h).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/plugin/plugin_paths.h"
#include "nlohmann/json.hpp"
#include "tools/edgellm/commands.h"
#include "tools/edgellm/flags.h"
#include "tools/synth/mixes.h"
#include "tools/synth/synth_model.h"

ABSL_FLAG(std::string, arch, "", "synth: architecture, llama or qwen2 (default: the shape's)");
ABSL_FLAG(std::string, shape, "",
          "synth: a named shape (tinyllama-1.1b, qwen1.5-0.5b, tiny-llama, tiny-qwen2); size "
          "flags override its sizes");
ABSL_FLAG(int32_t, hidden, 0, "synth: hidden size (embedding length)");
ABSL_FLAG(int32_t, ffn, 0, "synth: feed-forward size");
ABSL_FLAG(int32_t, layers, 0, "synth: layer count");
ABSL_FLAG(int32_t, heads, 0, "synth: attention head count");
ABSL_FLAG(int32_t, kv_heads, 0, "synth: KV head count (default: --heads, or the shape's)");
ABSL_FLAG(int32_t, vocab, 0, "synth: vocabulary size; must equal the donor's (default: it)");
ABSL_FLAG(int32_t, ctx, 0, "synth: context length written to the file (default: the shape's)");
ABSL_FLAG(std::string, type, "",
          "synth: F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q2_K Q3_K_S Q3_K_M Q3_K_L Q4_K_S Q4_K_M "
          "Q5_K_S Q5_K_M Q6_K (llama.cpp's mixes), or Q3_K Q4_K Q5_K (every matrix that type)");
ABSL_FLAG(bool, pure, false, "synth: every matrix in the base type (llama-quantize --pure)");
ABSL_FLAG(std::string, out, "", "synth: the GGUF file to write");
ABSL_FLAG(std::string, donor, "",
          "synth: GGUF whose tokenizer is copied (default: llama.cpp's llama-spm vocab for llama, "
          "gpt-2 for qwen2, from $EDGELLM_SHARED/models/llama-cpp-vocab)");

namespace edgellm::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgellm synth (--shape=NAME | --arch=llama|qwen2 --hidden=N --ffn=N --layers=N "
    "--heads=N [--kv_heads=N]) --type=TYPE --out=FILE [--vocab=N --ctx=N --seed=N --donor=FILE "
    "--pure --threads=N] [--json]\n";

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "edgellm synth: %s\n", std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<synth::ModelShape> ShapeFromFlags() {
  const std::string shape_name = absl::GetFlag(FLAGS_shape);
  const std::string arch = absl::GetFlag(FLAGS_arch);
  synth::ModelShape s;
  if (!shape_name.empty()) {
    absl::StatusOr<synth::ModelShape> named = synth::NamedShape(shape_name);
    if (!named.ok()) return named.status();
    if (!arch.empty() && arch != named->arch) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--arch=", arch, " contradicts --shape=", shape_name, " (", named->arch, ")"));
    }
    s = *named;
  } else {
    if (arch.empty()) {
      return absl::InvalidArgumentError("give --shape=NAME, or --arch with the sizes");
    }
    absl::StatusOr<synth::ModelShape> base = synth::ArchShape(arch);
    if (!base.ok()) return base.status();
    s = *base;
    s.name = absl::StrCat("synth-", arch, "-", absl::GetFlag(FLAGS_hidden));
  }
  struct SizeFlag {
    const char* name;
    const absl::Flag<int32_t>* flag;
    int64_t* field;
  };
  const SizeFlag sizes[] = {{"hidden", &FLAGS_hidden, &s.n_embd},
                            {"ffn", &FLAGS_ffn, &s.n_ff},
                            {"layers", &FLAGS_layers, &s.n_layer},
                            {"heads", &FLAGS_heads, &s.n_head},
                            {"kv_heads", &FLAGS_kv_heads, &s.n_head_kv},
                            {"vocab", &FLAGS_vocab, &s.n_vocab},
                            {"ctx", &FLAGS_ctx, &s.n_ctx}};
  for (const SizeFlag& z : sizes) {
    const int32_t v = absl::GetFlag(*z.flag);
    if (v < 0) {
      return absl::InvalidArgumentError(absl::StrCat("--", z.name, "=", v, ": must be positive"));
    }
    if (v > 0) *z.field = v;
  }
  if (shape_name.empty() && absl::GetFlag(FLAGS_kv_heads) == 0) s.n_head_kv = s.n_head;
  if (absl::Status st = synth::ValidateShape(s); !st.ok()) return st;
  return s;
}

absl::StatusOr<std::string> DonorPath(const std::string& arch) {
  const std::string flag = absl::GetFlag(FLAGS_donor);
  if (!flag.empty()) return flag;
  const char* env = std::getenv("EDGELLM_SHARED");
  std::string shared = env != nullptr ? env : "";
  // The repository convention: the shared folder is the checkout's sibling.
  if (shared.empty() && std::filesystem::is_directory("../shared")) shared = "../shared";
  if (shared.empty()) {
    return absl::NotFoundError(
        "no tokenizer donor: pass --donor=FILE, or set EDGELLM_SHARED to the shared folder");
  }
  return absl::StrCat(shared, "/", synth::DefaultDonor(arch));
}

}  // namespace

int RunSynth(const std::vector<std::string>& args) {
  const std::string out_path = absl::GetFlag(FLAGS_out);
  if (!args.empty() || out_path.empty() || absl::GetFlag(FLAGS_type).empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  absl::StatusOr<synth::ModelShape> shape = ShapeFromFlags();
  if (!shape.ok()) return Fail(shape.status());
  absl::StatusOr<synth::QuantMix> mix =
      synth::ParseQuantMix(absl::GetFlag(FLAGS_type), absl::GetFlag(FLAGS_pure));
  if (!mix.ok()) return Fail(mix.status());
  const std::vector<int32_t> threads = absl::GetFlag(FLAGS_threads).values;
  if (threads.size() != 1) {
    return Fail(absl::InvalidArgumentError("--threads: synth takes one thread count"));
  }
  const int64_t seed = absl::GetFlag(FLAGS_seed);
  if (seed < -1) return Fail(absl::InvalidArgumentError("--seed must be >= 0 (-1: 0)"));
  absl::StatusOr<std::string> donor = DonorPath(shape->arch);
  if (!donor.ok()) return Fail(donor.status());

  absl::StatusOr<std::unique_ptr<PluginRegistry>> registry =
      LoadPlugins(absl::GetFlag(FLAGS_plugin_dir));
  if (!registry.ok()) return Fail(registry.status());

  synth::SynthOptions options;
  options.shape = *shape;
  options.mix = *mix;
  options.seed = seed < 0 ? 0 : static_cast<uint64_t>(seed);
  options.n_threads = threads[0];
  options.donor_path = *donor;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<synth::SynthSummary> summary =
      synth::WriteSyntheticModel(options, **registry, out_path);
  if (!summary.ok()) return Fail(summary.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (absl::GetFlag(FLAGS_json)) {
    const nlohmann::json out = {
        {"file", out_path},
        {"arch", shape->arch},
        {"name", shape->name},
        {"type", mix->name},
        {"file_type", static_cast<uint32_t>(mix->file_type)},
        {"pure", mix->pure},
        {"seed", options.seed},
        {"donor", *donor},
        {"n_vocab", summary->n_vocab},
        {"n_params", summary->n_params},
        {"n_tensors", summary->n_tensors},
        {"file_bytes", summary->file_bytes},
        {"tensors_per_type", summary->tensors_per_type},
        {"seconds", seconds},
    };
    std::printf("%s\n", out.dump(1).c_str());
  } else {
    std::vector<std::string> types;
    for (const auto& [name, count] : summary->tensors_per_type) {
      types.push_back(absl::StrCat(count, " ", name));
    }
    std::printf(
        "wrote %s: %s %s %s%s, %lld params, vocab %lld, %zu tensors (%s), %.1f MiB, %.1f s\n",
        out_path.c_str(), shape->arch.c_str(), shape->name.c_str(), mix->name.c_str(),
        mix->pure ? " (pure)" : "", static_cast<long long>(summary->n_params),
        static_cast<long long>(summary->n_vocab), summary->n_tensors,
        absl::StrJoin(types, ", ").c_str(), summary->file_bytes / 1048576.0, seconds);
  }
  return 0;
}

}  // namespace edgellm::cli
