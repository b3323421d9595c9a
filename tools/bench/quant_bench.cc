// Micro-benchmark of every loaded quant format: dequantize (to_float) and vec_dot throughput per
// ISA kernel, in GB/s of weight data read (Google Benchmark's bytes_per_second), and the prefill
// GEMM path (vec_dot_batch where the kernel has one, else vec_dot for every pair) in
// multiply-adds per second (items_per_second) on a cache-resident tile.
//
//   bazel run //tools/bench:quant_bench -- [--benchmark_filter=q4_K] [--plugin_dir=DIR]
//
// The weight matrix (kRows x kCols) is larger than the last-level cache, so vec_dot figures are
// what decode sees: weights streamed from memory once per token.
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/plugin/plugin_paths.h"
#include "core/plugin/plugin_registry.h"
#include "core/quant_format.h"

namespace edgellm {
namespace {

constexpr int64_t kCols = 4096;
constexpr int64_t kRows = 8192;  // 32 Mi weights: 18 MiB as q4_K, 128 MiB as f32
// The GEMM tile: the first kGemmRows weight rows (about 0.5 MiB as q4_K, so cached) times
// kGemmTokens activation rows, as the backends' matmul hands a prefill tile to a kernel.
constexpr int64_t kGemmRows = 128;
constexpr int64_t kGemmTokens = 8;

struct Data {
  std::vector<uint8_t> weights;      // kRows rows in the format
  std::vector<uint8_t> activations;  // kGemmTokens rows in the vec_dot_type
};

Data MakeData(const QuantFormat& f, const QuantFormat& v) {
  std::mt19937 rng(42);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> row(kCols);
  Data d;
  d.weights.resize(f.RowBytes(kCols) * kRows);
  // Quantize a few distinct rows and repeat them: quantizing 32 Mi weights would dominate.
  constexpr int kDistinct = 64;
  for (int r = 0; r < kRows; ++r) {
    if (r < kDistinct) {
      for (float& x : row) x = dist(rng);
      f.FromFloatRef(row.data(), &d.weights[r * f.RowBytes(kCols)], kCols);
    } else {
      std::memcpy(&d.weights[r * f.RowBytes(kCols)], &d.weights[(r % kDistinct) * f.RowBytes(kCols)],
                  f.RowBytes(kCols));
    }
  }
  d.activations.resize(v.RowBytes(kCols) * kGemmTokens);
  for (int t = 0; t < kGemmTokens; ++t) {
    for (float& x : row) x = dist(rng);
    v.FromFloatRef(row.data(), &d.activations[t * v.RowBytes(kCols)], kCols);
  }
  return d;
}

void RegisterFormat(const PluginRegistry& registry, const QuantFormat& f) {
  const QuantFormat* v = registry.FindFormat(f.vec_dot_type());
  if (v == nullptr) return;
  auto data = std::make_shared<Data>(MakeData(f, *v));
  const size_t row_bytes = f.RowBytes(kCols);
  const size_t act_bytes = v->RowBytes(kCols);
  const uint64_t cpu = registry.cpu_features();
  for (const EdgeQuantKernelsV1* k : f.kernels()) {
    if ((k->required_cpu_features & ~cpu) != 0) continue;
    const std::string isa = IsaName(k->isa);
    if (k->vec_dot != nullptr) {
      const EdgeVecDotFn dot = k->vec_dot;
      benchmark::RegisterBenchmark(
          (std::string(f.name()) + "/vec_dot/" + isa).c_str(),
          [data, dot, row_bytes](benchmark::State& state) {
            float sum = 0.0f;
            for (auto _ : state) {
              for (int64_t r = 0; r < kRows; ++r) {
                float s;
                dot(kCols, &s, &data->weights[r * row_bytes], data->activations.data());
                sum += s;
              }
              benchmark::DoNotOptimize(sum);
            }
            state.SetBytesProcessed(state.iterations() * kRows * row_bytes);
          })
          ->Unit(benchmark::kMillisecond);
      const EdgeVecDotBatchFn batch = k->vec_dot_batch;
      benchmark::RegisterBenchmark(
          (std::string(f.name()) + "/gemm/" + isa + (batch ? "" : "/vec_dot")).c_str(),
          [data, dot, batch, row_bytes, act_bytes](benchmark::State& state) {
            std::vector<float> out(kGemmRows * kGemmTokens);
            for (auto _ : state) {
              if (batch != nullptr) {
                batch(kCols, kGemmRows, kGemmTokens, out.data(), kGemmRows,
                      data->weights.data(), row_bytes, data->activations.data(), act_bytes);
              } else {
                for (int64_t r = 0; r < kGemmRows; ++r) {
                  for (int64_t t = 0; t < kGemmTokens; ++t) {
                    dot(kCols, &out[t * kGemmRows + r], &data->weights[r * row_bytes],
                        &data->activations[t * act_bytes]);
                  }
                }
              }
              benchmark::DoNotOptimize(out.data());
            }
            state.SetItemsProcessed(state.iterations() * kGemmRows * kGemmTokens * kCols);
          })
          ->Unit(benchmark::kMicrosecond);
    }
    const EdgeToFloatFn to_float = k->to_float != nullptr ? k->to_float
                                   : k->isa == EDGE_ISA_SCALAR ? f.desc()->to_float
                                                               : nullptr;
    if (to_float != nullptr) {
      benchmark::RegisterBenchmark(
          (std::string(f.name()) + "/to_float/" + isa).c_str(),
          [data, to_float, row_bytes](benchmark::State& state) {
            std::vector<float> out(kCols);
            for (auto _ : state) {
              for (int64_t r = 0; r < kRows; ++r) {
                to_float(&data->weights[r * row_bytes], out.data(), kCols);
                benchmark::DoNotOptimize(out.data());
              }
            }
            state.SetBytesProcessed(state.iterations() * kRows * row_bytes);
          })
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace
}  // namespace edgellm

int main(int argc, char** argv) {
  std::string plugin_dir;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--plugin_dir=", 13) == 0) {
      plugin_dir = argv[i] + 13;
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  auto registry = edgellm::LoadPlugins(plugin_dir);
  if (!registry.ok()) {
    std::fprintf(stderr, "quant_bench: %s\n", registry.status().message().data());
    return 1;
  }
  for (const edgellm::QuantFormat* f : (*registry)->formats()) {
    edgellm::RegisterFormat(**registry, *f);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
