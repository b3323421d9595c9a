#include "tools/edgellm/flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, plugin_dir, "",
          "Plugin folders, colon-separated (default: $EDGELLM_PLUGIN_PATH, else the plugins "
          "built with this tool)");
ABSL_FLAG(bool, json, false, "Print one JSON object instead of text");
ABSL_FLAG(std::string, model, "", "GGUF model file");
