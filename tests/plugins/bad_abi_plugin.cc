// Test data: plugins the host must refuse for their ABI version, chosen by EDGE_TEST_ABI:
//   1: major version 2 (another major: never compatible),
//   2: this header's major with a minor version one past this header's (a plugin newer than the
//      host: it may fill fields the host does not know of and expect them read).
#include "core/plugin/edgellm_plugin.h"

namespace {
#if EDGE_TEST_ABI == 1
constexpr uint32_t kAbi = (EDGELLM_PLUGIN_ABI_MINOR << 16) | 2u;
#else
constexpr uint32_t kAbi = ((EDGELLM_PLUGIN_ABI_MINOR + 1) << 16) | EDGELLM_PLUGIN_ABI_MAJOR;
#endif
const EdgePluginV1 kPlugin = {kAbi, EDGE_PLUGIN_BACKEND, "future", "9.9.9", 0, nullptr, nullptr,
                              nullptr};
}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) { return &kPlugin; }
