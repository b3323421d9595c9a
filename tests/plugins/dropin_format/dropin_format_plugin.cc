// Test data: a quant format the core and the backends have never heard of, built outside
// quant_formats/ against core/plugin/edgellm_plugin.h alone. "s8_16" (GGUF type id 200, not a
// ggml type): blocks of 16 weights stored as one fp32 scale and 16 int8, x = d * q. Its
// activations stay f32 (vec_dot_type 0), so it also needs no partner format of its own.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/plugin/edgellm_plugin.h"

namespace {

constexpr int kBlock = 16;

struct Block {
  float d;
  int8_t q[kBlock];
};
static_assert(sizeof(Block) == 20, "s8_16 block is 20 bytes");

void ToFloat(const void* x, float* y, int64_t n) {
  const Block* b = static_cast<const Block*>(x);
  for (int64_t i = 0; i < n / kBlock; ++i) {
    for (int j = 0; j < kBlock; ++j) y[i * kBlock + j] = b[i].d * b[i].q[j];
  }
}

void FromFloat(const float* x, void* y, int64_t n) {
  Block* b = static_cast<Block*>(y);
  for (int64_t i = 0; i < n / kBlock; ++i) {
    float amax = 0.0f;
    for (int j = 0; j < kBlock; ++j) amax = std::fmax(amax, std::fabs(x[i * kBlock + j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = d;
    for (int j = 0; j < kBlock; ++j) {
      b[i].q[j] = static_cast<int8_t>(std::lround(x[i * kBlock + j] * id));
    }
  }
}

// Weights in s8_16 against f32 activations.
void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const Block* b = static_cast<const Block*>(x);
  const float* a = static_cast<const float*>(y);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kBlock; ++i) {
    float block_sum = 0.0f;
    for (int j = 0; j < kBlock; ++j) block_sum += b[i].q[j] * a[i * kBlock + j];
    sum += b[i].d * block_sum;
  }
  *s = sum;
}

const EdgeQuantKernelsV1 kKernels[] = {
    {EDGE_ISA_SCALAR, 0, VecDot, nullptr, nullptr, nullptr},
};

const EdgeQuantFormatV1 kFormat = {
    200, "s8_16", kBlock, sizeof(Block), 0, ToFloat, FromFloat, kKernels, 1,
};

// An optional function found by name (EdgePluginV1::get_proc_address): the scale of block i of a
// row, a format-specific extra that no table of the ABI has a slot for.
float BlockScale(const void* row, int64_t i) { return static_cast<const Block*>(row)[i].d; }

const void* GetProcAddress(const char* name) {
  if (std::strcmp(name, "s8_16_block_scale") == 0) {
    return reinterpret_cast<const void*>(&BlockScale);
  }
  return nullptr;
}

const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_QUANT_FORMAT, "s8_16", "0.1.0", 0, nullptr, &kFormat,
    GetProcAddress,
};

}  // namespace

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) { return &kPlugin; }
