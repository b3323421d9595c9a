// InferenceService: the edgellm.v1.Inference gRPC service (proto/inference.proto) over one GGUF
// model, on the gRPC synchronous server API (one handler thread per call).
//
// Generations hold an Admission slot and run in a BatchScheduler per (backend, threads): many
// streams share each forward pass and one KV pool for the model, with a prefix cache
// (core/engine/batch_scheduler.h). A comparison holds a slot and two InferenceContexts (their own
// KV caches) and backend instances taken from idle pools and put back when the call ends, however
// it ends; an instance is never shared by two calls at once (Backend is not thread-safe).
//
// Requests are checked before they take a slot, so a bad request answers INVALID_ARGUMENT at
// once and never delays or disturbs the calls in flight. Every call logs one line to stderr:
//   edgellm_server: request ID RPC key=value ... status=CODE[: message]
#ifndef EDGELLM_SERVICES_INFERENCE_SERVICE_H_
#define EDGELLM_SERVICES_INFERENCE_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/backend.h"
#include "core/engine/batch_scheduler.h"
#include "core/engine/generator.h"
#include "core/model/inference_context.h"
#include "core/model/model.h"
#include "core/plugin/plugin_registry.h"
#include "core/tokenizer/tokenizer.h"
#include "proto/inference.grpc.pb.h"
#include "services/admission.h"
#include "services/idle_pool.h"

namespace edgellm::server {

struct ServiceOptions {
  std::string default_backend;  // for requests that name none; "" = the fastest loaded
  int threads = 0;              // backend threads for requests that say 0; 0 = one per core
  int max_sessions = 16;        // generations running at once, in one batch per backend (>= 1)
  int max_queue = 16;           // requests waiting for a session (>= 0)
  int64_t ctx_size = 0;         // most positions of one sequence; 0 = the model's, at most 4096
  int batch_size = 512;         // most tokens one forward pass evaluates (>= 4)
  // The KV pool: kv_pool_mib MiB when > 0, else kv_pool_positions positions when > 0, else
  // 4 * ctx_size positions.
  int64_t kv_pool_positions = 0;
  int64_t kv_pool_mib = 0;
  bool prefix_cache = true;     // reuse the KV blocks of prompts already evaluated
  std::string cache_type_k = "f16";  // KV cache types, as llama.cpp's -ctk / -ctv
  std::string cache_type_v = "f16";
  double max_itl_factor = 3.0;  // SchedulerOptions::max_itl_factor
};

class InferenceService final : public edgellm::v1::Inference::Service {
 public:
  // `registry` must outlive the service. Errors: InvalidArgument for options out of range or a
  // default backend that is unknown or cannot run here (the message lists the loaded ones).
  static absl::StatusOr<std::unique_ptr<InferenceService>> Create(const PluginRegistry& registry,
                                                                  ServiceOptions options);
  ~InferenceService() override;

  // Loads the model and its tokenizer and prepares one session. Until it succeeds, the RPCs that
  // need the model answer FAILED_PRECONDITION. Call at most once. Errors: those of Model::Load,
  // Tokenizer::FromGguf and InferenceContext::Create (e.g. a --ctx_size the memory cannot hold).
  absl::Status LoadModel(const std::string& path);
  bool model_loaded() const;
  // Generations and comparisons running or waiting for a session.
  int sessions_in_flight() const { return admission_.active() + admission_.queued(); }

  // The backend requests get when they name none.
  std::string default_backend() const { return default_backend_->name(); }

  grpc::Status Generate(grpc::ServerContext* context, const edgellm::v1::GenerateRequest* request,
                        grpc::ServerWriter<edgellm::v1::GenerateResponse>* writer) override;
  grpc::Status Tokenize(grpc::ServerContext* context, const edgellm::v1::TokenizeRequest* request,
                        edgellm::v1::TokenizeResponse* response) override;
  grpc::Status Detokenize(grpc::ServerContext* context,
                          const edgellm::v1::DetokenizeRequest* request,
                          edgellm::v1::DetokenizeResponse* response) override;
  grpc::Status ListBackends(grpc::ServerContext* context,
                            const edgellm::v1::ListBackendsRequest* request,
                            edgellm::v1::ListBackendsResponse* response) override;
  grpc::Status ListQuantFormats(grpc::ServerContext* context,
                                const edgellm::v1::ListQuantFormatsRequest* request,
                                edgellm::v1::ListQuantFormatsResponse* response) override;
  grpc::Status GetModelInfo(grpc::ServerContext* context,
                            const edgellm::v1::GetModelInfoRequest* request,
                            edgellm::v1::ModelInfo* response) override;
  grpc::Status Compare(grpc::ServerContext* context, const edgellm::v1::CompareRequest* request,
                       edgellm::v1::CompareResponse* response) override;

 private:
  // The loaded model, its tokenizer, its facts for GetModelInfo and the idle sessions' contexts.
  struct Runtime;
  // A generation, checked and resolved, ready to run on a backend.
  struct Plan {
    int threads = 0;  // as given to BackendPlugin::Create
    GenerateRequest request;
  };
  // The fields GenerateRequest and CompareRequest share.
  struct PlanInput {
    const std::string* prompt;
    const google::protobuf::RepeatedField<int32_t>* prompt_tokens;
    bool add_bos;
    int32_t max_tokens;
    const edgellm::v1::SamplingParams* sampling;
    float default_temperature;
    int32_t threads;
    const google::protobuf::RepeatedPtrField<std::string>* stop;  // null: none
    bool ignore_eos;
  };

  class RequestLog;

  InferenceService(const PluginRegistry& registry, ServiceOptions options,
                   const BackendPlugin* default_backend, int max_threads);

  // The runtime, or FailedPrecondition while the model is not loaded.
  absl::StatusOr<std::shared_ptr<Runtime>> GetRuntime() const;
  // A loaded backend by name ("" = the default). InvalidArgument naming the problem otherwise.
  absl::StatusOr<const BackendPlugin*> ResolveBackend(const std::string& name) const;
  absl::StatusOr<int> ResolveThreads(int32_t requested) const;
  absl::StatusOr<Plan> MakePlan(const Runtime& runtime, const PlanInput& in) const;
  absl::StatusOr<Lease<Backend>> AcquireBackend(const BackendPlugin& plugin, int threads);
  absl::StatusOr<Lease<InferenceContext>> AcquireContext(Runtime& runtime, Backend* backend);
  // The scheduler of (plugin, threads), started on first use.
  absl::StatusOr<BatchScheduler*> GetScheduler(Runtime& runtime, const BackendPlugin& plugin,
                                               int threads);
  absl::Status DoGenerate(grpc::ServerContext* context, const edgellm::v1::GenerateRequest& request,
                          grpc::ServerWriter<edgellm::v1::GenerateResponse>* writer,
                          RequestLog& log);
  absl::Status DoCompare(grpc::ServerContext* context, const edgellm::v1::CompareRequest& request,
                         edgellm::v1::CompareResponse* response, RequestLog& log);

  const PluginRegistry& registry_;
  const ServiceOptions options_;
  const BackendPlugin* const default_backend_;
  const int max_threads_;  // the most threads a request may ask for: the CPU cores
  Admission admission_;
  IdlePool<Backend> backends_;
  std::atomic<uint64_t> next_request_id_{1};

  mutable absl::Mutex mu_;
  std::string loading_path_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Runtime> runtime_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgellm::server

#endif  // EDGELLM_SERVICES_INFERENCE_SERVICE_H_
