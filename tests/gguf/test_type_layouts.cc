#include "tests/gguf/test_type_layouts.h"

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace edgellm {
namespace {

struct Row {
  uint32_t type_id;
  const char* name;
  int64_t block_size;
  size_t type_size;
};

// ggml's type traits (block size, bytes per block).
constexpr Row kLayouts[] = {
    {0, "f32", 1, 4},      {1, "f16", 1, 2},      {2, "q4_0", 32, 18},   {3, "q4_1", 32, 20},
    {6, "q5_0", 32, 22},   {7, "q5_1", 32, 24},   {8, "q8_0", 32, 34},   {10, "q2_K", 256, 84},
    {11, "q3_K", 256, 110}, {12, "q4_K", 256, 144}, {13, "q5_K", 256, 176}, {14, "q6_K", 256, 210},
    {15, "q8_K", 256, 292}, {30, "bf16", 1, 2},
};

}  // namespace

absl::StatusOr<TypeLayout> TestTypeLayout(uint32_t type_id) {
  for (const Row& r : kLayouts) {
    if (r.type_id == type_id) return TypeLayout{r.type_id, r.name, r.block_size, r.type_size};
  }
  return absl::NotFoundError(absl::StrFormat("type %d: not in the test layout table", type_id));
}

}  // namespace edgellm
