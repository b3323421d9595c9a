#include "tests/integration/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/health.grpc.pb.h"
#include "tests/testing/shared_data.h"

extern char** environ;

namespace edgellm::testing {
namespace {

constexpr char kListening[] = "edgellm_server listening on ";

}  // namespace

std::string Runfile(const std::string& path) {
  const char* dir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(dir != nullptr ? dir : ".", "/edgellm/", path);
}

std::string SharedModel(const std::string& relative) {
  return absl::StrCat(SharedDir(), "/models/", relative);
}

std::chrono::system_clock::time_point DeadlineIn(double seconds) {
  return std::chrono::system_clock::now() +
         std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::vector<std::string>& args, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  std::vector<std::string> argv_strings = {Runfile("services/edgellm_server"), "--port=0"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  std::unique_ptr<ServerProcess> server(new ServerProcess());
  const int rc = posix_spawn(&server->pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return absl::InternalError(absl::StrCat("cannot start ", argv[0], ": error ", rc));
  }
  const int read_fd = pipe_fds[0];
  ServerProcess* raw = server.get();
  server->reader_ = std::thread([raw, read_fd] { raw->ReadOutput(read_fd); });

  {
    absl::MutexLock lock(&server->mu_);
    const auto ready = [raw]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return raw->eof_ || absl::StrContains(raw->output_, kListening);
    };
    server->mu_.AwaitWithDeadline(absl::Condition(&ready), give_up);
    const size_t at = server->output_.find(kListening);
    if (at == std::string::npos) {
      return absl::DeadlineExceededError(
          absl::StrCat("edgellm_server printed no listening line; output:\n", server->output_));
    }
    const size_t begin = at + sizeof(kListening) - 1;
    server->address_ = server->output_.substr(begin, server->output_.find('\n', begin) - begin);
  }
  server->channel_ =
      grpc::CreateChannel(server->address_, grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(server->channel_);
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(DeadlineIn(2));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status s = health->Check(&context, request, &response);
    if (s.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) break;
    if (absl::Now() > give_up || !server->Alive()) {
      return absl::DeadlineExceededError(absl::StrCat(
          "edgellm_server did not become SERVING (last health status ", response.status(),
          ", rpc: ", s.error_message(), "); output:\n", server->Output()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return server;
}

ServerProcess::~ServerProcess() {
  channel_.reset();
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGTERM);
    const absl::Time give_up = absl::Now() + absl::Seconds(15);
    while (!exited_ && absl::Now() < give_up) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        exited_ = true;
      } else {
        absl::SleepFor(absl::Milliseconds(10));
      }
    }
    if (!exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  if (reader_.joinable()) reader_.join();
}

bool ServerProcess::Alive() {
  if (exited_) return false;
  if (waitpid(pid_, nullptr, WNOHANG) == pid_) exited_ = true;
  return !exited_;
}

void ServerProcess::ReadOutput(int fd) {
  std::array<char, 4096> buf;
  while (true) {
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    absl::MutexLock lock(&mu_);
    output_.append(buf.data(), static_cast<size_t>(n));
  }
  close(fd);
  absl::MutexLock lock(&mu_);
  eof_ = true;
}

std::unique_ptr<edgellm::v1::Inference::Stub> ServerProcess::Stub() const {
  return edgellm::v1::Inference::NewStub(channel_);
}

std::string ServerProcess::Output() const {
  absl::MutexLock lock(&mu_);
  return output_;
}

bool ServerProcess::WaitForOutput(const std::string& text, int count,
                                  absl::Duration timeout) const {
  const auto enough = [this, &text, count]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    int found = 0;
    for (size_t at = output_.find(text); at != std::string::npos;
         at = output_.find(text, at + 1)) {
      ++found;
    }
    return found >= count;
  };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

std::string ServerProcess::LastLineWith(const std::vector<std::string>& parts) const {
  const std::string out = Output();
  std::string last;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    bool all = true;
    for (const std::string& p : parts) all = all && absl::StrContains(line, p);
    if (all) last = std::string(line);
  }
  return last;
}

CliRun RunEdgellm(const std::string& args) {
  const std::string err_file = absl::StrCat(std::getenv("TEST_TMPDIR"), "/edgellm_stderr.txt");
  const std::string cmd = absl::StrCat(Runfile("tools/edgellm"), " ", args, " 2>", err_file);
  CliRun run;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.out.append(buf.data(), n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = ReadFileOrDie(err_file);
  return run;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

long long LogValue(const std::string& line, const std::string& key) {
  const std::string needle = absl::StrCat(" ", key, "=");
  const size_t at = line.find(needle);
  if (at == std::string::npos) return -1;
  const size_t begin = at + needle.size();
  const size_t end = line.find(' ', begin);
  long long value = -1;
  if (!absl::SimpleAtoi(line.substr(begin, end - begin), &value)) return -1;
  return value;
}

}  // namespace edgellm::testing
