// serve_bench: serving figures of a running edgellm_server, measured over the wire (gRPC) as a
// client sees them; llama.cpp's llama-batched-bench, but through the real server. Each stream is
// one Generate call on a client thread of its own (greedy, ignore_eos, random prompt token ids
// drawn from [100, vocab) with --seed; no two prompts share a first token, so the prefix cache
// cannot help where it is not meant to). Scenarios (--scenarios, default all):
//
//   streams  for each N in --streams: N calls sent at the same moment, each --prompt_tokens in and
//            --gen_tokens out. S_TG = tokens all streams received while every one of them was
//            decoding (from the last first token to the first last token) / that window, the
//            steady state llama-batched-bench's S_TG measures. Aggregate decode t/s =
//            sum(completion - 1) / (last token of any
//            stream - first token of any stream); total t/s = (prompt + completion tokens) /
//            (last end - start); TTFT and inter-token latency (ITL, every gap between
//            consecutive tokens of every stream; tokens that arrive in one response have 0 gaps)
//            p50/p99.
//   arrival  TTFT of a --arrival_prompt_tokens prompt alone, then again while
//            --background_streams calls are decoding; and their ratio.
//   long     a --long_prompt_tokens prompt arrives while --background_streams calls decode: the
//            background ITL while it fills (its submission to its first token) against before
//            it arrived, and its TTFT.
//   prefix   request A (--shared_prefix_tokens random tokens + 24) then B (the same prefix + 24
//            other tokens): TTFT cold vs warm and B's usage.cached_prompt_tokens.
// Percentiles are nearest-rank. One warm-up call runs first. The client's threads share the
// machine with the server: leave them a core (server --threads), or they read tokens in bursts
// and the latencies are their own scheduling. Background calls are cancelled once the
// measurement is done. Tables go to stdout; with --json stdout gets one JSON object with every
// figure and the tables go to stderr. Any RPC error ends the run with its code and message.
//
// Run (the server must run --max_sessions >= max(--streams, --background_streams + 1), else
// calls queue and TTFT includes the wait; its --ctx_size must hold every prompt + generation):
//   bazel build //services:edgellm_server //tools/bench:serve_bench
//   bazel-bin/services/edgellm_server --model=FILE.gguf --port=50051 --max_sessions=16
//       --max_queue=16 --ctx_size=4096 &
//   bazel-bin/tools/bench/serve_bench --server=127.0.0.1:50051 [--streams=1,2,4,8,16
//       --prompt_tokens=128 --gen_tokens=64 --scenarios=streams,arrival,long,prefix --json]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "proto/inference.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "edgellm_server address, HOST:PORT");
ABSL_FLAG(std::string, scenarios, "streams,arrival,long,prefix",
          "Scenarios to run, comma-separated: streams, arrival, long, prefix");
ABSL_FLAG(std::vector<std::string>, streams, std::vector<std::string>({"1", "2", "4", "8", "16"}),
          "streams: the concurrent stream counts, comma-separated");
ABSL_FLAG(int32_t, prompt_tokens, 128, "Prompt tokens of each stream (streams, background)");
ABSL_FLAG(int32_t, gen_tokens, 64, "Tokens each stream generates (streams)");
ABSL_FLAG(int32_t, arrival_prompt_tokens, 128, "arrival: the new request's prompt tokens");
ABSL_FLAG(int32_t, background_streams, 8, "arrival, long: streams decoding meanwhile");
ABSL_FLAG(int32_t, background_gen_tokens, 0,
          "arrival, long: max_tokens of the background streams, which are cancelled once the "
          "measured request is done; 0: all the context holds past --prompt_tokens (a fast "
          "model must not finish them first)");
ABSL_FLAG(int32_t, baseline_tokens, 8,
          "arrival, long: tokens every background stream decodes, after all are decoding, "
          "before the measured request is sent (the 'before' ITL window)");
ABSL_FLAG(int32_t, long_prompt_tokens, 2048, "long: the arriving prompt's tokens");
ABSL_FLAG(int32_t, shared_prefix_tokens, 1000, "prefix: tokens requests A and B share");
ABSL_FLAG(uint64_t, seed, 1234, "Seed of the random prompt tokens");
ABSL_FLAG(std::string, backend, "", "Backend of every request (\"\": the server's default)");
ABSL_FLAG(int32_t, threads, 0, "Backend threads of every request (0: the server's default)");
ABSL_FLAG(int32_t, timeout_s, 600, "Deadline of each call, in seconds");
ABSL_FLAG(int32_t, wait_s, 30,
          "Seconds to wait for the server to come up and finish loading its model");
ABSL_FLAG(bool, json, false, "Print one JSON object with every figure on stdout");

namespace edgellm::bench {
namespace {

namespace v1 = ::edgellm::v1;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

constexpr int kProbeMaxTokens = 4;  // TTFT probes need only the first token
constexpr int kPrefixSuffixTokens = 24;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  std::string hint;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    hint = absl::StrCat(" (is edgellm_server running at ", absl::GetFlag(FLAGS_server), "?)");
  }
  return absl::Status(code, absl::StrCat(what, ": ", absl::StatusCodeToString(code), ": ",
                                         status.error_message(), hint));
}

// Nearest-rank percentile; NaN for no samples.
double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

std::string Fmt(double v, int decimals = 1) {
  return std::isnan(v) ? "-" : absl::StrFormat("%.*f", decimals, v);
}

Json Pcts(const std::vector<double>& v) {
  return {{"p50", Percentile(v, 50)}, {"p99", Percentile(v, 99)}, {"samples", v.size()}};
}

// A markdown table with every column padded to its widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(FILE* out) const {
    std::vector<size_t> width(rows_[0].size(), 3);
    for (const auto& row : rows_) {
      for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    for (size_t r = 0; r < rows_.size(); ++r) {
      std::string line = "|";
      for (size_t c = 0; c < rows_[r].size(); ++c) {
        absl::StrAppend(&line, " ", std::string(width[c] - rows_[r][c].size(), ' '), rows_[r][c],
                        " |");
      }
      std::fprintf(out, "%s\n", line.c_str());
      if (r == 0) {
        line = "|";
        for (size_t w : width) absl::StrAppend(&line, std::string(w + 1, '-'), ":|");
        std::fprintf(out, "%s\n", line.c_str());
      }
    }
    std::fprintf(out, "\n");
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

// Random prompts over [lo, vocab). Every prompt's first token differs from every earlier one's
// while the range allows, so no two prompts share a cacheable prefix unless made to.
class PromptMaker {
 public:
  PromptMaker(uint64_t seed, int64_t vocab)
      : rng_(seed), lo_(vocab > 200 ? 100 : vocab / 2), dist_(lo_, vocab - 1) {}

  std::vector<int32_t> Make(int n) {
    std::vector<int32_t> out(n);
    for (int32_t& t : out) t = dist_(rng_);
    const int64_t range = dist_.b() - dist_.a() + 1;
    if (n > 0 && static_cast<int64_t>(used_first_.size()) < range) {
      while (!used_first_.insert(out[0]).second) out[0] = dist_(rng_);
    }
    return out;
  }

  // A token of the range other than `t`.
  int32_t Other(int32_t t) const { return t > dist_.a() ? t - 1 : t + 1; }

 private:
  std::mt19937_64 rng_;
  int32_t lo_;
  std::uniform_int_distribution<int32_t> dist_;
  std::set<int32_t> used_first_;
};

// What one call saw, in client time.
struct CallRecord {
  Clock::time_point send;
  Clock::time_point end;
  std::vector<Clock::time_point> token_times;  // one per token; a response's tokens share one
  int responses_with_tokens = 0;
  v1::Usage usage;
  std::string finish_reason;
  grpc::Status status;
  bool cancelled = false;  // by us: its CANCELLED status is not an error

  double TtftMs() const { return token_times.empty() ? kNaN : Ms(token_times[0] - send); }
};

// One Generate call on its own thread; its progress can be awaited while it runs.
class Call {
 public:
  Call(v1::Inference::Stub* stub, v1::GenerateRequest request)
      : stub_(stub), request_(std::move(request)) {}
  ~Call() {
    Cancel();
    Join();
  }

  // Sends the call once `go` is notified (nullptr: at once), after counting down `ready`.
  void Start(absl::BlockingCounter* ready = nullptr, const absl::Notification* go = nullptr) {
    // Set here, not on the thread: Cancel may come from this thread at any time after.
    context_.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(absl::GetFlag(FLAGS_timeout_s)));
    thread_ = std::thread([this, ready, go] { Run(ready, go); });
  }

  void Cancel() {
    cancelled_ = true;
    context_.TryCancel();
  }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  // Blocks until `n` tokens have arrived or the call has ended; whether they arrived.
  bool AwaitTokens(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_ || record_.token_times.size() >= n; });
    return record_.token_times.size() >= n;
  }

  bool done() const {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }

  // A copy; complete once Join returned.
  CallRecord record() const {
    std::lock_guard<std::mutex> lock(mu_);
    return record_;
  }

 private:
  void Run(absl::BlockingCounter* ready, const absl::Notification* go) {
    if (ready != nullptr) ready->DecrementCount();
    if (go != nullptr) go->WaitForNotification();
    {
      std::lock_guard<std::mutex> lock(mu_);
      record_.send = Clock::now();
    }
    std::unique_ptr<grpc::ClientReader<v1::GenerateResponse>> reader =
        stub_->Generate(&context_, request_);
    v1::GenerateResponse response;
    while (reader->Read(&response)) {
      const Clock::time_point now = Clock::now();
      std::lock_guard<std::mutex> lock(mu_);
      record_.token_times.insert(record_.token_times.end(), response.token_ids_size(), now);
      if (response.token_ids_size() > 0) ++record_.responses_with_tokens;
      if (!response.finish_reason().empty()) {
        record_.finish_reason = response.finish_reason();
        record_.usage = response.usage();
      }
      cv_.notify_all();
    }
    const grpc::Status status = reader->Finish();
    std::lock_guard<std::mutex> lock(mu_);
    record_.end = Clock::now();
    record_.status = status;
    record_.cancelled = cancelled_ && status.error_code() == grpc::StatusCode::CANCELLED;
    done_ = true;
    cv_.notify_all();
  }

  v1::Inference::Stub* stub_;
  const v1::GenerateRequest request_;
  grpc::ClientContext context_;
  std::thread thread_;
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  CallRecord record_;  // guarded by mu_
  bool done_ = false;  // guarded by mu_
};

std::string EndedHow(const CallRecord& r) {
  return absl::StrCat("finish_reason \"", r.finish_reason, "\" after ", r.token_times.size(),
                      " tokens");
}

// Why a background call that had to keep decoding ended: the remedy.
std::string EndedWhy(const CallRecord& r, int sessions) {
  if (r.finish_reason == "stop") {
    return ": the server stopped it at an end-of-generation token, so it ignores ignore_eos";
  }
  if (r.finish_reason == "length") {
    return absl::StrCat(
        ": raise --background_gen_tokens, or start the server with "
        "--max_sessions >= ",
        sessions, " if calls queued");
  }
  return "";
}

absl::Status CheckCall(const CallRecord& r, absl::string_view what) {
  if (r.cancelled) return absl::OkStatus();
  return FromGrpc(r.status, absl::StrCat("Generate (", what, ")"));
}

// Gaps between consecutive tokens of one call, in ms, each with the time of its later token.
struct Gap {
  Clock::time_point from;
  Clock::time_point to;
  double ms() const { return Ms(to - from); }
};
std::vector<Gap> Gaps(const CallRecord& r) {
  std::vector<Gap> out;
  for (size_t i = 1; i < r.token_times.size(); ++i) {
    out.push_back({r.token_times[i - 1], r.token_times[i]});
  }
  return out;
}

struct Settings {
  std::vector<int> streams;
  int prompt_tokens, gen_tokens, arrival_prompt_tokens, background_streams;
  int background_gen_tokens, baseline_tokens, long_prompt_tokens, shared_prefix_tokens;
  int64_t server_context = 0;  // ModelInfo.server_context
  bool run_streams = false, run_arrival = false, run_long = false, run_prefix = false;
};

class Bench {
 public:
  Bench(Settings s, std::unique_ptr<v1::Inference::Stub> stub, const v1::ModelInfo& info)
      : s_(std::move(s)),
        stub_(std::move(stub)),
        prompts_(absl::GetFlag(FLAGS_seed), info.vocab_size()),
        out_(absl::GetFlag(FLAGS_json) ? stderr : stdout) {}

  absl::Status Run(Json* json) {
    if (absl::Status st = WarmUp(); !st.ok()) return st;
    if (s_.run_streams) {
      absl::StatusOr<Json> j = Streams();
      if (!j.ok()) return j.status();
      (*json)["streams"] = *std::move(j);
    }
    if (s_.run_arrival) {
      absl::StatusOr<Json> j = Arrival();
      if (!j.ok()) return j.status();
      (*json)["arrival"] = *std::move(j);
    }
    if (s_.run_long) {
      absl::StatusOr<Json> j = LongPrompt();
      if (!j.ok()) return j.status();
      (*json)["long"] = *std::move(j);
    }
    if (s_.run_prefix) {
      absl::StatusOr<Json> j = Prefix();
      if (!j.ok()) return j.status();
      (*json)["prefix"] = *std::move(j);
    }
    return absl::OkStatus();
  }

 private:
  v1::GenerateRequest Request(std::vector<int32_t> prompt, int max_tokens) const {
    v1::GenerateRequest r;
    r.mutable_prompt_tokens()->Add(prompt.begin(), prompt.end());
    r.set_max_tokens(max_tokens);
    r.mutable_sampling()->set_temperature(0.0f);
    r.set_ignore_eos(true);
    r.set_backend(absl::GetFlag(FLAGS_backend));
    r.set_threads(absl::GetFlag(FLAGS_threads));
    return r;
  }

  std::unique_ptr<Call> NewCall(int prompt_tokens, int max_tokens) {
    return std::make_unique<Call>(stub_.get(), Request(prompts_.Make(prompt_tokens), max_tokens));
  }

  // One call alone, to its end.
  absl::StatusOr<CallRecord> RunAlone(v1::GenerateRequest request, absl::string_view what) {
    Call call(stub_.get(), std::move(request));
    call.Start();
    call.Join();
    CallRecord r = call.record();
    if (absl::Status st = CheckCall(r, what); !st.ok()) return st;
    return r;
  }

  // Loads the backend's threads, pages in the weights.
  absl::Status WarmUp() {
    Log("warm-up");
    const int gen = static_cast<int>(std::clamp<int64_t>(s_.server_context / 2, 1, 8));
    const int prompt =
        static_cast<int>(std::clamp<int64_t>(s_.server_context - gen, 1, s_.prompt_tokens));
    return RunAlone(Request(prompts_.Make(prompt), gen), "warm-up").status();
  }

  void Log(absl::string_view what) const {
    std::fprintf(stderr, "serve_bench: %s\n", std::string(what).c_str());
  }

  void WarnIfShort(const CallRecord& r, int max_tokens, absl::string_view what) {
    if (r.cancelled || r.usage.completion_tokens() >= max_tokens) return;
    Log(absl::StrCat("warning: ", what, " made ", r.usage.completion_tokens(), " of ", max_tokens,
                     " tokens (finish_reason \"", r.finish_reason,
                     "\"; does the server honour ignore_eos?)"));
  }

  absl::StatusOr<Json> Streams() {
    Table table({"N", "PP", "TG", "S_TG t/s", "decode t/s", "total t/s", "TTFT p50 ms",
                 "TTFT p99 ms", "ITL p50 ms", "ITL p99 ms", "wall s"});
    Json rows = Json::array();
    for (int n : s_.streams) {
      Log(absl::StrCat("streams: N=", n));
      std::vector<std::unique_ptr<Call>> calls;
      for (int i = 0; i < n; ++i) calls.push_back(NewCall(s_.prompt_tokens, s_.gen_tokens));
      absl::BlockingCounter ready(n);
      absl::Notification go;
      for (auto& c : calls) c->Start(&ready, &go);
      ready.Wait();  // every thread at the gate: they are sent together
      const Clock::time_point start = Clock::now();
      go.Notify();
      std::vector<CallRecord> records;
      for (auto& c : calls) {
        c->Join();
        records.push_back(c->record());
      }
      int64_t prompt = 0, completion = 0, decoded = 0, responses = 0;
      Clock::time_point first_token = Clock::time_point::max();
      Clock::time_point last_token = Clock::time_point::min();
      Clock::time_point last_end = start;
      std::vector<double> ttft, itl;
      for (size_t i = 0; i < records.size(); ++i) {
        const CallRecord& r = records[i];
        if (absl::Status st = CheckCall(r, absl::StrCat("streams N=", n)); !st.ok()) return st;
        WarnIfShort(r, s_.gen_tokens, absl::StrCat("stream ", i, " of N=", n));
        prompt += r.usage.prompt_tokens();
        completion += r.usage.completion_tokens();
        decoded += std::max(0, r.usage.completion_tokens() - 1);
        responses += r.responses_with_tokens;
        last_end = std::max(last_end, r.end);
        if (r.token_times.empty()) continue;
        first_token = std::min(first_token, r.token_times.front());
        last_token = std::max(last_token, r.token_times.back());
        ttft.push_back(r.TtftMs());
        for (const Gap& g : Gaps(r)) itl.push_back(g.ms());
      }
      // The window where every stream decodes: no prompt of this run is evaluated in it.
      Clock::time_point all_from = Clock::time_point::min(), all_to = Clock::time_point::max();
      for (const CallRecord& r : records) {
        if (r.token_times.empty()) continue;
        all_from = std::max(all_from, r.token_times.front());
        all_to = std::min(all_to, r.token_times.back());
      }
      int64_t in_window = 0;
      for (const CallRecord& r : records) {
        for (const Clock::time_point t : r.token_times) in_window += t > all_from && t <= all_to;
      }
      const double window_s = all_to > all_from ? Ms(all_to - all_from) / 1e3 : 0;
      const double s_tg = window_s > 0 ? static_cast<double>(in_window) / window_s : kNaN;
      const double decode_s = last_token > first_token ? Ms(last_token - first_token) / 1e3 : 0;
      const double decode_tps = decode_s > 0 ? static_cast<double>(decoded) / decode_s : kNaN;
      const double wall_s = Ms(last_end - start) / 1e3;
      const double total_tps =
          wall_s > 0 ? static_cast<double>(prompt + completion) / wall_s : kNaN;
      table.Add({absl::StrCat(n), absl::StrCat(s_.prompt_tokens), absl::StrCat(s_.gen_tokens),
                 Fmt(s_tg), Fmt(decode_tps), Fmt(total_tps), Fmt(Percentile(ttft, 50)),
                 Fmt(Percentile(ttft, 99)), Fmt(Percentile(itl, 50), 2),
                 Fmt(Percentile(itl, 99), 2), Fmt(wall_s, 3)});
      rows.push_back({{"n", n},
                      {"pp", s_.prompt_tokens},
                      {"tg", s_.gen_tokens},
                      {"prompt_tokens", prompt},
                      {"completion_tokens", completion},
                      // Above 1, tokens came batched and some inter-token gaps are 0.
                      {"tokens_per_response",
                       responses > 0 ? static_cast<double>(completion) / responses : kNaN},
                      {"s_tg_tokens_per_second", s_tg},
                      {"all_decoding_window_s", window_s},
                      {"decode_tokens_per_second", decode_tps},
                      {"total_tokens_per_second", total_tps},
                      {"decode_window_s", decode_s},
                      {"wall_s", wall_s},
                      {"ttft_ms", Pcts(ttft)},
                      {"itl_ms", Pcts(itl)}});
    }
    std::fprintf(out_,
                 "## streams: N concurrent calls, PP prompt tokens and TG generated each\n\n");
    table.Print(out_);
    return rows;
  }

  // Background calls all decoding, each with baseline_tokens more after the last one started.
  absl::StatusOr<std::vector<std::unique_ptr<Call>>> StartBackground(absl::string_view what) {
    std::vector<std::unique_ptr<Call>> calls;
    for (int i = 0; i < s_.background_streams; ++i) {
      calls.push_back(NewCall(s_.prompt_tokens, s_.background_gen_tokens));
      calls.back()->Start();
    }
    const auto failed = [&](size_t i) -> absl::Status {
      for (auto& c : calls) c->Cancel();
      for (auto& c : calls) c->Join();
      const CallRecord r = calls[i]->record();
      if (absl::Status st = CheckCall(r, absl::StrCat(what, " background")); !st.ok()) return st;
      return absl::FailedPreconditionError(
          absl::StrCat(what, ": background stream ", i, " ended (", EndedHow(r), ") before all ",
                       s_.background_streams, " background streams were decoding",
                       EndedWhy(r, s_.background_streams + 1)));
    };
    for (size_t i = 0; i < calls.size(); ++i) {
      if (!calls[i]->AwaitTokens(1)) return failed(i);
    }
    std::vector<size_t> have(calls.size());
    for (size_t i = 0; i < calls.size(); ++i) have[i] = calls[i]->record().token_times.size();
    for (size_t i = 0; i < calls.size(); ++i) {
      if (!calls[i]->AwaitTokens(have[i] + s_.baseline_tokens)) return failed(i);
    }
    return calls;
  }

  // Cancels the background calls; an error of theirs, or one that ended before `until`, fails.
  absl::Status StopBackground(std::vector<std::unique_ptr<Call>>& calls, Clock::time_point until,
                              absl::string_view what, std::vector<CallRecord>* records) {
    for (auto& c : calls) c->Cancel();
    for (auto& c : calls) c->Join();
    for (size_t i = 0; i < calls.size(); ++i) {
      records->push_back(calls[i]->record());
      const CallRecord& r = records->back();
      if (absl::Status st = CheckCall(r, absl::StrCat(what, " background")); !st.ok()) return st;
      if (!r.cancelled && r.end < until) {
        return absl::FailedPreconditionError(absl::StrCat(
            what, ": background stream ", i, " ended (", EndedHow(r),
            ") before the measured request's first token", EndedWhy(r, s_.background_streams + 1)));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Json> Arrival() {
    Log(absl::StrCat("arrival: idle TTFT of ", s_.arrival_prompt_tokens, " prompt tokens"));
    absl::StatusOr<CallRecord> idle = RunAlone(
        Request(prompts_.Make(s_.arrival_prompt_tokens), kProbeMaxTokens), "arrival, idle");
    if (!idle.ok()) return idle.status();
    Log(absl::StrCat("arrival: ", s_.background_streams, " background streams"));
    absl::StatusOr<std::vector<std::unique_ptr<Call>>> background = StartBackground("arrival");
    if (!background.ok()) return background.status();
    std::unique_ptr<Call> probe = NewCall(s_.arrival_prompt_tokens, kProbeMaxTokens);
    probe->Start();
    probe->Join();
    const CallRecord loaded = probe->record();
    std::vector<CallRecord> bg;
    const Clock::time_point first =
        loaded.token_times.empty() ? loaded.end : loaded.token_times.front();
    const absl::Status stopped = StopBackground(*background, first, "arrival", &bg);
    if (absl::Status st = CheckCall(loaded, "arrival, loaded"); !st.ok()) return st;
    if (!stopped.ok()) return stopped;

    const double idle_ms = idle->TtftMs();
    const double loaded_ms = loaded.TtftMs();
    const double ratio = loaded_ms / idle_ms;
    Table table({"prompt tokens", "background", "idle TTFT ms", "loaded TTFT ms", "ratio"});
    table.Add({absl::StrCat(s_.arrival_prompt_tokens), absl::StrCat(s_.background_streams),
               Fmt(idle_ms), Fmt(loaded_ms), Fmt(ratio, 2)});
    std::fprintf(out_, "## arrival: TTFT of a new request alone vs while %d streams decode\n\n",
                 s_.background_streams);
    table.Print(out_);
    return Json{{"prompt_tokens", s_.arrival_prompt_tokens},
                {"background_streams", s_.background_streams},
                {"idle_ttft_ms", idle_ms},
                {"loaded_ttft_ms", loaded_ms},
                {"ratio", ratio}};
  }

  absl::StatusOr<Json> LongPrompt() {
    Log(absl::StrCat("long: ", s_.background_streams, " background streams, then ",
                     s_.long_prompt_tokens, " prompt tokens"));
    absl::StatusOr<std::vector<std::unique_ptr<Call>>> background = StartBackground("long");
    if (!background.ok()) return background.status();
    std::unique_ptr<Call> probe = NewCall(s_.long_prompt_tokens, kProbeMaxTokens);
    probe->Start();
    probe->AwaitTokens(1);
    const CallRecord filled = probe->record();  // its send time and first token
    std::vector<CallRecord> bg;
    const Clock::time_point first =
        filled.token_times.empty() ? Clock::now() : filled.token_times.front();
    const absl::Status stopped = StopBackground(*background, first, "long", &bg);
    probe->Join();
    const CallRecord lp = probe->record();
    if (absl::Status st = CheckCall(lp, "long prompt"); !st.ok()) return st;
    if (!stopped.ok()) return stopped;

    // Before: gaps wholly before the submission. During: every gap that overlaps the fill, so
    // a stall that ends only after the long prompt's first token still counts.
    Clock::time_point bg_ready = Clock::time_point::min();
    for (const CallRecord& r : bg) bg_ready = std::max(bg_ready, r.token_times.front());
    std::vector<double> before, during;
    for (const CallRecord& r : bg) {
      for (const Gap& g : Gaps(r)) {
        if (g.from >= bg_ready && g.to <= lp.send) before.push_back(g.ms());
        if (g.to > lp.send && g.from < first) during.push_back(g.ms());
      }
    }
    const double ttft = lp.TtftMs();
    const double before_p50 = Percentile(before, 50);
    const double during_p50 = Percentile(during, 50);
    const double during_p99 = Percentile(during, 99);
    Table table({"prompt tokens", "background", "TTFT ms", "ITL before p50 ms", "ITL during p50 ms",
                 "ITL during p99 ms", "p50 ratio"});
    table.Add({absl::StrCat(s_.long_prompt_tokens), absl::StrCat(s_.background_streams), Fmt(ttft),
               Fmt(before_p50, 2), Fmt(during_p50, 2), Fmt(during_p99, 2),
               Fmt(during_p50 / before_p50, 2)});
    std::fprintf(out_, "## long: background inter-token latency while a %d-token prompt fills\n\n",
                 s_.long_prompt_tokens);
    table.Print(out_);
    return Json{{"prompt_tokens", s_.long_prompt_tokens},
                {"background_streams", s_.background_streams},
                {"ttft_ms", ttft},
                {"itl_before_ms", Pcts(before)},
                {"itl_during_ms", Pcts(during)},
                {"p50_ratio", during_p50 / before_p50}};
  }

  absl::StatusOr<Json> Prefix() {
    Log(absl::StrCat("prefix: ", s_.shared_prefix_tokens, " shared prompt tokens"));
    std::vector<int32_t> a = prompts_.Make(s_.shared_prefix_tokens + kPrefixSuffixTokens);
    std::vector<int32_t> b(a.begin(), a.begin() + s_.shared_prefix_tokens);
    std::vector<int32_t> suffix = prompts_.Make(kPrefixSuffixTokens);
    // B shares exactly the prefix: its first suffix token differs from A's.
    if (suffix[0] == a[s_.shared_prefix_tokens]) {
      suffix[0] = prompts_.Other(a[s_.shared_prefix_tokens]);
    }
    b.insert(b.end(), suffix.begin(), suffix.end());
    absl::StatusOr<CallRecord> cold = RunAlone(Request(a, kProbeMaxTokens), "prefix, A");
    if (!cold.ok()) return cold.status();
    absl::StatusOr<CallRecord> warm = RunAlone(Request(b, kProbeMaxTokens), "prefix, B");
    if (!warm.ok()) return warm.status();
    const double cold_ms = cold->TtftMs();
    const double warm_ms = warm->TtftMs();
    Table table({"prompt tokens", "shared", "A (cold) TTFT ms", "B (warm) TTFT ms", "A/B",
                 "B cached tokens"});
    table.Add({absl::StrCat(a.size()), absl::StrCat(s_.shared_prefix_tokens), Fmt(cold_ms),
               Fmt(warm_ms), Fmt(cold_ms / warm_ms, 2),
               absl::StrCat(warm->usage.cached_prompt_tokens())});
    std::fprintf(out_, "## prefix: the same %d-token prefix twice, other %d-token suffixes\n\n",
                 s_.shared_prefix_tokens, kPrefixSuffixTokens);
    table.Print(out_);
    return Json{{"prompt_tokens", a.size()},
                {"shared_prefix_tokens", s_.shared_prefix_tokens},
                {"cold_ttft_ms", cold_ms},
                {"warm_ttft_ms", warm_ms},
                {"ratio", cold_ms / warm_ms},
                {"cached_prompt_tokens_a", cold->usage.cached_prompt_tokens()},
                {"cached_prompt_tokens_b", warm->usage.cached_prompt_tokens()}};
  }

  const Settings s_;
  std::unique_ptr<v1::Inference::Stub> stub_;
  PromptMaker prompts_;
  FILE* out_;
};

absl::StatusOr<Settings> SettingsFromFlags() {
  Settings s;
  for (absl::string_view name :
       absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',', absl::SkipWhitespace())) {
    if (name == "streams") {
      s.run_streams = true;
    } else if (name == "arrival") {
      s.run_arrival = true;
    } else if (name == "long") {
      s.run_long = true;
    } else if (name == "prefix") {
      s.run_prefix = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--scenarios: unknown scenario '", name,
                                                     "' (streams, arrival, long, prefix)"));
    }
  }
  if (!s.run_streams && !s.run_arrival && !s.run_long && !s.run_prefix) {
    return absl::InvalidArgumentError("--scenarios names no scenario");
  }
  for (const std::string& text : absl::GetFlag(FLAGS_streams)) {
    int n = 0;
    if (!absl::SimpleAtoi(text, &n) || n < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("--streams: '", text, "' is not a stream count >= 1"));
    }
    s.streams.push_back(n);
  }
  if (s.run_streams && s.streams.empty()) return absl::InvalidArgumentError("--streams is empty");
  s.prompt_tokens = absl::GetFlag(FLAGS_prompt_tokens);
  s.gen_tokens = absl::GetFlag(FLAGS_gen_tokens);
  s.arrival_prompt_tokens = absl::GetFlag(FLAGS_arrival_prompt_tokens);
  s.background_streams = absl::GetFlag(FLAGS_background_streams);
  s.background_gen_tokens = absl::GetFlag(FLAGS_background_gen_tokens);
  s.baseline_tokens = absl::GetFlag(FLAGS_baseline_tokens);
  s.long_prompt_tokens = absl::GetFlag(FLAGS_long_prompt_tokens);
  s.shared_prefix_tokens = absl::GetFlag(FLAGS_shared_prefix_tokens);
  const std::pair<const char*, int> at_least_one[] = {
      {"prompt_tokens", s.prompt_tokens},
      {"gen_tokens", s.gen_tokens},
      {"arrival_prompt_tokens", s.arrival_prompt_tokens},
      {"background_streams", s.background_streams},
      {"baseline_tokens", s.baseline_tokens},
      {"long_prompt_tokens", s.long_prompt_tokens},
      {"shared_prefix_tokens", s.shared_prefix_tokens},
      {"timeout_s", absl::GetFlag(FLAGS_timeout_s)},
  };
  for (const auto& [name, value] : at_least_one) {
    if (value < 1) return absl::InvalidArgumentError(absl::StrCat("--", name, " must be >= 1"));
  }
  if (s.background_gen_tokens < 0) {
    return absl::InvalidArgumentError("--background_gen_tokens must be >= 0");
  }
  return s;
}

// Every prompt + generation of the selected scenarios fits the server's context.
absl::Status FitToServer(const v1::ModelInfo& info, Settings& s) {
  const int64_t ctx = info.server_context();
  if (info.vocab_size() < 4) {
    return absl::FailedPreconditionError(absl::StrCat("the server's model has a vocabulary of ",
                                                      info.vocab_size(),
                                                      " tokens; random prompts need at least 4"));
  }
  s.server_context = ctx;
  if (s.background_gen_tokens == 0) {
    s.background_gen_tokens = static_cast<int>(std::max<int64_t>(1, ctx - s.prompt_tokens));
  }
  struct Need {
    bool selected;
    const char* flags;
    int64_t prompt, gen;
  };
  const Need needs[] = {
      {s.run_streams, "--prompt_tokens + --gen_tokens", s.prompt_tokens, s.gen_tokens},
      {s.run_arrival || s.run_long, "--prompt_tokens + --background_gen_tokens", s.prompt_tokens,
       s.background_gen_tokens},
      {s.run_arrival, "--arrival_prompt_tokens + 4", s.arrival_prompt_tokens, kProbeMaxTokens},
      {s.run_long, "--long_prompt_tokens + 4", s.long_prompt_tokens, kProbeMaxTokens},
      {s.run_prefix, "--shared_prefix_tokens + 24 + 4",
       s.shared_prefix_tokens + kPrefixSuffixTokens, kProbeMaxTokens},
  };
  for (const Need& n : needs) {
    if (n.selected && n.prompt + n.gen > ctx) {
      return absl::InvalidArgumentError(absl::StrCat(
          n.flags, " = ", n.prompt, " + ", n.gen, " tokens exceed the server's context of ", ctx,
          " (ModelInfo.server_context; model trained for ", info.context_length(),
          "): lower them, or start edgellm_server with a larger --ctx_size"));
    }
  }
  if ((s.run_arrival || s.run_long) && s.background_gen_tokens <= s.baseline_tokens + 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--background_gen_tokens=", s.background_gen_tokens, " leaves no room past the ",
        s.baseline_tokens, " --baseline_tokens; raise it (or the server's --ctx_size)"));
  }
  return absl::OkStatus();
}

// GetModelInfo, retried while the server starts or loads its model.
absl::StatusOr<v1::ModelInfo> ModelInfo(v1::Inference::Stub* stub) {
  const auto give_up = Clock::now() + std::chrono::seconds(absl::GetFlag(FLAGS_wait_s));
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ModelInfo info;
    const grpc::Status status = stub->GetModelInfo(&context, v1::GetModelInfoRequest(), &info);
    if (status.ok()) return info;
    const bool starting = status.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                          status.error_code() == grpc::StatusCode::UNAVAILABLE;
    if (!starting || Clock::now() >= give_up) return FromGrpc(status, "GetModelInfo");
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "serve_bench: %s\n", std::string(status.message()).c_str());
  return 1;
}

int Main() {
  absl::StatusOr<Settings> settings = SettingsFromFlags();
  if (!settings.ok()) return Fail(settings.status());
  const std::string server = absl::GetFlag(FLAGS_server);
  std::unique_ptr<v1::Inference::Stub> stub =
      v1::Inference::NewStub(grpc::CreateChannel(server, grpc::InsecureChannelCredentials()));
  absl::StatusOr<v1::ModelInfo> info = ModelInfo(stub.get());
  if (!info.ok()) return Fail(info.status());
  if (absl::Status st = FitToServer(*info, *settings); !st.ok()) return Fail(st);
  std::fprintf(stderr, "serve_bench: %s: %s (%s), vocab %lld, server context %lld\n",
               server.c_str(), info->name().c_str(), info->architecture().c_str(),
               static_cast<long long>(info->vocab_size()),
               static_cast<long long>(info->server_context()));

  Json json = {{"server", server},
               {"seed", absl::GetFlag(FLAGS_seed)},
               {"backend", absl::GetFlag(FLAGS_backend)},
               {"threads", absl::GetFlag(FLAGS_threads)},
               {"model",
                {{"name", info->name()},
                 {"architecture", info->architecture()},
                 {"file", info->file()},
                 {"vocab_size", info->vocab_size()},
                 {"server_context", info->server_context()}}}};
  Bench bench(*std::move(settings), std::move(stub), *info);
  if (absl::Status st = bench.Run(&json); !st.ok()) return Fail(st);
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", json.dump(1, ' ', false, Json::error_handler_t::replace).c_str());
  }
  return 0;
}

}  // namespace
}  // namespace edgellm::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "serve_bench --server=HOST:PORT [--scenarios=streams,arrival,long,prefix "
      "--streams=1,2,4,8,16 --prompt_tokens=N --gen_tokens=N --json]: serving benchmark of a "
      "running edgellm_server");
  const std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::fprintf(stderr, "serve_bench: unexpected argument '%s'\n", rest[1]);
    return 2;
  }
  return edgellm::bench::Main();
}
