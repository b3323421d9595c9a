#include "services/inference_service.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/cpu_features.h"
#include "core/gguf/ggml_type_names.h"
#include "core/quant_format.h"
#include "core/tokenizer/streaming_detokenizer.h"
#include "services/compare.h"

namespace edgellm::server {
namespace v1 = ::edgellm::v1;

struct InferenceService::Runtime {
  explicit Runtime(size_t max_idle_contexts) : contexts(max_idle_contexts) {}

  std::unique_ptr<Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  ContextOptions context_options;
  int64_t n_ctx = 0;  // most positions of one sequence
  v1::ModelInfo info;
  // Declared after what they refer to, so they go first.
  IdlePool<InferenceContext> contexts;  // for comparisons
  std::unique_ptr<KvPool> pool;
  std::unique_ptr<PrefixCache> prefix_cache;
  absl::Mutex mu;
  std::map<std::string, std::unique_ptr<BatchScheduler>> schedulers ABSL_GUARDED_BY(mu);
};

// One line per call on stderr, written when the call ends. One fprintf per line, so lines of
// concurrent calls do not interleave.
class InferenceService::RequestLog {
 public:
  RequestLog(uint64_t id, const char* rpc) : line_(absl::StrCat("request ", id, " ", rpc)) {}

  template <typename T>
  void Add(const char* key, const T& value) {
    absl::StrAppend(&line_, " ", key, "=", value);
  }

  grpc::Status Finish(const absl::Status& status) {
    absl::StrAppend(&line_, " status=", absl::StatusCodeToString(status.code()));
    if (!status.ok()) absl::StrAppend(&line_, ": ", status.message());
    std::fprintf(stderr, "edgellm_server: %s\n", line_.c_str());
    return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                        std::string(status.message()));
  }

 private:
  std::string line_;
};

namespace {

uint64_t DrawSeed() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) | rd();
}

// Why a call ended early: its deadline or the client.
absl::Status GaveUp(const grpc::ServerContext& context) {
  if (context.deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError("the call's deadline passed; generation stopped");
  }
  return absl::CancelledError("the client cancelled the call; generation stopped");
}

void SetTimings(const GenerateResult& r, v1::Timings* t) {
  t->set_prefill_ms(r.prompt_ms);
  t->set_decode_ms(r.decode_ms);
  t->set_prefill_tokens_per_second(r.prefill_tokens_per_second);
  t->set_decode_tokens_per_second(r.decode_tokens_per_second);
}

std::vector<std::string> FeatureList(uint64_t features) {
  return absl::StrSplit(CpuFeatureNames(features), ' ', absl::SkipEmpty());
}

std::string LoadedBackendNames(const PluginRegistry& registry) {
  std::vector<std::string> names;
  for (const BackendPlugin* b : registry.backends()) names.push_back(b->name());
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

v1::ModelInfo MakeModelInfo(const Model& model, int64_t n_ctx) {
  v1::ModelInfo info;
  const ModelConfig& c = model.config();
  const GgufFile& file = model.file();
  info.set_architecture(c.architecture);
  if (absl::StatusOr<std::string> name = file.GetString("general.name"); name.ok()) {
    info.set_name(*name);
  }
  info.set_parameter_count(static_cast<uint64_t>(model.parameter_count()));
  info.set_context_length(c.n_ctx_train);
  info.set_server_context(n_ctx);
  info.set_vocab_size(c.n_vocab);
  for (const Tensor& t : file.tensors()) ++(*info.mutable_tensor_types())[GgmlTypeName(t.type_id)];
  info.set_file_size(file.file_size());
  info.set_file(file.path());
  info.set_embedding_length(c.n_embd);
  info.set_block_count(c.n_layer);
  return info;
}

}  // namespace

absl::StatusOr<std::unique_ptr<InferenceService>> InferenceService::Create(
    const PluginRegistry& registry, ServiceOptions options) {
  const int max_threads = std::max(1u, std::thread::hardware_concurrency());
  if (options.max_sessions < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_sessions is ", options.max_sessions, ", must be >= 1"));
  }
  if (options.max_queue < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_queue is ", options.max_queue, ", must be >= 0"));
  }
  if (options.threads < 0 || options.threads > max_threads) {
    return absl::InvalidArgumentError(absl::StrCat("--threads is ", options.threads,
                                                   ", must be 0 (one per core) to ", max_threads,
                                                   " (the CPU cores of this machine)"));
  }
  if (options.ctx_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--ctx_size is ", options.ctx_size, ", must be >= 0 (0 = the model's)"));
  }
  if (options.batch_size < 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("--batch_size is ", options.batch_size, ", must be >= 4"));
  }
  if (options.max_itl_factor != 0 && options.max_itl_factor <= 1) {
    return absl::InvalidArgumentError(absl::StrCat("--max_itl_factor is ", options.max_itl_factor,
                                                   ", must be > 1 (or 0: no bound)"));
  }
  if (options.kv_pool_positions < 0 || options.kv_pool_mib < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--kv_pool_positions is ", options.kv_pool_positions, " and --kv_pool_mib ",
                     options.kv_pool_mib, ": both must be >= 0 (0: the default)"));
  }
  const BackendPlugin* backend = options.default_backend.empty()
                                     ? registry.DefaultBackend()
                                     : registry.FindBackend(options.default_backend);
  if (backend == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.default_backend.empty()
            ? std::string("no backend plugin loaded")
            : absl::StrCat("--backend=", options.default_backend, " is not a loaded backend"),
        "; loaded backends: ", LoadedBackendNames(registry),
        " (run `edgellm plugins` to see what was found and why)"));
  }
  return std::unique_ptr<InferenceService>(
      new InferenceService(registry, std::move(options), backend, max_threads));
}

InferenceService::InferenceService(const PluginRegistry& registry, ServiceOptions options,
                                   const BackendPlugin* default_backend, int max_threads)
    : registry_(registry),
      options_(std::move(options)),
      default_backend_(default_backend),
      max_threads_(max_threads),
      admission_(options_.max_sessions, options_.max_queue),
      // A comparison holds two instances; keep enough for every session to find its own.
      backends_(2 * static_cast<size_t>(options_.max_sessions)) {}

InferenceService::~InferenceService() = default;

absl::Status InferenceService::LoadModel(const std::string& path) {
  {
    absl::MutexLock lock(&mu_);
    loading_path_ = path;
  }
  auto runtime = std::make_shared<Runtime>(2 * static_cast<size_t>(options_.max_sessions));
  absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(path, registry_);
  if (!model.ok()) return model.status();
  runtime->model = *std::move(model);
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      Tokenizer::FromGguf(runtime->model->file());
  if (!tokenizer.ok()) return tokenizer.status();
  runtime->tokenizer = *std::move(tokenizer);
  runtime->context_options.n_ctx = options_.ctx_size;
  runtime->context_options.batch_size = options_.batch_size;
  for (const auto& [flag, value, type] :
       {std::make_tuple("--cache_type_k", &options_.cache_type_k,
                        &runtime->context_options.cache_type_k),
        std::make_tuple("--cache_type_v", &options_.cache_type_v,
                        &runtime->context_options.cache_type_v)}) {
    absl::StatusOr<uint32_t> id = ParseCacheType(registry_, flag, *value);
    if (!id.ok()) return id.status();
    *type = *id;
  }
  const ModelConfig& c = runtime->model->config();
  const int64_t n_ctx =
      options_.ctx_size > 0 ? options_.ctx_size : std::min(c.n_ctx_train, kDefaultMaxContext);
  int64_t pool_blocks =
      KvPool::BlocksFor(options_.kv_pool_positions > 0 ? options_.kv_pool_positions : 4 * n_ctx);
  if (options_.kv_pool_mib > 0) {
    absl::StatusOr<std::unique_ptr<KvPool>> probe = KvPool::Create(
        registry_, runtime->context_options.cache_type_k, runtime->context_options.cache_type_v,
        c.n_layer, 1, c.n_head_kv, c.head_dim);
    if (!probe.ok()) return probe.status();
    pool_blocks = std::max<int64_t>(
        1, (options_.kv_pool_mib << 20) / static_cast<int64_t>((*probe)->bytes_per_block()));
  }
  absl::StatusOr<std::unique_ptr<KvPool>> pool = KvPool::Create(
      registry_, runtime->context_options.cache_type_k, runtime->context_options.cache_type_v,
      c.n_layer, pool_blocks, c.n_head_kv, c.head_dim);
  if (!pool.ok()) return pool.status();
  runtime->pool = *std::move(pool);
  if (options_.prefix_cache) {
    runtime->prefix_cache = std::make_unique<PrefixCache>(*runtime->pool, pool_blocks);
  }
  runtime->n_ctx = std::min(n_ctx, pool_blocks * KvPool::kBlockSize);
  // The default backend's scheduler, started now so that a backend that cannot start fails here.
  if (absl::StatusOr<BatchScheduler*> sched =
          GetScheduler(*runtime, *default_backend_, options_.threads);
      !sched.ok()) {
    return sched.status();
  }
  const std::string cache_types = absl::StrCat("K ", runtime->pool->k_format().name(), ", V ",
                                               runtime->pool->v_format().name());
  std::fprintf(stderr,
               "edgellm_server: KV pool of %lld positions (%lld blocks, %.1f MiB, %s), at most "
               "%lld per sequence, prefix cache %s\n",
               static_cast<long long>(pool_blocks * KvPool::kBlockSize),
               static_cast<long long>(pool_blocks), runtime->pool->size_bytes() / 1048576.0,
               cache_types.c_str(), static_cast<long long>(runtime->n_ctx),
               options_.prefix_cache ? "on" : "off");
  runtime->info = MakeModelInfo(*runtime->model, runtime->n_ctx);
  absl::MutexLock lock(&mu_);
  runtime_ = std::move(runtime);
  return absl::OkStatus();
}

bool InferenceService::model_loaded() const {
  absl::MutexLock lock(&mu_);
  return runtime_ != nullptr;
}

absl::StatusOr<std::shared_ptr<InferenceService::Runtime>> InferenceService::GetRuntime() const {
  absl::MutexLock lock(&mu_);
  if (runtime_ != nullptr) return runtime_;
  return absl::FailedPreconditionError(
      loading_path_.empty()
          ? std::string("no model is loaded on this server")
          : absl::StrCat("the model ", loading_path_,
                         " is still loading; retry when grpc.health.v1.Health reports SERVING"));
}

absl::StatusOr<const BackendPlugin*> InferenceService::ResolveBackend(
    const std::string& name) const {
  if (name.empty()) return default_backend_;
  if (const BackendPlugin* b = registry_.FindBackend(name)) return b;
  for (const PluginRecord& r : registry_.records()) {
    if (r.kind != "backend" || r.name != name) continue;
    const uint64_t missing = r.required_cpu_features & ~registry_.cpu_features();
    if (missing != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("backend '", name, "' cannot run on this CPU: it needs ",
                       CpuFeatureNames(missing), "; use one of: ", LoadedBackendNames(registry_)));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("backend '", name, "' was not loaded (", r.reason,
                     "); use one of: ", LoadedBackendNames(registry_)));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown backend '", name, "'; loaded backends: ", LoadedBackendNames(registry_)));
}

absl::StatusOr<int> InferenceService::ResolveThreads(int32_t requested) const {
  if (requested < 0 || requested > max_threads_) {
    return absl::InvalidArgumentError(absl::StrCat("threads is ", requested, ", must be 0 (the ",
                                                   "server's default) to ", max_threads_,
                                                   " (the CPU cores of this machine)"));
  }
  return requested == 0 ? options_.threads : requested;
}

absl::StatusOr<InferenceService::Plan> InferenceService::MakePlan(const Runtime& runtime,
                                                                  const PlanInput& in) const {
  Plan plan;
  absl::StatusOr<int> threads = ResolveThreads(in.threads);
  if (!threads.ok()) return threads.status();
  plan.threads = *threads;

  std::vector<int32_t>& tokens = plan.request.prompt_tokens;
  if (!in.prompt->empty() && !in.prompt_tokens->empty()) {
    return absl::InvalidArgumentError(
        "give the prompt as text (prompt) or as token ids "
        "(prompt_tokens), not both");
  }
  if (!in.prompt_tokens->empty()) {
    const int32_t n_vocab = runtime.tokenizer->n_vocab();
    for (int i = 0; i < in.prompt_tokens->size(); ++i) {
      const int32_t id = in.prompt_tokens->Get(i);
      if (id < 0 || id >= n_vocab) {
        return absl::InvalidArgumentError(absl::StrCat(
            "prompt_tokens[", i, "] is ", id, ", outside the vocabulary [0, ", n_vocab, ")"));
      }
    }
    tokens.assign(in.prompt_tokens->begin(), in.prompt_tokens->end());
  } else if (in.prompt->empty()) {
    return absl::InvalidArgumentError("the prompt is empty: set prompt (text) or prompt_tokens");
  } else {
    tokens = runtime.tokenizer->Encode(*in.prompt, in.add_bos, /*parse_special=*/true);
    if (tokens.empty()) return absl::InvalidArgumentError("the prompt encodes to no tokens");
  }
  if (static_cast<int64_t>(tokens.size()) > runtime.n_ctx) {
    return absl::InvalidArgumentError(
        absl::StrCat("prompt has ", tokens.size(), " tokens, more than the context size ",
                     runtime.n_ctx, "; shorten it or start the server with a larger --ctx_size"));
  }
  if (in.max_tokens < 1 || in.max_tokens > runtime.n_ctx) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_tokens is ", in.max_tokens, ", must be 1 to ", runtime.n_ctx, " (the context size)"));
  }
  plan.request.max_tokens = in.max_tokens;
  plan.request.ignore_eos = in.ignore_eos;
  if (in.stop != nullptr) {
    for (int i = 0; i < in.stop->size(); ++i) {
      if (in.stop->Get(i).empty()) {
        return absl::InvalidArgumentError(absl::StrCat("stop string ", i, " is empty"));
      }
    }
    plan.request.stop.assign(in.stop->begin(), in.stop->end());
  }

  SamplingParams& s = plan.request.sampling;  // the server's defaults, then the request's
  const v1::SamplingParams& p = *in.sampling;
  s.temperature = p.has_temperature() ? p.temperature() : in.default_temperature;
  if (p.has_top_k()) s.top_k = p.top_k();
  if (p.has_top_p()) s.top_p = p.top_p();
  if (p.has_min_p()) s.min_p = p.min_p();
  if (p.has_repeat_penalty()) s.repeat_penalty = p.repeat_penalty();
  if (p.has_presence_penalty()) s.presence_penalty = p.presence_penalty();
  if (p.has_frequency_penalty()) s.frequency_penalty = p.frequency_penalty();
  if (p.has_penalty_last_n()) s.penalty_last_n = p.penalty_last_n();
  s.seed = p.has_seed() ? p.seed() : DrawSeed();
  if (absl::Status st = s.Validate(); !st.ok()) return st;
  return plan;
}

absl::StatusOr<Lease<Backend>> InferenceService::AcquireBackend(const BackendPlugin& plugin,
                                                                int threads) {
  const std::string key = absl::StrCat(plugin.name(), "/", threads);
  std::unique_ptr<Backend> backend = backends_.Take(key);
  if (backend == nullptr) {
    absl::StatusOr<std::unique_ptr<Backend>> created = plugin.Create(threads);
    if (!created.ok()) return created.status();
    backend = *std::move(created);
  }
  return Lease<Backend>(&backends_, key, std::move(backend));
}

absl::StatusOr<BatchScheduler*> InferenceService::GetScheduler(Runtime& runtime,
                                                               const BackendPlugin& plugin,
                                                               int threads) {
  const std::string key = absl::StrCat(plugin.name(), "/", threads);
  absl::MutexLock lock(&runtime.mu);
  auto it = runtime.schedulers.find(key);
  if (it != runtime.schedulers.end()) return it->second.get();
  absl::StatusOr<std::unique_ptr<Backend>> backend = plugin.Create(threads);
  if (!backend.ok()) return backend.status();
  SchedulerOptions options;
  options.n_ctx = runtime.n_ctx;
  options.step_tokens = options_.batch_size;
  options.max_sequences = options_.max_sessions;
  options.max_itl_factor = options_.max_itl_factor;
  auto scheduler = std::make_unique<BatchScheduler>(*runtime.model, *runtime.tokenizer,
                                                    *runtime.pool, runtime.prefix_cache.get(),
                                                    plugin.name(), *std::move(backend), options);
  BatchScheduler* raw = scheduler.get();
  runtime.schedulers.emplace(key, std::move(scheduler));
  return raw;
}

absl::StatusOr<Lease<InferenceContext>> InferenceService::AcquireContext(Runtime& runtime,
                                                                         Backend* backend) {
  std::unique_ptr<InferenceContext> ctx = runtime.contexts.Take("");
  if (ctx == nullptr) {
    absl::StatusOr<std::unique_ptr<InferenceContext>> created =
        InferenceContext::Create(*runtime.model, backend, runtime.context_options);
    if (!created.ok()) return created.status();
    ctx = *std::move(created);
  } else {
    ctx->set_backend(backend);
  }
  return Lease<InferenceContext>(&runtime.contexts, "", std::move(ctx));
}

grpc::Status InferenceService::Generate(grpc::ServerContext* context,
                                        const v1::GenerateRequest* request,
                                        grpc::ServerWriter<v1::GenerateResponse>* writer) {
  RequestLog log(next_request_id_++, "Generate");
  return log.Finish(DoGenerate(context, *request, writer, log));
}

absl::Status InferenceService::DoGenerate(grpc::ServerContext* context,
                                          const v1::GenerateRequest& request,
                                          grpc::ServerWriter<v1::GenerateResponse>* writer,
                                          RequestLog& log) {
  // Declared first: the leases below return their objects into the runtime's pool.
  absl::StatusOr<std::shared_ptr<Runtime>> runtime = GetRuntime();
  if (!runtime.ok()) return runtime.status();
  absl::StatusOr<const BackendPlugin*> plugin = ResolveBackend(request.backend());
  if (!plugin.ok()) return plugin.status();
  absl::StatusOr<Plan> plan =
      MakePlan(**runtime, {&request.prompt(), &request.prompt_tokens(),
                           !request.has_add_bos() || request.add_bos(), request.max_tokens(),
                           &request.sampling(), SamplingParams().temperature, request.threads(),
                           &request.stop(), request.ignore_eos()});
  if (!plan.ok()) return plan.status();
  const std::string backend_name = (*plugin)->name();
  log.Add("backend", backend_name);
  log.Add("threads", plan->threads);
  log.Add("prompt_tokens", plan->request.prompt_tokens.size());
  log.Add("max_tokens", plan->request.max_tokens);

  absl::StatusOr<Admission::Slot> slot =
      admission_.Enter([context] { return context->IsCancelled(); });
  if (!slot.ok()) return absl::IsCancelled(slot.status()) ? GaveUp(*context) : slot.status();
  absl::StatusOr<BatchScheduler*> scheduler = GetScheduler(**runtime, **plugin, plan->threads);
  if (!scheduler.ok()) return scheduler.status();

  // Runs on this thread: a slow client holds back only its own stream.
  const ChunkCallback stream = [&](const GenerateChunk& chunk) {
    v1::GenerateResponse response;
    response.set_text(chunk.text);
    response.mutable_token_ids()->Add(chunk.tokens.begin(), chunk.tokens.end());
    response.set_backend(backend_name);
    return writer->Write(response);
  };
  absl::StatusOr<GenerateResult> result =
      (*scheduler)->Generate(plan->request, stream, [context] { return context->IsCancelled(); });
  if (!result.ok()) return result.status();
  log.Add("completion_tokens", result->tokens.size());
  log.Add("finish", result->finish_reason);
  log.Add("cached_prompt_tokens", result->cached_prompt_tokens);
  log.Add("prefill_ms", absl::StrFormat("%.2f", result->prompt_ms));
  log.Add("decode_ms", absl::StrFormat("%.2f", result->decode_ms));
  log.Add("decode_tok_s", absl::StrFormat("%.1f", result->decode_tokens_per_second));
  if (result->finish_reason == "cancelled") return GaveUp(*context);

  v1::GenerateResponse last;
  last.set_finish_reason(result->finish_reason);
  last.mutable_usage()->set_prompt_tokens(static_cast<int32_t>(result->prompt_tokens.size()));
  last.mutable_usage()->set_completion_tokens(static_cast<int32_t>(result->tokens.size()));
  last.mutable_usage()->set_cached_prompt_tokens(
      static_cast<int32_t>(result->cached_prompt_tokens));
  SetTimings(*result, last.mutable_timings());
  last.set_backend(backend_name);
  last.set_seed(plan->request.sampling.seed);
  if (!writer->Write(last)) return GaveUp(*context);
  return absl::OkStatus();
}

grpc::Status InferenceService::Compare(grpc::ServerContext* context,
                                       const v1::CompareRequest* request,
                                       v1::CompareResponse* response) {
  RequestLog log(next_request_id_++, "Compare");
  return log.Finish(DoCompare(context, *request, response, log));
}

absl::Status InferenceService::DoCompare(grpc::ServerContext* context,
                                         const v1::CompareRequest& request,
                                         v1::CompareResponse* response, RequestLog& log) {
  absl::StatusOr<std::shared_ptr<Runtime>> runtime = GetRuntime();
  if (!runtime.ok()) return runtime.status();
  absl::StatusOr<const BackendPlugin*> plugin_a = ResolveBackend(request.backend_a());
  if (!plugin_a.ok()) return plugin_a.status();
  absl::StatusOr<const BackendPlugin*> plugin_b = ResolveBackend(request.backend_b());
  if (!plugin_b.ok()) return plugin_b.status();
  // Greedy unless the request sets a temperature: argmax agreement is then token agreement.
  absl::StatusOr<Plan> plan =
      MakePlan(**runtime, {&request.prompt(), &request.prompt_tokens(),
                           !request.has_add_bos() || request.add_bos(), request.max_tokens(),
                           &request.sampling(), /*default_temperature=*/0.0f, request.threads(),
                           /*stop=*/nullptr, /*ignore_eos=*/false});
  if (!plan.ok()) return plan.status();
  log.Add("backend_a", (*plugin_a)->name());
  log.Add("backend_b", (*plugin_b)->name());
  log.Add("threads", plan->threads);
  log.Add("prompt_tokens", plan->request.prompt_tokens.size());
  log.Add("max_tokens", plan->request.max_tokens);

  absl::StatusOr<Admission::Slot> slot =
      admission_.Enter([context] { return context->IsCancelled(); });
  if (!slot.ok()) return absl::IsCancelled(slot.status()) ? GaveUp(*context) : slot.status();
  absl::StatusOr<Lease<Backend>> backend_a = AcquireBackend(**plugin_a, plan->threads);
  if (!backend_a.ok()) return backend_a.status();
  absl::StatusOr<Lease<Backend>> backend_b = AcquireBackend(**plugin_b, plan->threads);
  if (!backend_b.ok()) return backend_b.status();
  absl::StatusOr<Lease<InferenceContext>> ctx_a = AcquireContext(**runtime, backend_a->get());
  if (!ctx_a.ok()) return ctx_a.status();
  absl::StatusOr<Lease<InferenceContext>> ctx_b = AcquireContext(**runtime, backend_b->get());
  if (!ctx_b.ok()) return ctx_b.status();

  absl::StatusOr<Comparison> cmp =
      CompareBackends(**ctx_a, **ctx_b, *(*runtime)->tokenizer, plan->request,
                      [context] { return context->IsCancelled(); });
  if (!cmp.ok()) return absl::IsCancelled(cmp.status()) ? GaveUp(*context) : cmp.status();

  const auto fill = [](const BackendPlugin& plugin, const GenerateResult& r, v1::CompareSide* s) {
    s->set_backend(plugin.name());
    s->set_text(r.text);
    s->mutable_token_ids()->Add(r.tokens.begin(), r.tokens.end());
    SetTimings(r, s->mutable_timings());
    s->set_finish_reason(r.finish_reason);
  };
  fill(**plugin_a, cmp->a, response->mutable_a());
  fill(**plugin_b, cmp->b, response->mutable_b());
  response->set_agreeing_prefix_tokens(cmp->agreeing_prefix_tokens);
  response->set_argmax_agreement(cmp->divergence.argmax_agreement());
  response->set_max_kl_divergence(cmp->divergence.max_kl());
  response->set_mean_kl_divergence(cmp->divergence.mean_kl());
  response->set_steps_compared(cmp->divergence.steps());
  response->set_seed(plan->request.sampling.seed);
  log.Add("tokens_a", cmp->a.tokens.size());
  log.Add("tokens_b", cmp->b.tokens.size());
  log.Add("agreeing_prefix", cmp->agreeing_prefix_tokens);
  log.Add("argmax_agreement", absl::StrFormat("%.4f", cmp->divergence.argmax_agreement()));
  log.Add("max_kl", absl::StrFormat("%.3g", cmp->divergence.max_kl()));
  log.Add("decode_ms_a", absl::StrFormat("%.2f", cmp->a.decode_ms));
  log.Add("decode_ms_b", absl::StrFormat("%.2f", cmp->b.decode_ms));
  return absl::OkStatus();
}

grpc::Status InferenceService::Tokenize(grpc::ServerContext*, const v1::TokenizeRequest* request,
                                        v1::TokenizeResponse* response) {
  RequestLog log(next_request_id_++, "Tokenize");
  absl::StatusOr<std::shared_ptr<Runtime>> runtime = GetRuntime();
  if (!runtime.ok()) return log.Finish(runtime.status());
  const Tokenizer& tokenizer = *(*runtime)->tokenizer;
  const std::vector<int32_t> ids =
      tokenizer.Encode(request->text(), !request->has_add_bos() || request->add_bos(),
                       !request->has_parse_special() || request->parse_special());
  for (int32_t id : ids) {
    response->add_token_ids(id);
    response->add_pieces(tokenizer.TokenToPiece(id, /*special=*/true));
  }
  log.Add("tokens", ids.size());
  return log.Finish(absl::OkStatus());
}

grpc::Status InferenceService::Detokenize(grpc::ServerContext*,
                                          const v1::DetokenizeRequest* request,
                                          v1::DetokenizeResponse* response) {
  RequestLog log(next_request_id_++, "Detokenize");
  absl::StatusOr<std::shared_ptr<Runtime>> runtime = GetRuntime();
  if (!runtime.ok()) return log.Finish(runtime.status());
  const Tokenizer& tokenizer = *(*runtime)->tokenizer;
  for (int i = 0; i < request->token_ids_size(); ++i) {
    const int32_t id = request->token_ids(i);
    if (id < 0 || id >= tokenizer.n_vocab()) {
      return log.Finish(absl::InvalidArgumentError(absl::StrCat("token_ids[", i, "] is ", id,
                                                                ", outside the vocabulary [0, ",
                                                                tokenizer.n_vocab(), ")")));
    }
  }
  // As generation renders text: whole UTF-8 characters, control tokens as "".
  StreamingDetokenizer detokenizer(tokenizer);
  std::string text;
  for (int32_t id : request->token_ids()) text += detokenizer.Feed(id);
  text += detokenizer.Flush();
  response->set_text(text);
  log.Add("tokens", request->token_ids_size());
  return log.Finish(absl::OkStatus());
}

grpc::Status InferenceService::ListBackends(grpc::ServerContext*, const v1::ListBackendsRequest*,
                                            v1::ListBackendsResponse* response) {
  RequestLog log(next_request_id_++, "ListBackends");
  for (const PluginRecord& r : registry_.records()) {
    if (r.kind != "backend") continue;
    v1::BackendInfo* b = response->add_backends();
    b->set_name(r.name);
    b->set_supported((r.required_cpu_features & ~registry_.cpu_features()) == 0);
    b->set_loaded(r.loaded);
    b->set_reason(r.reason);
    b->set_version(r.version);
    for (const std::string& f : FeatureList(r.required_cpu_features)) {
      b->add_required_cpu_features(f);
    }
    // A refused plugin's tables are never read, so only a loaded backend tells its ISA.
    if (const BackendPlugin* p = r.loaded ? registry_.FindBackend(r.name) : nullptr) {
      b->set_isa(IsaName(p->isa()));
    }
  }
  response->set_default_backend(default_backend_->name());
  for (const std::string& f : FeatureList(registry_.cpu_features())) response->add_cpu_features(f);
  log.Add("backends", response->backends_size());
  return log.Finish(absl::OkStatus());
}

grpc::Status InferenceService::ListQuantFormats(grpc::ServerContext*,
                                                const v1::ListQuantFormatsRequest*,
                                                v1::ListQuantFormatsResponse* response) {
  RequestLog log(next_request_id_++, "ListQuantFormats");
  for (const QuantFormat* f : registry_.formats()) {
    v1::QuantFormatInfo* info = response->add_formats();
    info->set_type_id(f->type_id());
    info->set_name(f->name());
    info->set_block_size(f->block_size());
    info->set_type_size(f->type_size());
    const QuantFormat* vec_dot = registry_.FindFormat(f->vec_dot_type());
    info->set_vec_dot_type(vec_dot != nullptr ? vec_dot->name() : GgmlTypeName(f->vec_dot_type()));
    for (EdgeIsa isa : f->vec_dot_isas()) info->add_isas(IsaName(isa));
  }
  log.Add("formats", response->formats_size());
  return log.Finish(absl::OkStatus());
}

grpc::Status InferenceService::GetModelInfo(grpc::ServerContext*, const v1::GetModelInfoRequest*,
                                            v1::ModelInfo* response) {
  RequestLog log(next_request_id_++, "GetModelInfo");
  absl::StatusOr<std::shared_ptr<Runtime>> runtime = GetRuntime();
  if (!runtime.ok()) return log.Finish(runtime.status());
  *response = (*runtime)->info;
  return log.Finish(absl::OkStatus());
}

}  // namespace edgellm::server
