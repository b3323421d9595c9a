// Test helpers for the quant-format plugins' own tests: load a plugin exactly as shipped (the
// cc_binary .so, listed in the test's `data`) and pick the kernel entries this CPU can run.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_FORMAT_TEST_UTIL_H_
#define EDGELLM_QUANT_FORMATS_COMMON_FORMAT_TEST_UTIL_H_

#include <dlfcn.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/plugin/edgellm_plugin.h"

namespace edgellm::quant::testing {

// The format table of quant_formats/<name>/libedgellm_format_<name>.so from the runfiles, or
// nullptr. The library stays loaded for the life of the test binary.
inline const EdgeQuantFormatV1* LoadFormat(const std::string& name) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  if (srcdir == nullptr) return nullptr;
  const std::string path =
      std::string(srcdir) + "/edgellm/quant_formats/" + name + "/libedgellm_format_" + name + ".so";
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return nullptr;
  auto entry = reinterpret_cast<EdgePluginEntryV1>(dlsym(handle, EDGELLM_PLUGIN_ENTRY_SYMBOL));
  return entry == nullptr ? nullptr : entry()->quant_format;
}

// Kernel entries of `f` whose CPU features this machine has, in table order.
inline std::vector<const EdgeQuantKernelsV1*> RunnableKernels(const EdgeQuantFormatV1& f) {
  const uint64_t cpu = DetectCpuFeatures();
  std::vector<const EdgeQuantKernelsV1*> out;
  for (size_t i = 0; i < f.n_kernels; ++i) {
    if ((f.kernels[i].required_cpu_features & ~cpu) == 0) out.push_back(&f.kernels[i]);
  }
  return out;
}

// "avx512+vnni", "avx2", "scalar": for test messages.
inline std::string KernelName(const EdgeQuantKernelsV1& k) {
  std::string s = k.isa == EDGE_ISA_AVX512 ? "avx512"
                  : k.isa == EDGE_ISA_AVX2 ? "avx2"
                  : k.isa == EDGE_ISA_NEON ? "neon"
                                           : "scalar";
  if (k.required_cpu_features & EDGE_CPU_AVX512VNNI) s += "+vnni";
  if (k.required_cpu_features & EDGE_CPU_AVX512BF16) s += "+bf16";
  if (k.required_cpu_features & EDGE_CPU_DOTPROD) s += "+dotprod";
  if (k.required_cpu_features & EDGE_CPU_FP16) s += "+fp16";
  return s;
}

}  // namespace edgellm::quant::testing

#endif  // EDGELLM_QUANT_FORMATS_COMMON_FORMAT_TEST_UTIL_H_
