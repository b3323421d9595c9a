// Where plugins are found, and a one-call loader for programs and tests.
#ifndef EDGELLM_CORE_PLUGIN_PLUGIN_PATHS_H_
#define EDGELLM_CORE_PLUGIN_PLUGIN_PATHS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/plugin/plugin_registry.h"

namespace edgellm {

// The plugin directories to load, in order:
//   1. `flag_value` (the --plugin_dir flag; colon-separated), when not empty;
//   2. else the EDGELLM_PLUGIN_PATH environment variable (colon-separated), when set;
//   3. else the default: the `plugins` folder Bazel puts in the program's runfiles (so that
//      `bazel run` and `bazel test` need no flag), else `plugins/` beside the executable, else
//      `../lib/edgellm/plugins` relative to it (an installed layout).
// The default is empty when none of those folders exists.
std::vector<std::string> PluginDirs(const std::string& flag_value);

// Creates a registry for this CPU and loads every plugin in PluginDirs(flag_value). Errors:
// NotFound naming the folders tried when no folder could be read.
absl::StatusOr<std::unique_ptr<PluginRegistry>> LoadPlugins(const std::string& flag_value);

}  // namespace edgellm

#endif  // EDGELLM_CORE_PLUGIN_PLUGIN_PATHS_H_
