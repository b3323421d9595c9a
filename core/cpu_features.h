// CPU feature detection for choosing plugins and kernels.
//
// x86-64: CPUID leaves 1 and 7 for the instruction bits, XGETBV (XCR0) for the register state the
// OS saves (AVX needs XMM|YMM, AVX-512 also opmask|ZMM_Hi256|Hi16_ZMM), and for AMX a successful
// arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA): a CPUID bit alone is not enough, tile instructions
// fault until the kernel grants the state. aarch64: getauxval(AT_HWCAP).
#ifndef EDGELLM_CORE_CPU_FEATURES_H_
#define EDGELLM_CORE_CPU_FEATURES_H_

#include <cstdint>
#include <string>

namespace edgellm {

// Bit mask of EDGE_CPU_* (core/plugin/edgellm_plugin.h). Detected once, then cached.
uint64_t DetectCpuFeatures();

// Space-separated lower-case names of the bits in `features`, e.g. "avx2 fma f16c".
std::string CpuFeatureNames(uint64_t features);

}  // namespace edgellm

#endif  // EDGELLM_CORE_CPU_FEATURES_H_
