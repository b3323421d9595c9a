// Locating ../shared (models and golden data made by llama.cpp) from tests. tools/test.sh
// exports EDGELLM_SHARED as an absolute path and .bazelrc passes it into the sandbox.
#ifndef EDGELLM_TESTS_TESTING_SHARED_DATA_H_
#define EDGELLM_TESTS_TESTING_SHARED_DATA_H_

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace edgellm::testing {

// The shared folder, or "" when EDGELLM_SHARED is unset.
inline std::string SharedDir() {
  const char* dir = std::getenv("EDGELLM_SHARED");
  return dir != nullptr ? dir : "";
}

// Skips the current test with a clear message when the shared folder is not available. In CI
// (CI=true) a missing folder is a failure instead, so data problems cannot pass silently.
#define EDGELLM_REQUIRE_SHARED()                                                          \
  do {                                                                                    \
    if (::edgellm::testing::SharedDir().empty()) {                                        \
      if (std::getenv("CI") != nullptr) FAIL() << "EDGELLM_SHARED is not set in CI";      \
      GTEST_SKIP() << "EDGELLM_SHARED is not set: run tests through tools/test.sh, or "   \
                      "export EDGELLM_SHARED=/abs/path/to/shared";                        \
    }                                                                                     \
  } while (0)

// The whole file as bytes; fails the current test when it cannot be read.
std::string ReadFileOrDie(const std::string& path);

// The whole file as float32 values (little-endian).
std::vector<float> ReadFloats(const std::string& path);

}  // namespace edgellm::testing

#endif  // EDGELLM_TESTS_TESTING_SHARED_DATA_H_
