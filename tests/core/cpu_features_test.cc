#include "core/cpu_features.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "core/plugin/edgellm_plugin.h"
#include "gtest/gtest.h"

namespace edgellm {
namespace {

// The kernel's own view of the CPU (it also masks features the OS does not enable). Only the
// line of this architecture counts: under qemu-user, /proc/cpuinfo is the host's.
std::set<std::string> ProcCpuFlags() {
#if defined(__aarch64__)
  const std::string key = "Features";
#else
  const std::string key = "flags";
#endif
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      std::set<std::string> out;
      for (std::string w; words >> w;) out.insert(w);
      return out;
    }
  }
  return {};
}

TEST(CpuFeaturesTest, AgreesWithProcCpuinfo) {
  const uint64_t f = DetectCpuFeatures();
  const std::set<std::string> proc = ProcCpuFlags();
#if defined(__aarch64__)
  // Advanced SIMD is part of every aarch64 Linux CPU: the NEON plugins depend on seeing it.
  EXPECT_NE(f & EDGE_CPU_NEON, 0u);
#endif
  if (proc.empty()) GTEST_SKIP() << "/proc/cpuinfo has no flags line for this architecture";
#if defined(__x86_64__)
  const std::pair<uint64_t, const char*> pairs[] = {
      {EDGE_CPU_AVX2, "avx2"},         {EDGE_CPU_FMA, "fma"},
      {EDGE_CPU_F16C, "f16c"},         {EDGE_CPU_AVX512F, "avx512f"},
      {EDGE_CPU_AVX512BW, "avx512bw"}, {EDGE_CPU_AVX512VL, "avx512vl"},
      {EDGE_CPU_AVX512VNNI, "avx512_vnni"}, {EDGE_CPU_AVX512BF16, "avx512_bf16"},
  };
  for (const auto& [bit, name] : pairs) {
    EXPECT_EQ((f & bit) != 0, proc.count(name) == 1) << name;
  }
#elif defined(__aarch64__)
  EXPECT_EQ((f & EDGE_CPU_DOTPROD) != 0, proc.count("asimddp") == 1);
#endif
}

TEST(CpuFeaturesTest, NamesListEveryBit) {
  EXPECT_EQ(CpuFeatureNames(EDGE_CPU_AVX2 | EDGE_CPU_FMA), "avx2 fma");
  EXPECT_EQ(CpuFeatureNames(0), "");
  EXPECT_EQ(CpuFeatureNames(EDGE_CPU_NEON | EDGE_CPU_DOTPROD), "neon dotprod");
}

}  // namespace
}  // namespace edgellm
