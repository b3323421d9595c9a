#include "core/cpu_features.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "core/plugin/edgellm_plugin.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#elif defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace edgellm {
namespace {

#if defined(__x86_64__)
constexpr uint64_t kXcr0Avx = 0x6;             // XMM | YMM state
constexpr uint64_t kXcr0Avx512 = 0xe0;         // opmask | ZMM_Hi256 | Hi16_ZMM
constexpr uint64_t kXcr0Amx = (1ull << 17) | (1ull << 18);  // XTILECFG | XTILEDATA
constexpr int kArchReqXcompPerm = 0x1023;
constexpr int kXfeatureXtiledata = 18;

uint64_t ReadXcr0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

uint64_t Detect() {
  uint32_t a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  uint64_t f = 0;
  if (c & (1u << 0)) f |= EDGE_CPU_SSE3;
  if (c & (1u << 9)) f |= EDGE_CPU_SSSE3;
  const bool osxsave = c & (1u << 27);
  const uint64_t xcr0 = osxsave ? ReadXcr0() : 0;
  const bool avx_state = (xcr0 & kXcr0Avx) == kXcr0Avx;
  const bool avx512_state = avx_state && (xcr0 & kXcr0Avx512) == kXcr0Avx512;
  if (avx_state) {
    if (c & (1u << 28)) f |= EDGE_CPU_AVX;
    if (c & (1u << 12)) f |= EDGE_CPU_FMA;
    if (c & (1u << 29)) f |= EDGE_CPU_F16C;
  }
  uint32_t max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  const uint32_t leaf7_ebx = b, leaf7_ecx = c, leaf7_edx = d;
  const uint32_t leaf7_max_sub = a;
  if (avx_state && (leaf7_ebx & (1u << 5))) f |= EDGE_CPU_AVX2;
  if (avx512_state) {
    if (leaf7_ebx & (1u << 16)) f |= EDGE_CPU_AVX512F;
    if (leaf7_ebx & (1u << 17)) f |= EDGE_CPU_AVX512DQ;
    if (leaf7_ebx & (1u << 30)) f |= EDGE_CPU_AVX512BW;
    if (leaf7_ebx & (1u << 31)) f |= EDGE_CPU_AVX512VL;
    if (leaf7_ecx & (1u << 11)) f |= EDGE_CPU_AVX512VNNI;
  }
  if (leaf7_max_sub >= 1) {
    __cpuid_count(7, 1, a, b, c, d);
    if (avx_state && (a & (1u << 4))) f |= EDGE_CPU_AVXVNNI;
    if (avx512_state && (a & (1u << 5))) f |= EDGE_CPU_AVX512BF16;
  }
  // AMX: CPUID, XCR0 and the kernel's permission for this process must all agree.
  if ((leaf7_edx & (1u << 24)) && (xcr0 & kXcr0Amx) == kXcr0Amx &&
      syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0) {
    f |= EDGE_CPU_AMX_TILE;
    if (leaf7_edx & (1u << 25)) f |= EDGE_CPU_AMX_INT8;
    if (leaf7_edx & (1u << 22)) f |= EDGE_CPU_AMX_BF16;
  }
  return f;
}
#elif defined(__aarch64__)
uint64_t Detect() {
  const unsigned long hw = getauxval(AT_HWCAP);
  uint64_t f = 0;
  if (hw & HWCAP_ASIMD) f |= EDGE_CPU_NEON;
  if (hw & HWCAP_ASIMDDP) f |= EDGE_CPU_DOTPROD;
  if (hw & HWCAP_ASIMDHP) f |= EDGE_CPU_FP16;
  if (hw & HWCAP_SVE) f |= EDGE_CPU_SVE;
  const unsigned long hw2 = getauxval(AT_HWCAP2);
#ifdef HWCAP2_I8MM
  if (hw2 & HWCAP2_I8MM) f |= EDGE_CPU_I8MM;
#else
  (void)hw2;
#endif
  return f;
}
#else
uint64_t Detect() { return 0; }
#endif

struct FeatureName {
  uint64_t bit;
  const char* name;
};

constexpr FeatureName kFeatureNames[] = {
    {EDGE_CPU_SSE3, "sse3"},         {EDGE_CPU_SSSE3, "ssse3"},
    {EDGE_CPU_AVX, "avx"},           {EDGE_CPU_AVX2, "avx2"},
    {EDGE_CPU_FMA, "fma"},           {EDGE_CPU_F16C, "f16c"},
    {EDGE_CPU_AVX512F, "avx512f"},   {EDGE_CPU_AVX512BW, "avx512bw"},
    {EDGE_CPU_AVX512VL, "avx512vl"}, {EDGE_CPU_AVX512DQ, "avx512dq"},
    {EDGE_CPU_AVX512VNNI, "avx512vnni"}, {EDGE_CPU_AVX512BF16, "avx512bf16"},
    {EDGE_CPU_AVXVNNI, "avxvnni"},   {EDGE_CPU_AMX_TILE, "amx_tile"},
    {EDGE_CPU_AMX_INT8, "amx_int8"}, {EDGE_CPU_AMX_BF16, "amx_bf16"},
    {EDGE_CPU_NEON, "neon"},         {EDGE_CPU_DOTPROD, "dotprod"},
    {EDGE_CPU_FP16, "fp16"},         {EDGE_CPU_I8MM, "i8mm"},
    {EDGE_CPU_SVE, "sve"},
};

}  // namespace

uint64_t DetectCpuFeatures() {
  static const uint64_t features = Detect();
  return features;
}

std::string CpuFeatureNames(uint64_t features) {
  std::vector<const char*> names;
  for (const FeatureName& f : kFeatureNames) {
    if (features & f.bit) names.push_back(f.name);
  }
  return absl::StrJoin(names, " ");
}

}  // namespace edgellm
