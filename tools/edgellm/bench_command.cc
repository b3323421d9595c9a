// `edgellm bench`: llama-bench's prefill (ppN) and decode (tgN) throughput for every combination
// of --model, --backend and --threads (tools/bench/model_bench.h), and for decode the memory
// traffic against the machine's own streaming-read bandwidth (tools/bench/read_bandwidth.h),
// measured in this process with the same thread count just before and after the tests:
//   achieved GB/s = decode bytes per token * decode tokens/s; bandwidth_fraction = achieved / read.
// Text mode prints a table row per test as it completes; --json prints one array at the end.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/backend.h"
#include "core/model/kv_pool.h"
#include "core/model/model.h"
#include "core/plugin/plugin_paths.h"
#include "core/plugin/plugin_registry.h"
#include "nlohmann/json.hpp"
#include "tools/bench/model_bench.h"
#include "tools/bench/read_bandwidth.h"
#include "tools/edgellm/commands.h"
#include "tools/edgellm/flags.h"
#include "tools/synth/mixes.h"

ABSL_FLAG(int32_t, n_prompt, 512, "bench: prompt tokens of the prefill test (-p); 0: none");
ABSL_FLAG(int32_t, n_gen, 128, "bench: generated tokens of the decode test (-n); 0: none");
ABSL_FLAG(int32_t, repetitions, 5, "bench: runs of each test (-r)");
ABSL_FLAG(int32_t, depth, 0, "bench: positions filled before each test (-d, as llama-bench)");
ABSL_FLAG(int32_t, probe_mib, 1024, "bench: MiB read by the streaming-read bandwidth probe");

namespace edgellm::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgellm bench --model=FILE[,FILE...] [--backend=NAME[,NAME...]] "
    "[--threads=N[,N...]] [-p N|--n_prompt=N] [-n N|--n_gen=N] [-r N|--repetitions=N] "
    "[-d N|--depth=N] [--cache_type_k=T --cache_type_v=T] [--probe_mib=N] [--json]\n";

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "edgellm bench: %s\n", std::string(status.message()).c_str());
  return 1;
}

std::vector<std::string> SplitList(const std::string& s) {
  return absl::StrSplit(s, ',', absl::SkipEmpty());
}

// A parameter count with the largest of the B, M, K suffixes that keeps it >= 1.
std::string CountLabel(double count, const char* format) {
  constexpr struct {
    double scale;
    const char* suffix;
  } kScales[] = {{1e9, "B"}, {1e6, "M"}, {1e3, "K"}};
  for (const auto& s : kScales) {
    if (count >= s.scale) return absl::StrCat(absl::StrFormat(format, count / s.scale), s.suffix);
  }
  return absl::StrFormat(format, count);
}

// "llama 1.1B Q4_K_M", as llama-bench's model column.
std::string Describe(const Model& m) {
  const std::string size = CountLabel(static_cast<double>(m.parameter_count()), "%.1f");
  std::string type = "?";
  if (absl::StatusOr<uint64_t> ft = m.file().GetUint("general.file_type"); ft.ok()) {
    const char* name = synth::FileTypeName(static_cast<uint32_t>(*ft));
    type = name != nullptr ? name : absl::StrCat("file type ", *ft);
  }
  return absl::StrCat(m.config().architecture, " ", size, " ", type);
}

uint64_t TensorBytes(const Model& m) {
  uint64_t bytes = 0;
  for (const Tensor& t : m.file().tensors()) bytes += t.size_bytes;
  return bytes;
}

struct Row {
  std::string model_path;
  std::string description;
  uint64_t size_bytes = 0;
  int64_t n_params = 0;
  std::string backend;
  int threads = 0;
  bench::BenchResult result;
  bench::ReadBandwidth read;  // the better of read_before and read_after
  double read_before = 0;
  double read_after = 0;
  double achieved_gbps() const {
    return result.decode_bytes_per_token() * result.decode_tokens_per_second.mean / 1e9;
  }
};

// A llama-bench style markdown table, printed a row at a time. Widths count code points, not
// bytes ("±" is two bytes).
class TextTable {
 public:
  void Header() const {
    std::vector<std::string> names, rules;
    for (const Column& c : kColumns) {
      names.push_back(c.name);
      rules.push_back(std::string(c.width - (c.right ? 1 : 0), '-') + (c.right ? ":" : ""));
    }
    PrintCells(names);
    PrintCells(rules);
  }
  void Print(const Row& r, int64_t n_prompt, int64_t n_gen, int64_t depth) const {
    // llama-bench's test names: "tg128 @ d4096".
    const std::string at = depth > 0 ? absl::StrCat(" @ d", depth) : "";
    const std::vector<std::string> model = {
        r.description, absl::StrFormat("%.2f MiB", r.size_bytes / 1048576.0),
        CountLabel(static_cast<double>(r.n_params), "%.2f "), r.backend, absl::StrCat(r.threads)};
    if (n_prompt > 0) {
      const bench::Stats& s = r.result.prefill_tokens_per_second;
      std::vector<std::string> cells = model;
      for (const std::string& c :
           {absl::StrCat("pp", n_prompt, at), absl::StrFormat("%.2f ± %.2f", s.mean, s.sd),
            std::string(), std::string(), std::string(), std::string()}) {
        cells.push_back(c);
      }
      PrintCells(cells);
    }
    if (n_gen > 0) {
      const bench::Stats& s = r.result.decode_tokens_per_second;
      const double achieved = r.achieved_gbps();
      std::vector<std::string> cells = model;
      for (const std::string& c :
           {absl::StrCat("tg", n_gen, at), absl::StrFormat("%.2f ± %.2f", s.mean, s.sd),
            absl::StrFormat("%.1f", r.result.decode_bytes_per_token() / 1e6),
            absl::StrFormat("%.2f", achieved), absl::StrFormat("%.2f", r.read.gb_per_second),
            absl::StrFormat("%.1f%%", 100.0 * achieved / r.read.gb_per_second)}) {
        cells.push_back(c);
      }
      PrintCells(cells);
    }
    std::fflush(stdout);
  }

 private:
  struct Column {
    const char* name;
    size_t width;
    bool right;
  };
  static constexpr Column kColumns[] = {
      {"model", 22, false},   {"size", 11, true},        {"params", 8, true},
      {"backend", 7, false},  {"threads", 7, true},      {"test", 15, true},
      {"t/s", 18, true},      {"MB/token", 8, true},     {"GB/s", 7, true},
      {"read GB/s", 9, true}, {"% of read bw", 12, true}};

  static size_t CodePoints(const std::string& s) {
    size_t n = 0;
    for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
  }
  static void PrintCells(const std::vector<std::string>& cells) {
    std::string line = "|";
    for (size_t i = 0; i < cells.size(); ++i) {
      const size_t n = CodePoints(cells[i]);
      const std::string pad(kColumns[i].width > n ? kColumns[i].width - n : 0, ' ');
      line += " " + (kColumns[i].right ? pad + cells[i] : cells[i] + pad) + " |";
    }
    std::printf("%s\n", line.c_str());
  }
};

nlohmann::json ToJson(const Row& r, const bench::BenchParams& p) {
  auto stat = [](const bench::Stats& s, double value) -> nlohmann::json {
    if (s.samples.empty()) return nullptr;
    return value;
  };
  const bench::Stats& pp = r.result.prefill_tokens_per_second;
  const bench::Stats& tg = r.result.decode_tokens_per_second;
  const bool decode = !tg.samples.empty();
  nlohmann::json j = {
      {"model", r.model_path},
      {"model_type", r.description},
      {"model_size_bytes", r.size_bytes},
      {"model_n_params", r.n_params},
      {"backend", r.backend},
      {"threads", r.threads},
      {"n_prompt", p.n_prompt},
      {"n_gen", p.n_gen},
      {"depth", p.depth},
      {"cache_type_k", absl::GetFlag(FLAGS_cache_type_k)},
      {"cache_type_v", absl::GetFlag(FLAGS_cache_type_v)},
      {"repetitions", p.repetitions},
      {"prefill_tokens_per_second", stat(pp, pp.mean)},
      {"prefill_tokens_per_second_sd", stat(pp, pp.sd)},
      {"prefill_samples", pp.samples},
      {"decode_tokens_per_second", stat(tg, tg.mean)},
      {"decode_tokens_per_second_sd", stat(tg, tg.sd)},
      {"decode_samples", tg.samples},
      {"decode_weight_bytes_per_token", r.result.decode_weight_bytes_per_token},
      {"decode_kv_bytes_per_token", stat(tg, r.result.decode_kv_bytes_per_token)},
      {"decode_bytes_per_token", stat(tg, r.result.decode_bytes_per_token())},
      {"achieved_gb_per_second", stat(tg, r.achieved_gbps())},
      {"read_bandwidth_gb_per_second", decode ? nlohmann::json(r.read.gb_per_second) : nullptr},
      {"read_bandwidth_before_after_gb_per_second",
       decode ? nlohmann::json::array({r.read_before, r.read_after}) : nullptr},
      {"read_bandwidth_kernel", decode ? nlohmann::json(r.read.kernel) : nullptr},
      {"bandwidth_fraction",
       decode ? nlohmann::json(r.achieved_gbps() / r.read.gb_per_second) : nullptr},
  };
  return j;
}

}  // namespace

std::vector<std::string> ExpandBenchShortFlags(int argc, char** argv) {
  std::vector<std::string> out(argv, argv + argc);
  const auto command = std::find_if(out.begin() + std::min(argc, 1), out.end(),
                                    [](const std::string& a) { return a.empty() || a[0] != '-'; });
  if (command == out.end() || *command != "bench") return out;
  static constexpr std::pair<const char*, const char*> kShort[] = {{"-m", "--model"},
                                                                   {"-p", "--n_prompt"},
                                                                   {"-n", "--n_gen"},
                                                                   {"-r", "--repetitions"},
                                                                   {"-d", "--depth"},
                                                                   {"-t", "--threads"}};
  for (std::string& a : out) {
    for (const auto& [short_name, long_name] : kShort) {
      // "-p" (value in the next argument, which absl accepts after a long name) and "-p=512".
      if (a == short_name || absl::StartsWith(a, absl::StrCat(short_name, "="))) {
        a = absl::StrCat(long_name, a.substr(2));
        break;
      }
    }
  }
  return out;
}

int RunBench(const std::vector<std::string>& args) {
  const std::vector<std::string> models = SplitList(absl::GetFlag(FLAGS_model));
  if (!args.empty() || models.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  bench::BenchParams params;
  params.n_prompt = absl::GetFlag(FLAGS_n_prompt);
  params.n_gen = absl::GetFlag(FLAGS_n_gen);
  params.repetitions = absl::GetFlag(FLAGS_repetitions);
  params.depth = absl::GetFlag(FLAGS_depth);
  if (params.depth < 0) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("-d/--depth ", params.depth, ": must not be negative")));
  }
  if (params.n_prompt < 0 || params.n_gen < 0 || params.n_prompt + params.n_gen == 0) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("-p/--n_prompt ", params.n_prompt, " and -n/--n_gen ", params.n_gen,
                     ": neither may be negative, and one must be positive")));
  }
  if (params.repetitions <= 0) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("-r/--repetitions ", params.repetitions, ": must be positive")));
  }
  const int probe_mib = absl::GetFlag(FLAGS_probe_mib);
  if (probe_mib <= 0) {
    return Fail(
        absl::InvalidArgumentError(absl::StrCat("--probe_mib ", probe_mib, ": must be positive")));
  }
  std::vector<int> threads;
  for (const int32_t t : absl::GetFlag(FLAGS_threads).values) {
    threads.push_back(t > 0 ? t
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  }

  absl::StatusOr<std::unique_ptr<PluginRegistry>> registry =
      LoadPlugins(absl::GetFlag(FLAGS_plugin_dir));
  if (!registry.ok()) return Fail(registry.status());
  for (const auto& [flag, value, type] :
       {std::make_tuple("--cache_type_k", absl::GetFlag(FLAGS_cache_type_k), &params.cache_type_k),
        std::make_tuple("--cache_type_v", absl::GetFlag(FLAGS_cache_type_v),
                        &params.cache_type_v)}) {
    absl::StatusOr<uint32_t> id = ParseCacheType(**registry, flag, value);
    if (!id.ok()) return Fail(id.status());
    *type = *id;
  }
  std::vector<const BackendPlugin*> backends;
  std::vector<std::string> loaded;
  for (const BackendPlugin* b : (*registry)->backends()) loaded.push_back(b->name());
  const std::vector<std::string> backend_names = SplitList(absl::GetFlag(FLAGS_backend));
  if (backend_names.empty()) {
    if ((*registry)->DefaultBackend() == nullptr) {
      return Fail(absl::NotFoundError(
          "no backend plugin loaded (see `edgellm plugins` for what was found and why)"));
    }
    backends.push_back((*registry)->DefaultBackend());
  }
  for (const std::string& name : backend_names) {
    const BackendPlugin* b = (*registry)->FindBackend(name);
    if (b == nullptr) {
      return Fail(absl::NotFoundError(absl::StrCat(
          "unknown backend '", name, "'; loaded backends: ", absl::StrJoin(loaded, ", "))));
    }
    backends.push_back(b);
  }
  // Every model is loaded before anything runs, so a bad path fails at once.
  std::vector<std::unique_ptr<Model>> loaded_models;
  for (const std::string& path : models) {
    absl::StatusOr<std::unique_ptr<Model>> m = Model::Load(path, **registry);
    if (!m.ok()) return Fail(m.status());
    loaded_models.push_back(*std::move(m));
  }
  std::unique_ptr<bench::ReadBandwidthProbe> probe;
  if (params.n_gen > 0) {
    absl::StatusOr<std::unique_ptr<bench::ReadBandwidthProbe>> p =
        bench::ReadBandwidthProbe::Create(static_cast<size_t>(probe_mib) << 20);
    if (!p.ok()) return Fail(p.status());
    probe = *std::move(p);
  }

  const bool json = absl::GetFlag(FLAGS_json);
  const TextTable table;
  if (!json) table.Header();
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < models.size(); ++i) {
    const Model& model = *loaded_models[i];
    for (const BackendPlugin* plugin : backends) {
      for (const int n_threads : threads) {
        // The probe runs before and after the tests and the better figure is kept: on a VM the
        // host may move the virtual CPUs (two cores of one CCD or of two reach very different
        // bandwidths), and the machine's capability is the best it gave in that window.
        bench::ReadBandwidth before;
        if (probe != nullptr) {
          absl::StatusOr<bench::ReadBandwidth> read = probe->Measure(n_threads);
          if (!read.ok()) return Fail(read.status());
          before = *read;
        }
        absl::StatusOr<std::unique_ptr<Backend>> backend = plugin->Create(n_threads);
        if (!backend.ok()) return Fail(backend.status());
        Row row;
        row.model_path = models[i];
        row.description = Describe(model);
        row.size_bytes = TensorBytes(model);
        row.n_params = model.parameter_count();
        row.backend = (*backend)->name();
        row.threads = (*backend)->n_threads();
        absl::StatusOr<bench::BenchResult> result =
            bench::RunModelBench(model, backend->get(), params);
        if (!result.ok()) {
          return Fail(absl::Status(
              result.status().code(),
              absl::StrCat(models[i], " on ", row.backend, ": ", result.status().message())));
        }
        row.result = *std::move(result);
        backend->reset();  // its threads would compete with the probe's
        if (probe != nullptr) {
          absl::StatusOr<bench::ReadBandwidth> read = probe->Measure(row.threads);
          if (!read.ok()) return Fail(read.status());
          row.read_before = before.gb_per_second;
          row.read_after = read->gb_per_second;
          row.read = read->gb_per_second >= before.gb_per_second ? *read : before;
        }
        if (json) {
          out.push_back(ToJson(row, params));
        } else {
          table.Print(row, params.n_prompt, params.n_gen, params.depth);
        }
      }
    }
  }
  if (json) {
    std::printf("%s\n", out.dump(1).c_str());
  } else if (probe != nullptr) {
    std::printf(
        "\nGB/s: decode bytes per token (weights + average KV cache) x tokens/s; read GB/s: "
        "streaming-read probe (%zu MiB, %s loads, same threads), best of 5 trials before and 5 "
        "after the tests.\n",
        probe->size() >> 20, probe->kernel());
  }
  return 0;
}

}  // namespace edgellm::cli
