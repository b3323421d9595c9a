// A new quant format dropped into a plugin folder as a prebuilt .so: the core reads a GGUF that
// uses its type id and the unchanged scalar backend multiplies with it, with no rebuild of
// either. Before the plugin is dropped in, the same file is refused, naming the type.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/gguf/gguf_file.h"
#include "core/gguf/gguf_writer.h"
#include "core/plugin/plugin_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgellm {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kDropinType = 200;

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/edgellm/" + path;
}

class DropinFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::path(std::getenv("TEST_TMPDIR"));
    plugins_ = tmp_ / "plugins";
    fs::remove_all(plugins_);
    fs::create_directories(plugins_);
    // The backend and the f32 format (the new format's vec_dot_type), as shipped.
    for (const char* lib : {"backends/scalar/libedgellm_backend_scalar.so",
                            "quant_formats/f32/libedgellm_format_f32.so"}) {
      fs::copy_file(Runfile(lib), plugins_ / fs::path(lib).filename());
    }
  }
  fs::path tmp_, plugins_;
};

TEST_F(DropinFormatTest, NewFormatLoadsAndMultipliesWithoutRebuild) {
  // The weights: 8 rows of 64 floats, quantized by the plugin's own reference quantizer.
  constexpr int kRows = 8, kCols = 64;
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> w(kRows * kCols), x(kCols);
  for (float& v : w) v = dist(rng);
  for (float& v : x) v = dist(rng);

  {
    // Without the plugin: the type is unknown, and the reader says which.
    PluginRegistry bare(DetectCpuFeatures());
    ASSERT_TRUE(bare.LoadDirectory(plugins_.string()).ok());
    ASSERT_EQ(bare.FindFormat(kDropinType), nullptr);
    EXPECT_THAT(std::string(bare.LookupLayout(kDropinType).status().message()),
                ::testing::HasSubstr("type 200"));
  }

  // Drop the prebuilt plugin in; load the folder.
  fs::copy_file(Runfile("tests/plugins/dropin_format/libdropin_s8_16.so"),
                plugins_ / "libdropin_s8_16.so");
  PluginRegistry registry(DetectCpuFeatures());
  ASSERT_TRUE(registry.LoadDirectory(plugins_.string()).ok());
  const QuantFormat* s8 = registry.FindFormat(kDropinType);
  ASSERT_NE(s8, nullptr);
  EXPECT_STREQ(s8->name(), "s8_16");

  // A GGUF holding a tensor of the new type.
  std::string bytes(s8->RowBytes(kCols) * kRows, '\0');
  for (int r = 0; r < kRows; ++r) {
    s8->FromFloatRef(&w[r * kCols], &bytes[r * s8->RowBytes(kCols)], kCols);
  }
  GgufWriter writer;
  ASSERT_TRUE(writer.AddMetadata("general.name", GgufValue::String("dropin")).ok());
  ASSERT_TRUE(writer.AddTensor("w", s8->layout(), {kCols, kRows}, bytes).ok());
  const std::string path = (tmp_ / "dropin.gguf").string();
  ASSERT_TRUE(writer.WriteFile(path).ok());

  auto file = GgufFile::Open(path, [&](uint32_t id) { return registry.LookupLayout(id); });
  ASSERT_TRUE(file.ok()) << file.status();
  const Tensor* t = (*file)->FindTensor("w");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type_id, kDropinType);
  EXPECT_EQ(t->size_bytes, bytes.size());

  // The scalar backend multiplies with it through the format's own kernel.
  auto matrix = registry.MakeMatrix(*t);
  ASSERT_TRUE(matrix.ok()) << matrix.status();
  auto backend = registry.FindBackend("scalar")->Create(1);
  ASSERT_TRUE(backend.ok()) << backend.status();
  std::vector<float> y(kRows);
  ASSERT_TRUE((*backend)->MatMul(*matrix, x.data(), 1, y.data()).ok());

  std::vector<float> row(kCols);
  for (int r = 0; r < kRows; ++r) {
    s8->ToFloat(t->row(r), row.data(), kCols);
    double expect = 0.0, exact = 0.0;
    for (int i = 0; i < kCols; ++i) {
      expect += row[i] * x[i];
      exact += w[r * kCols + i] * x[i];
    }
    EXPECT_NEAR(y[r], expect, 1e-4) << "row " << r;
    EXPECT_NEAR(y[r], exact, 0.1) << "row " << r;  // 8-bit quantization error only
  }
}

}  // namespace
}  // namespace edgellm
