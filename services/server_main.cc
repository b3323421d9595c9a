// edgellm_server: serves one GGUF model over gRPC (edgellm.v1.Inference, grpc.health.v1.Health,
// server reflection).
//
//   edgellm_server --model=FILE [--host=127.0.0.1 --port=50051 --plugin_dir=DIR --backend=NAME
//                  --threads=N --max_sessions=N --max_queue=N --ctx_size=N --batch_size=N]
//
// Once listening it prints "edgellm_server listening on HOST:PORT" on stdout (with --port=0 the
// port the system chose), then loads the model; health turns SERVING when it is loaded. SIGINT or
// SIGTERM stops it: health turns NOT_SERVING, generations in flight get --shutdown_grace_s to
// finish, then whatever remains is cancelled.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "core/plugin/plugin_paths.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "services/inference_service.h"

ABSL_FLAG(std::string, model, "", "GGUF model file to serve (required)");
ABSL_FLAG(std::string, host, "127.0.0.1",
          "Address to listen on; 127.0.0.1 keeps the server local (0.0.0.0: every interface)");
ABSL_FLAG(int32_t, port, 50051, "TCP port; 0: one the system chooses (printed)");
ABSL_FLAG(std::string, plugin_dir, "",
          "Plugin folders, colon-separated (default: $EDGELLM_PLUGIN_PATH, else the plugins "
          "built with this server)");
ABSL_FLAG(std::string, backend, "",
          "Backend for requests that name none (default: the fastest loaded)");
ABSL_FLAG(int32_t, threads, 0, "Backend threads for requests that ask for 0; 0: one per core");
ABSL_FLAG(int32_t, max_sessions, 16,
          "Generations running at once; those on one backend share every forward pass");
ABSL_FLAG(int32_t, max_queue, 16,
          "Requests waiting for a session; more are refused with RESOURCE_EXHAUSTED");
ABSL_FLAG(int64_t, ctx_size, 0,
          "Most positions (prompt + generated) of one sequence; 0: the "
          "model's, at most 4096");
ABSL_FLAG(int32_t, batch_size, 512,
          "Most tokens one forward pass evaluates: decode rows plus prompt chunks (>= 4)");
ABSL_FLAG(int64_t, kv_pool_positions, 0,
          "KV cache positions shared by every sequence, in blocks of 16; 0: 4 * ctx_size");
ABSL_FLAG(int64_t, kv_pool_mib, 0, "KV pool size in MiB (overrides --kv_pool_positions)");
ABSL_FLAG(double, max_itl_factor, 3.0,
          "While streams decode, prompt chunks are sized so that a step takes about this many "
          "times a decode-only step (> 1; 0: chunks fill --batch_size)");
ABSL_FLAG(std::string, cache_type_k, "f16",
          "KV cache type of K (llama.cpp's -ctk): f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 iq4_nl");
ABSL_FLAG(std::string, cache_type_v, "f16",
          "KV cache type of V (llama.cpp's -ctv): f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 iq4_nl");
ABSL_FLAG(bool, prefix_cache, true,
          "Reuse the KV blocks of prompt prefixes already evaluated (system prompts, chats)");
ABSL_FLAG(int32_t, shutdown_grace_s, 5,
          "On SIGINT/SIGTERM, seconds calls in flight get before they are cancelled");

namespace {

constexpr char kServiceName[] = "edgellm.v1.Inference";

// SIGINT/SIGTERM handlers write the signal number here; the stopper thread reads it. Loading
// failures write kStopLoadFailed.
int g_stop_pipe[2] = {-1, -1};
constexpr char kStopLoadFailed = 0;

extern "C" void OnStopSignal(int sig) {
  const char c = static_cast<char>(sig);
  // Async-signal-safe; a full pipe means a stop is already on its way.
  if (write(g_stop_pipe[1], &c, 1) < 0) return;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "edgellm_server: %s\n", message.c_str());
  return 1;
}

std::string HostPort(const std::string& host, int port) {
  // An IPv6 literal needs brackets before the port.
  return host.find(':') != std::string::npos ? absl::StrCat("[", host, "]:", port)
                                             : absl::StrCat(host, ":", port);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "edgellm_server --model=FILE [--host=127.0.0.1 --port=50051 --backend=NAME --threads=N "
      "--max_sessions=N --max_queue=N --ctx_size=N --plugin_dir=DIR]: serve a GGUF model over "
      "gRPC");
  absl::ParseCommandLine(argc, argv);
  // Under `bazel run`, relative paths are meant from where the user typed the command.
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY"); wd != nullptr) {
    if (chdir(wd) != 0) std::perror("edgellm_server: chdir to BUILD_WORKING_DIRECTORY");
  }
  const std::string model_path = absl::GetFlag(FLAGS_model);
  if (model_path.empty()) return Fail("--model=FILE is required (a GGUF model)");
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) return Fail(absl::StrCat("--port=", port, " is not a TCP port"));
  const int grace_s = absl::GetFlag(FLAGS_shutdown_grace_s);
  if (grace_s < 0) return Fail("--shutdown_grace_s must be >= 0");

  // A handler rather than sigwait with blocked signals: libraries may start threads of their
  // own before main, and a signal delivered to one of them would kill the process.
  if (pipe2(g_stop_pipe, O_CLOEXEC) != 0) return Fail("cannot create the shutdown pipe");
  struct sigaction on_stop = {};
  on_stop.sa_handler = OnStopSignal;
  on_stop.sa_flags = SA_RESTART;
  sigaction(SIGINT, &on_stop, nullptr);
  sigaction(SIGTERM, &on_stop, nullptr);

  absl::StatusOr<std::unique_ptr<edgellm::PluginRegistry>> registry =
      edgellm::LoadPlugins(absl::GetFlag(FLAGS_plugin_dir));
  if (!registry.ok()) return Fail(std::string(registry.status().message()));
  edgellm::server::ServiceOptions options;
  options.default_backend = absl::GetFlag(FLAGS_backend);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.max_sessions = absl::GetFlag(FLAGS_max_sessions);
  options.max_queue = absl::GetFlag(FLAGS_max_queue);
  options.ctx_size = absl::GetFlag(FLAGS_ctx_size);
  options.batch_size = absl::GetFlag(FLAGS_batch_size);
  options.kv_pool_positions = absl::GetFlag(FLAGS_kv_pool_positions);
  options.kv_pool_mib = absl::GetFlag(FLAGS_kv_pool_mib);
  options.prefix_cache = absl::GetFlag(FLAGS_prefix_cache);
  options.max_itl_factor = absl::GetFlag(FLAGS_max_itl_factor);
  options.cache_type_k = absl::GetFlag(FLAGS_cache_type_k);
  options.cache_type_v = absl::GetFlag(FLAGS_cache_type_v);
  absl::StatusOr<std::unique_ptr<edgellm::server::InferenceService>> service =
      edgellm::server::InferenceService::Create(**registry, options);
  if (!service.ok()) return Fail(std::string(service.status().message()));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  const std::string host = absl::GetFlag(FLAGS_host);
  int bound_port = 0;
  builder.AddListeningPort(HostPort(host, port), grpc::InsecureServerCredentials(), &bound_port);
  builder.RegisterService(service->get());
  // gRPC sets SO_REUSEPORT by default: a second server on a taken port would silently share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return Fail(absl::StrCat("cannot listen on ", HostPort(host, port),
                             " (port in use, or not an address of this machine?)"));
  }
  // The default health service starts SERVING; nothing is served until the model is loaded.
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(false);
  health->SetServingStatus(kServiceName, false);

  edgellm::server::InferenceService* inference = service->get();
  std::thread stopper([&server, grace_s, health, inference] {
    char why = 0;
    while (read(g_stop_pipe[0], &why, 1) < 0 && errno == EINTR) {
    }
    if (why != kStopLoadFailed) {
      std::fprintf(stderr, "edgellm_server: signal %d, shutting down\n", why);
    }
    health->SetServingStatus(false);
    // Waits for the generations themselves: Shutdown(deadline) would also wait out the whole
    // deadline for clients that merely keep an idle connection open.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(grace_s);
    while (inference->sessions_in_flight() > 0 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    server->Shutdown(std::chrono::system_clock::now());
  });

  std::printf("edgellm_server listening on %s\n", HostPort(host, bound_port).c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "edgellm_server: loading %s (default backend %s, %d sessions, queue %d)\n",
               model_path.c_str(), (*service)->default_backend().c_str(), options.max_sessions,
               options.max_queue);
  const absl::Status loaded = (*service)->LoadModel(model_path);
  if (loaded.ok()) {
    health->SetServingStatus(true);
    health->SetServingStatus(kServiceName, true);
    std::fprintf(stderr, "edgellm_server: model loaded, serving\n");
  } else {
    std::fprintf(stderr, "edgellm_server: cannot load the model: %s\n",
                 std::string(loaded.message()).c_str());
    const char why = kStopLoadFailed;  // the stopper thread shuts the server down
    if (write(g_stop_pipe[1], &why, 1) != 1) return 1;
  }
  server->Wait();
  stopper.join();
  return loaded.ok() ? 0 : 1;
}
