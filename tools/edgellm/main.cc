// edgellm: command-line entry point. `edgellm <command> [args] [--flags]`.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tools/edgellm/commands.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

constexpr Command kCommands[] = {
    {"inspect", "inspect FILE [--json]: GGUF metadata and tensors", edgellm::cli::RunInspect},
    {"plugins", "plugins [--json]: plugins found, loaded or refused, and CPU features",
     edgellm::cli::RunPlugins},
    {"generate",
     "generate --model=FILE --prompt=TEXT [--n_predict=N --temperature=T ... --backend=NAME] "
     "[--json] [--dump_logits=FILE]: generate text",
     edgellm::cli::RunGenerate},
    {"tokenize", "tokenize --model=FILE --text=TEXT [--json]: token ids and pieces",
     edgellm::cli::RunTokenize},
    {"synth",
     "synth (--shape=NAME | --arch=llama|qwen2 --hidden=N --ffn=N --layers=N --heads=N "
     "[--kv_heads=N]) --type=TYPE --out=FILE [--seed=N --ctx=N --donor=FILE --pure]: write a "
     "model with random weights and a real tokenizer",
     edgellm::cli::RunSynth},
    {"bench",
     "bench --model=FILE[,FILE] [--backend=A,B --threads=N,M -p N -n N -r N --json]: prefill "
     "and decode speed, decode memory traffic against the measured read bandwidth",
     edgellm::cli::RunBench},
    {"client",
     "client generate|compare|backends --server=HOST:PORT [--prompt=TEXT --backend=NAME "
     "--backend_a=NAME --backend_b=NAME ...] [--json]: talk to edgellm_server",
     edgellm::cli::RunClient},
};

std::string UsageText() {
  std::string text = "usage: edgellm <command> [args] [--flags]\ncommands:\n";
  for (const Command& c : kCommands) text += std::string("  ") + c.summary + "\n";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(UsageText());
  std::vector<std::string> arg_strings = edgellm::cli::ExpandBenchShortFlags(argc, argv);
  std::vector<char*> arg_ptrs;
  for (std::string& a : arg_strings) arg_ptrs.push_back(a.data());
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
  // Under `bazel run`, relative paths are meant from where the user typed the command.
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY"); wd != nullptr) {
    if (chdir(wd) != 0) std::perror("edgellm: chdir to BUILD_WORKING_DIRECTORY");
  }
  if (positional.size() < 2) {
    std::fputs(UsageText().c_str(), stderr);
    return 2;
  }
  const std::string name = positional[1];
  const std::vector<std::string> args(positional.begin() + 2, positional.end());
  for (const Command& c : kCommands) {
    if (name == c.name) return c.run(args);
  }
  std::fprintf(stderr, "edgellm: unknown command '%s'\n%s", name.c_str(), UsageText().c_str());
  return 2;
}
