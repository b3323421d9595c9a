// Test helpers: the real edgellm_server binary as a child process on a free loopback port, real
// gRPC stubs to it, and the `edgellm` command line for expected outputs.
#ifndef EDGELLM_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define EDGELLM_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/inference.grpc.pb.h"

namespace edgellm::testing {

// A file in the test's runfiles, e.g. Runfile("services/edgellm_server").
std::string Runfile(const std::string& path);

// The models of the shared folder ($EDGELLM_SHARED/models/...).
std::string SharedModel(const std::string& relative);

// A deadline `seconds` from now, for every call a test makes.
std::chrono::system_clock::time_point DeadlineIn(double seconds);

class ServerProcess {
 public:
  // Starts edgellm_server with `args` and --port=0, waits (at most `timeout`) for its
  // "edgellm_server listening on HOST:PORT" line, then for health SERVING. Errors name what did
  // not happen and include the server's output.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::vector<std::string>& args, absl::Duration timeout = absl::Seconds(60));
  // SIGTERM, then SIGKILL when it has not exited within 15 s.
  ~ServerProcess();

  const std::string& address() const { return address_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  std::unique_ptr<edgellm::v1::Inference::Stub> Stub() const;

  // Everything the server printed so far (stdout and stderr).
  std::string Output() const;
  // Waits until the output contains `text` `count` times; false on timeout.
  bool WaitForOutput(const std::string& text, int count, absl::Duration timeout) const;
  // The last log line of a finished call that contains every one of `parts`; "" when none.
  std::string LastLineWith(const std::vector<std::string>& parts) const;

  // Whether the process is still running.
  bool Alive();

 private:
  ServerProcess() = default;
  void ReadOutput(int fd);

  pid_t pid_ = -1;
  bool exited_ = false;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::thread reader_;
  mutable absl::Mutex mu_;
  std::string output_ ABSL_GUARDED_BY(mu_);
  bool eof_ ABSL_GUARDED_BY(mu_) = false;
};

// Runs `edgellm ARGS` (the built //tools:edgellm); stdout and stderr apart.
struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CliRun RunEdgellm(const std::string& args);

// Quotes `s` for /bin/sh.
std::string ShellQuote(const std::string& s);

// The integer after "key=" in `line`, or -1.
long long LogValue(const std::string& line, const std::string& key);

}  // namespace edgellm::testing

#endif  // EDGELLM_TESTS_INTEGRATION_SERVER_PROCESS_H_
