// `edgellm generate --model=FILE --prompt=TEXT`: text generation on one backend. Text mode
// streams the generated text (not the prompt) to stdout and the timings to stderr; --json prints
// one object at the end. --dump_logits writes the logits the sampler saw at each of the first
// --n_logit_steps steps: float32 rows of n_vocab, little-endian, no header.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/backend.h"
#include "core/engine/generator.h"
#include "core/model/inference_context.h"
#include "core/model/kv_pool.h"
#include "core/model/model.h"
#include "core/plugin/plugin_paths.h"
#include "core/plugin/plugin_registry.h"
#include "core/tokenizer/tokenizer.h"
#include "nlohmann/json.hpp"
#include "tools/edgellm/commands.h"
#include "tools/edgellm/flags.h"

ABSL_FLAG(std::string, prompt, "", "Prompt text (generate)");
ABSL_FLAG(int32_t, n_predict, 128, "Most tokens to generate; -1: until end of text or context");
ABSL_FLAG(float, temperature, 0.8f, "Sampling temperature; 0: greedy");
ABSL_FLAG(int32_t, top_k, 40, "Top-k sampling; 0: off");
ABSL_FLAG(float, top_p, 0.95f, "Top-p (nucleus) sampling; 1: off");
ABSL_FLAG(float, min_p, 0.05f, "Min-p sampling; 0: off");
ABSL_FLAG(float, repeat_penalty, 1.0f, "Repetition penalty over the last --repeat_last_n tokens");
ABSL_FLAG(float, presence_penalty, 0.0f, "Presence penalty (OpenAI's), in [-2, 2]");
ABSL_FLAG(float, frequency_penalty, 0.0f, "Frequency penalty (OpenAI's), in [-2, 2]");
ABSL_FLAG(int32_t, repeat_last_n, 64, "Tokens the penalties look back at; 0: off");
ABSL_FLAG(int32_t, batch_size, 512, "Most prompt tokens evaluated together");
ABSL_FLAG(int32_t, ctx_size, 0, "Context size in tokens; 0: the model's, at most 4096");
ABSL_FLAG(std::string, dump_logits, "",
          "Write the logits of the first --n_logit_steps steps to this file (float32 rows of "
          "n_vocab)");
ABSL_FLAG(int32_t, n_logit_steps, 4, "Steps whose logits --dump_logits writes");

namespace edgellm::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgellm generate --model=FILE --prompt=TEXT [--n_predict=N] [--temperature=T "
    "--top_k=K --top_p=P --min_p=P --repeat_penalty=R --seed=S] [--backend=NAME --threads=N "
    "--batch_size=N --ctx_size=N --cache_type_k=T --cache_type_v=T] [--json] [--dump_logits=FILE "
    "--n_logit_steps=K]\n";

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "edgellm generate: %s\n", std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<SamplingParams> SamplingFromFlags() {
  SamplingParams p;
  p.temperature = absl::GetFlag(FLAGS_temperature);
  p.top_k = absl::GetFlag(FLAGS_top_k);
  p.top_p = absl::GetFlag(FLAGS_top_p);
  p.min_p = absl::GetFlag(FLAGS_min_p);
  p.repeat_penalty = absl::GetFlag(FLAGS_repeat_penalty);
  p.presence_penalty = absl::GetFlag(FLAGS_presence_penalty);
  p.frequency_penalty = absl::GetFlag(FLAGS_frequency_penalty);
  p.penalty_last_n = absl::GetFlag(FLAGS_repeat_last_n);
  const int64_t seed = absl::GetFlag(FLAGS_seed);
  if (seed < -1) return absl::InvalidArgumentError("--seed must be >= 0, or -1 for a random one");
  p.seed = seed >= 0 ? static_cast<uint64_t>(seed)
                     : (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  if (absl::Status s = p.Validate(); !s.ok()) return s;
  return p;
}

absl::StatusOr<const BackendPlugin*> ChooseBackend(const PluginRegistry& registry) {
  const std::string name = absl::GetFlag(FLAGS_backend);
  std::vector<std::string> loaded;
  for (const BackendPlugin* b : registry.backends()) loaded.push_back(b->name());
  if (loaded.empty()) {
    return absl::NotFoundError(
        "no backend plugin loaded (see `edgellm plugins` for what was found and why)");
  }
  const BackendPlugin* backend =
      name.empty() ? registry.DefaultBackend() : registry.FindBackend(name);
  if (backend == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown backend '", name,
                                            "'; loaded backends: ", absl::StrJoin(loaded, ", ")));
  }
  return backend;
}

// Writes the first `steps` logit rows to `file`; remembers the first write error.
class LogitDump {
 public:
  LogitDump(std::FILE* file, int steps) : file_(file), steps_(steps) {}
  void Write(int step, absl::Span<const float> logits) {
    if (step >= steps_ || !ok_) return;
    ok_ = std::fwrite(logits.data(), sizeof(float), logits.size(), file_) == logits.size();
  }
  bool ok() const { return ok_; }

 private:
  std::FILE* file_;
  int steps_;
  bool ok_ = true;
};

}  // namespace

int RunGenerate(const std::vector<std::string>& args) {
  const std::string model_path = absl::GetFlag(FLAGS_model);
  const std::string dump_path = absl::GetFlag(FLAGS_dump_logits);
  const int n_logit_steps = absl::GetFlag(FLAGS_n_logit_steps);
  if (!args.empty() || model_path.empty() || absl::GetFlag(FLAGS_prompt).empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (!dump_path.empty() && n_logit_steps <= 0) {
    return Fail(absl::InvalidArgumentError("--n_logit_steps must be > 0 with --dump_logits"));
  }
  absl::StatusOr<SamplingParams> sampling = SamplingFromFlags();
  if (!sampling.ok()) return Fail(sampling.status());

  absl::StatusOr<std::unique_ptr<PluginRegistry>> registry =
      LoadPlugins(absl::GetFlag(FLAGS_plugin_dir));
  if (!registry.ok()) return Fail(registry.status());
  absl::StatusOr<const BackendPlugin*> backend_plugin = ChooseBackend(**registry);
  if (!backend_plugin.ok()) return Fail(backend_plugin.status());
  absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(model_path, **registry);
  if (!model.ok()) return Fail(model.status());
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::FromGguf((*model)->file());
  if (!tokenizer.ok()) return Fail(tokenizer.status());
  const std::vector<int32_t> threads = absl::GetFlag(FLAGS_threads).values;
  if (threads.size() != 1) {
    return Fail(absl::InvalidArgumentError("--threads: generate takes one thread count"));
  }
  absl::StatusOr<std::unique_ptr<Backend>> backend = (*backend_plugin)->Create(threads[0]);
  if (!backend.ok()) return Fail(backend.status());
  ContextOptions options;
  options.n_ctx = absl::GetFlag(FLAGS_ctx_size);
  options.batch_size = absl::GetFlag(FLAGS_batch_size);
  absl::StatusOr<uint32_t> cache_k =
      ParseCacheType(**registry, "--cache_type_k", absl::GetFlag(FLAGS_cache_type_k));
  if (!cache_k.ok()) return Fail(cache_k.status());
  absl::StatusOr<uint32_t> cache_v =
      ParseCacheType(**registry, "--cache_type_v", absl::GetFlag(FLAGS_cache_type_v));
  if (!cache_v.ok()) return Fail(cache_v.status());
  options.cache_type_k = *cache_k;
  options.cache_type_v = *cache_v;
  absl::StatusOr<std::unique_ptr<InferenceContext>> ctx =
      InferenceContext::Create(**model, backend->get(), options);
  if (!ctx.ok()) return Fail(ctx.status());

  GenerateRequest request;
  request.prompt = absl::GetFlag(FLAGS_prompt);
  request.max_tokens = absl::GetFlag(FLAGS_n_predict);
  request.sampling = *sampling;

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> dump_file(nullptr, std::fclose);
  std::unique_ptr<LogitDump> dump;
  if (!dump_path.empty()) {
    dump_file.reset(std::fopen(dump_path.c_str(), "wb"));
    if (dump_file == nullptr) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--dump_logits: cannot write '", dump_path, "'")));
    }
    dump = std::make_unique<LogitDump>(dump_file.get(), n_logit_steps);
    request.on_logits = [&dump](int step, absl::Span<const float> logits) {
      dump->Write(step, logits);
    };
  }

  const bool json = absl::GetFlag(FLAGS_json);
  ChunkCallback stream;
  if (!json) {
    stream = [](const GenerateChunk& chunk) {
      std::fwrite(chunk.text.data(), 1, chunk.text.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  }
  absl::StatusOr<GenerateResult> result = Generate(**ctx, **tokenizer, request, stream);
  if (!result.ok()) return Fail(result.status());
  if (dump != nullptr && (!dump->ok() || std::fclose(dump_file.release()) != 0)) {
    return Fail(absl::DataLossError(
        absl::StrCat("--dump_logits: writing '", dump_path, "' failed (disk full?)")));
  }

  const std::string backend_name = (*backend)->name();
  if (json) {
    const nlohmann::json out = {
        {"backend", backend_name},
        {"seed", request.sampling.seed},
        {"prompt_tokens", result->prompt_tokens},
        {"tokens", result->tokens},
        {"text", result->text},
        {"finish_reason", result->finish_reason},
        {"prompt_ms", result->prompt_ms},
        {"decode_ms", result->decode_ms},
        {"prefill_tokens_per_second", result->prefill_tokens_per_second},
        {"decode_tokens_per_second", result->decode_tokens_per_second},
    };
    // Text is valid UTF-8 already; replacement only guards against surprises.
    std::printf("%s\n", out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("\n");
    std::fprintf(stderr,
                 "edgellm generate: backend %s, seed %llu; prompt: %zu tokens in %.2f ms "
                 "(%.1f tokens/s); generated: %zu tokens in %.2f ms (%.1f tokens/s); "
                 "finish: %s\n",
                 backend_name.c_str(), static_cast<unsigned long long>(request.sampling.seed),
                 result->prompt_tokens.size(), result->prompt_ms, result->prefill_tokens_per_second,
                 result->tokens.size(), result->decode_ms, result->decode_tokens_per_second,
                 result->finish_reason.c_str());
  }
  return 0;
}

}  // namespace edgellm::cli
