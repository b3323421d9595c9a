#include "core/gguf/ggml_type_names.h"

#include <iterator>

#include "core/plugin/ggml_types.h"

namespace edgellm {
namespace {

// Indexed by type id: the list is in id order without gaps.
#define EDGE_GGML_TYPE_NAME_(name, id) #name,
constexpr const char* kNames[] = {EDGE_GGML_TYPE_LIST(EDGE_GGML_TYPE_NAME_)};
#undef EDGE_GGML_TYPE_NAME_

#define EDGE_GGML_TYPE_ID_(name, id) id,
constexpr int kIds[] = {EDGE_GGML_TYPE_LIST(EDGE_GGML_TYPE_ID_)};
#undef EDGE_GGML_TYPE_ID_

constexpr bool IdsAreIndices() {
  for (size_t i = 0; i < std::size(kIds); ++i) {
    if (kIds[i] != static_cast<int>(i)) return false;
  }
  return true;
}
static_assert(IdsAreIndices(), "EDGE_GGML_TYPE_LIST must list every id in order, without gaps");

}  // namespace

const char* GgmlTypeName(uint32_t type_id) {
  return type_id < std::size(kNames) ? kNames[type_id] : "unknown";
}

}  // namespace edgellm
