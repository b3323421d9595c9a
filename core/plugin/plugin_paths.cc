#include "core/plugin/plugin_paths.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/cpu_features.h"

namespace edgellm {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string ExecutablePath() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::vector<std::string> SplitDirs(const std::string& list) {
  return absl::StrSplit(list, ':', absl::SkipEmpty());
}

std::vector<std::string> DefaultCandidates() {
  std::vector<std::string> out;
  for (const char* var : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    if (const char* v = std::getenv(var)) out.push_back(absl::StrCat(v, "/edgellm/plugins"));
  }
  const std::string exe = ExecutablePath();
  if (!exe.empty()) {
    out.push_back(absl::StrCat(exe, ".runfiles/edgellm/plugins"));
    const std::string dir = exe.substr(0, exe.rfind('/'));
    out.push_back(absl::StrCat(dir, "/plugins"));
    out.push_back(absl::StrCat(dir, "/../lib/edgellm/plugins"));
  }
  return out;
}

}  // namespace

std::vector<std::string> PluginDirs(const std::string& flag_value) {
  if (!flag_value.empty()) return SplitDirs(flag_value);
  if (const char* env = std::getenv("EDGELLM_PLUGIN_PATH"); env != nullptr && env[0] != '\0') {
    return SplitDirs(env);
  }
  for (const std::string& dir : DefaultCandidates()) {
    if (IsDirectory(dir)) return {dir};
  }
  return {};
}

absl::StatusOr<std::unique_ptr<PluginRegistry>> LoadPlugins(const std::string& flag_value) {
  const std::vector<std::string> dirs = PluginDirs(flag_value);
  if (dirs.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "no plugin directory found (looked in ", absl::StrJoin(DefaultCandidates(), ", "),
        "); pass --plugin_dir=DIR or set EDGELLM_PLUGIN_PATH"));
  }
  auto registry = std::make_unique<PluginRegistry>(DetectCpuFeatures());
  int readable = 0;
  std::vector<std::string> errors;
  for (const std::string& dir : dirs) {
    absl::Status s = registry->LoadDirectory(dir);
    if (s.ok()) {
      ++readable;
    } else {
      errors.push_back(std::string(s.message()));
    }
  }
  if (readable == 0) return absl::NotFoundError(absl::StrJoin(errors, "; "));
  return registry;
}

}  // namespace edgellm
