// Flags shared by several subcommands.
#ifndef EDGELLM_TOOLS_EDGELLM_FLAGS_H_
#define EDGELLM_TOOLS_EDGELLM_FLAGS_H_

#include <string>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, plugin_dir);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(std::string, model);

#endif  // EDGELLM_TOOLS_EDGELLM_FLAGS_H_
