// The plugin host: real plugins load, and each kind of bad plugin is refused with its own
// reason while the others still load.
#include "core/plugin/plugin_registry.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/cpu_features.h"
#include "core/plugin/plugin_paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgellm {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/edgellm/" + path;
}

class PluginRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(std::getenv("TEST_TMPDIR")) / "plugins";
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void Add(const std::string& runfile, const std::string& as) {
    fs::copy_file(Runfile(runfile), dir_ / as);
  }
  const PluginRecord* Record(const PluginRegistry& r, const std::string& file) {
    for (const PluginRecord& rec : r.records()) {
      if (fs::path(rec.file).filename() == file) return &rec;
    }
    return nullptr;
  }
  fs::path dir_;
};

TEST_F(PluginRegistryTest, DefaultFolderHasScalarBackendAndFormats) {
  auto registry = LoadPlugins("");
  ASSERT_TRUE(registry.ok()) << registry.status();
  const BackendPlugin* scalar = (*registry)->FindBackend("scalar");
  ASSERT_NE(scalar, nullptr);
  EXPECT_EQ(scalar->isa(), EDGE_ISA_SCALAR);
  for (const PluginRecord& r : (*registry)->records()) {
    EXPECT_TRUE(r.loaded) << r.file << ": " << r.reason;
  }
  const QuantFormat* f32 = (*registry)->FindFormat(0);
  ASSERT_NE(f32, nullptr);
  EXPECT_STREQ(f32->name(), "f32");
  EXPECT_EQ(f32->type_size(), 4u);
  auto layout = (*registry)->LookupLayout(1);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->name, "f16");
  EXPECT_EQ(layout->type_size, 2u);
}

TEST_F(PluginRegistryTest, UnknownTypeIsNamedInTheError) {
  PluginRegistry registry(DetectCpuFeatures());
  auto layout = registry.LookupLayout(23);
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(std::string(layout.status().message()),
              HasSubstr("type 23 (IQ4_XS): no quant-format plugin loaded for it"));
}

TEST_F(PluginRegistryTest, BadPluginsAreRefusedEachForItsReasonAndTheRestLoad) {
  Add("backends/scalar/libedgellm_backend_scalar.so", "a_scalar.so");
  Add("backends/scalar/libedgellm_backend_scalar.so", "b_scalar_again.so");
  Add("tests/plugins/libbad_abi.so", "bad_abi.so");
  Add("tests/plugins/libno_entry.so", "no_entry.so");
  Add("tests/plugins/libforeign_cpu.so", "foreign_cpu.so");
  std::FILE* junk = std::fopen((dir_ / "not_elf.so").c_str(), "w");
  std::fputs("this is not a shared library", junk);
  std::fclose(junk);

  PluginRegistry registry(DetectCpuFeatures());
  ASSERT_TRUE(registry.LoadDirectory(dir_.string()).ok());
  ASSERT_EQ(registry.records().size(), 6u);

  const PluginRecord* scalar = Record(registry, "a_scalar.so");
  ASSERT_NE(scalar, nullptr);
  EXPECT_TRUE(scalar->loaded);
  EXPECT_NE(registry.FindBackend("scalar"), nullptr);
  EXPECT_EQ(registry.DefaultBackend(), registry.FindBackend("scalar"));

  const PluginRecord* dup = Record(registry, "b_scalar_again.so");
  ASSERT_NE(dup, nullptr);
  EXPECT_FALSE(dup->loaded);
  EXPECT_THAT(dup->reason, HasSubstr("duplicate backend name 'scalar'"));
  EXPECT_THAT(dup->reason, HasSubstr("a_scalar.so"));

  const PluginRecord* abi = Record(registry, "bad_abi.so");
  ASSERT_NE(abi, nullptr);
  EXPECT_FALSE(abi->loaded);
  EXPECT_THAT(abi->reason, HasSubstr("ABI version 2.2, this edgellm speaks 1.x"));

  const PluginRecord* entry = Record(registry, "no_entry.so");
  ASSERT_NE(entry, nullptr);
  EXPECT_FALSE(entry->loaded);
  EXPECT_THAT(entry->reason, HasSubstr("no entry symbol edgellm_plugin_v1"));

  const PluginRecord* cpu = Record(registry, "foreign_cpu.so");
  ASSERT_NE(cpu, nullptr);
  EXPECT_FALSE(cpu->loaded);
  EXPECT_THAT(cpu->reason, HasSubstr("needs CPU features this machine lacks"));
  EXPECT_EQ(registry.FindBackend("foreign"), nullptr);

  const PluginRecord* junk_record = Record(registry, "not_elf.so");
  ASSERT_NE(junk_record, nullptr);
  EXPECT_FALSE(junk_record->loaded);
  EXPECT_THAT(junk_record->reason, HasSubstr("cannot be loaded"));
}

TEST_F(PluginRegistryTest, LoadFileReportsTheFileAndReason) {
  Add("tests/plugins/libbad_abi.so", "bad_abi.so");
  PluginRegistry registry(DetectCpuFeatures());
  absl::Status s = registry.LoadFile((dir_ / "bad_abi.so").string());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("bad_abi.so: ABI version"));
}

TEST_F(PluginRegistryTest, MissingFolderIsAnError) {
  PluginRegistry registry(DetectCpuFeatures());
  absl::Status s = registry.LoadDirectory((dir_ / "nope").string());
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("--plugin_dir"));
}

TEST_F(PluginRegistryTest, EnvironmentVariableOverridesTheDefaultAndFlagOverridesBoth) {
  setenv("EDGELLM_PLUGIN_PATH", "/env/a:/env/b", 1);
  EXPECT_EQ(PluginDirs(""), (std::vector<std::string>{"/env/a", "/env/b"}));
  EXPECT_EQ(PluginDirs("/flag"), (std::vector<std::string>{"/flag"}));
  unsetenv("EDGELLM_PLUGIN_PATH");
}

}  // namespace
}  // namespace edgellm
