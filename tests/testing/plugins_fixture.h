// A GoogleTest fixture whose suite shares one registry of the built plugins (LoadPlugins("")):
// loading them once per suite keeps the tests fast, and a suite that derives from it gets its own.
#ifndef EDGELLM_TESTS_TESTING_PLUGINS_FIXTURE_H_
#define EDGELLM_TESTS_TESTING_PLUGINS_FIXTURE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "core/plugin/plugin_paths.h"
#include "core/plugin/plugin_registry.h"
#include "gtest/gtest.h"

namespace edgellm::testing {

class PluginsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<PluginRegistry>> r = LoadPlugins("");
    ASSERT_TRUE(r.ok()) << r.status();
    registry_ = r->release();
  }
  static void TearDownTestSuite() {
    delete registry_;
    registry_ = nullptr;
  }

  inline static PluginRegistry* registry_ = nullptr;
};

}  // namespace edgellm::testing

#endif  // EDGELLM_TESTS_TESTING_PLUGINS_FIXTURE_H_
