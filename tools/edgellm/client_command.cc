// `edgellm client generate|compare|backends --server=HOST:PORT`: a gRPC client of edgellm_server.
//   generate  streams the text to stdout as it arrives, the summary to stderr (--json: one object
//             at the end);
//   compare   runs the prompt on --backend_a and --backend_b and prints the comparison table;
//   backends  lists the server's backends.
// Sampling flags are those of `edgellm generate`; only the ones given on the command line are
// sent, the others take the server's defaults (greedy for compare).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/internal/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "proto/inference.grpc.pb.h"
#include "tools/edgellm/commands.h"
#include "tools/edgellm/flags.h"

// Defined in generate_command.cc (seed, backend and threads in flags.h); the client sends them
// to the server.
ABSL_DECLARE_FLAG(std::string, prompt);
ABSL_DECLARE_FLAG(int32_t, n_predict);
ABSL_DECLARE_FLAG(float, temperature);
ABSL_DECLARE_FLAG(int32_t, top_k);
ABSL_DECLARE_FLAG(float, top_p);
ABSL_DECLARE_FLAG(float, min_p);
ABSL_DECLARE_FLAG(float, repeat_penalty);
ABSL_DECLARE_FLAG(float, presence_penalty);
ABSL_DECLARE_FLAG(float, frequency_penalty);
ABSL_DECLARE_FLAG(int32_t, repeat_last_n);

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "edgellm_server address (client)");
ABSL_FLAG(std::string, backend_a, "", "First backend of `client compare` (\"\": the default)");
ABSL_FLAG(std::string, backend_b, "", "Second backend of `client compare` (\"\": the default)");
ABSL_FLAG(std::vector<std::string>, stop, {},
          "Stop strings, comma-separated (client generate)");
ABSL_FLAG(int32_t, timeout_s, 300, "Deadline of each client call, in seconds");

namespace edgellm::cli {
namespace {

namespace v1 = ::edgellm::v1;

constexpr char kUsage[] =
    "usage: edgellm client generate --prompt=TEXT [--n_predict=N --temperature=T --top_k=K "
    "--top_p=P --min_p=P --repeat_penalty=R --seed=S --stop=A,B --backend=NAME --threads=N] "
    "[--json]\n"
    "       edgellm client compare --prompt=TEXT --backend_a=NAME --backend_b=NAME "
    "[--n_predict=N, sampling flags] [--json]\n"
    "       edgellm client backends [--json]\n"
    "common: --server=HOST:PORT (default 127.0.0.1:50051) --timeout_s=SECONDS\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "edgellm client: %s\n", message.c_str());
  return 1;
}

int Fail(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return Fail(absl::StrCat("cannot reach edgellm_server at ", absl::GetFlag(FLAGS_server),
                             " (is it running? --server=HOST:PORT): ", status.error_message()));
  }
  return Fail(absl::StrCat(absl::StatusCodeToString(
                               static_cast<absl::StatusCode>(status.error_code())),
                           ": ", status.error_message()));
}

// Whether the user gave `flag` (unlike comparing with its default, this tells an explicit
// --temperature=0.8 from none at all, which matters where the server's default differs).
bool Given(const char* flag) { return absl::flags_internal::WasPresentOnCommandLine(flag); }

// --threads as one count. Errors: a list of several.
absl::StatusOr<int32_t> ThreadsFromFlag() {
  const std::vector<int32_t> threads = absl::GetFlag(FLAGS_threads).values;
  if (threads.size() != 1) {
    return absl::InvalidArgumentError("--threads: a client call takes one thread count");
  }
  return threads[0];
}

// The sampling flags given on the command line. Errors: a --seed below -1.
absl::StatusOr<v1::SamplingParams> SamplingFromFlags() {
  v1::SamplingParams p;
  if (Given("temperature")) p.set_temperature(absl::GetFlag(FLAGS_temperature));
  if (Given("top_k")) p.set_top_k(absl::GetFlag(FLAGS_top_k));
  if (Given("top_p")) p.set_top_p(absl::GetFlag(FLAGS_top_p));
  if (Given("min_p")) p.set_min_p(absl::GetFlag(FLAGS_min_p));
  if (Given("repeat_penalty")) p.set_repeat_penalty(absl::GetFlag(FLAGS_repeat_penalty));
  if (Given("presence_penalty")) p.set_presence_penalty(absl::GetFlag(FLAGS_presence_penalty));
  if (Given("frequency_penalty")) p.set_frequency_penalty(absl::GetFlag(FLAGS_frequency_penalty));
  if (Given("repeat_last_n")) p.set_penalty_last_n(absl::GetFlag(FLAGS_repeat_last_n));
  const int64_t seed = absl::GetFlag(FLAGS_seed);
  if (seed < -1) return absl::InvalidArgumentError("--seed must be >= 0, or -1 for a random one");
  if (seed >= 0) p.set_seed(static_cast<uint64_t>(seed));
  return p;
}

std::unique_ptr<v1::Inference::Stub> Connect() {
  return v1::Inference::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials()));
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(absl::GetFlag(FLAGS_timeout_s)));
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return "{}";
  return out;
}

int RunGenerateCall() {
  if (absl::GetFlag(FLAGS_prompt).empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  v1::GenerateRequest request;
  request.set_prompt(absl::GetFlag(FLAGS_prompt));
  request.set_max_tokens(absl::GetFlag(FLAGS_n_predict));
  absl::StatusOr<v1::SamplingParams> sampling = SamplingFromFlags();
  if (!sampling.ok()) return Fail(std::string(sampling.status().message()));
  *request.mutable_sampling() = *sampling;
  for (const std::string& s : absl::GetFlag(FLAGS_stop)) request.add_stop(s);
  request.set_backend(absl::GetFlag(FLAGS_backend));
  absl::StatusOr<int32_t> threads = ThreadsFromFlag();
  if (!threads.ok()) return Fail(std::string(threads.status().message()));
  request.set_threads(*threads);

  const bool json = absl::GetFlag(FLAGS_json);
  grpc::ClientContext context;
  SetDeadline(&context);
  std::unique_ptr<v1::Inference::Stub> stub = Connect();
  std::unique_ptr<grpc::ClientReader<v1::GenerateResponse>> reader =
      stub->Generate(&context, request);
  v1::GenerateResponse response;
  v1::GenerateResponse last;
  std::string text;
  std::vector<int32_t> tokens;
  while (reader->Read(&response)) {
    text += response.text();
    tokens.insert(tokens.end(), response.token_ids().begin(), response.token_ids().end());
    if (!json) {
      std::fwrite(response.text().data(), 1, response.text().size(), stdout);
      std::fflush(stdout);
    }
    if (!response.finish_reason().empty()) last = response;
  }
  const grpc::Status status = reader->Finish();
  if (!json && !text.empty()) std::printf("\n");
  if (!status.ok()) return Fail(status);

  const v1::Timings& t = last.timings();
  if (json) {
    const nlohmann::json out = {
        {"backend", last.backend()},
        {"seed", last.seed()},
        {"tokens", tokens},
        {"text", text},
        {"finish_reason", last.finish_reason()},
        {"prompt_tokens", last.usage().prompt_tokens()},
        {"completion_tokens", last.usage().completion_tokens()},
        {"prompt_ms", t.prefill_ms()},
        {"decode_ms", t.decode_ms()},
        {"prefill_tokens_per_second", t.prefill_tokens_per_second()},
        {"decode_tokens_per_second", t.decode_tokens_per_second()},
    };
    std::printf("%s\n",
                out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::fprintf(stderr,
                 "edgellm client: backend %s, seed %llu; prompt: %d tokens in %.2f ms (%.1f "
                 "tokens/s); generated: %d tokens in %.2f ms (%.1f tokens/s); finish: %s\n",
                 last.backend().c_str(), static_cast<unsigned long long>(last.seed()),
                 last.usage().prompt_tokens(), t.prefill_ms(), t.prefill_tokens_per_second(),
                 last.usage().completion_tokens(), t.decode_ms(), t.decode_tokens_per_second(),
                 last.finish_reason().c_str());
  }
  return 0;
}

void PrintComparison(const v1::CompareResponse& r) {
  const v1::CompareSide& a = r.a();
  const v1::CompareSide& b = r.b();
  const auto row = [](const char* name, const std::string& x, const std::string& y) {
    std::printf("%-26s %-16s %s\n", name, x.c_str(), y.c_str());
  };
  const auto ms = [](double v) { return absl::StrFormat("%.2f", v); };
  row("", "A", "B");
  row("backend", a.backend(), b.backend());
  row("finish", a.finish_reason(), b.finish_reason());
  row("tokens", absl::StrCat(a.token_ids_size()), absl::StrCat(b.token_ids_size()));
  row("prefill ms", ms(a.timings().prefill_ms()), ms(b.timings().prefill_ms()));
  row("decode ms", ms(a.timings().decode_ms()), ms(b.timings().decode_ms()));
  row("prefill tokens/s", absl::StrFormat("%.1f", a.timings().prefill_tokens_per_second()),
      absl::StrFormat("%.1f", b.timings().prefill_tokens_per_second()));
  row("decode tokens/s", absl::StrFormat("%.1f", a.timings().decode_tokens_per_second()),
      absl::StrFormat("%.1f", b.timings().decode_tokens_per_second()));
  std::printf("\n%-26s %d of %d\n", "agreeing leading tokens", r.agreeing_prefix_tokens(),
              a.token_ids_size());
  std::printf("%-26s %.2f%% of %d steps (B teacher-forced on A's tokens)\n", "argmax agreement",
              100.0 * r.argmax_agreement(), r.steps_compared());
  std::printf("%-26s %.3g / %.3g nats\n", "KL(A||B) max / mean", r.max_kl_divergence(),
              r.mean_kl_divergence());
  std::printf("%-26s %llu\n", "seed", static_cast<unsigned long long>(r.seed()));
  std::printf("\nA text: %s\nB text: %s\n", a.text().c_str(), b.text().c_str());
}

int RunCompareCall() {
  if (absl::GetFlag(FLAGS_prompt).empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  v1::CompareRequest request;
  request.set_prompt(absl::GetFlag(FLAGS_prompt));
  request.set_max_tokens(absl::GetFlag(FLAGS_n_predict));
  absl::StatusOr<v1::SamplingParams> sampling = SamplingFromFlags();
  if (!sampling.ok()) return Fail(std::string(sampling.status().message()));
  *request.mutable_sampling() = *sampling;
  request.set_backend_a(absl::GetFlag(FLAGS_backend_a));
  request.set_backend_b(absl::GetFlag(FLAGS_backend_b));
  absl::StatusOr<int32_t> threads = ThreadsFromFlag();
  if (!threads.ok()) return Fail(std::string(threads.status().message()));
  request.set_threads(*threads);

  grpc::ClientContext context;
  SetDeadline(&context);
  v1::CompareResponse response;
  const grpc::Status status = Connect()->Compare(&context, request, &response);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", ToJson(response).c_str());
  } else {
    PrintComparison(response);
  }
  return 0;
}

int RunBackendsCall() {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::ListBackendsResponse response;
  const grpc::Status status =
      Connect()->ListBackends(&context, v1::ListBackendsRequest(), &response);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", ToJson(response).c_str());
    return 0;
  }
  std::printf("CPU features: %s\n\n", absl::StrJoin(response.cpu_features(), " ").c_str());
  std::printf("%-10s %-8s %-9s %-6s %-7s %s\n", "NAME", "ISA", "SUPPORTED", "LOADED", "DEFAULT",
              "REASON");
  for (const v1::BackendInfo& b : response.backends()) {
    std::printf("%-10s %-8s %-9s %-6s %-7s %s\n", b.name().c_str(),
                b.isa().empty() ? "-" : b.isa().c_str(), b.supported() ? "yes" : "no",
                b.loaded() ? "yes" : "no", b.name() == response.default_backend() ? "yes" : "",
                b.reason().c_str());
  }
  return 0;
}

}  // namespace

int RunClient(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (absl::GetFlag(FLAGS_timeout_s) <= 0) return Fail("--timeout_s must be > 0");
  if (args[0] == "generate") return RunGenerateCall();
  if (args[0] == "compare") return RunCompareCall();
  if (args[0] == "backends") return RunBackendsCall();
  std::fprintf(stderr, "edgellm client: unknown client command '%s'\n%s", args[0].c_str(), kUsage);
  return 2;
}

}  // namespace edgellm::cli
