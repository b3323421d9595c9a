// The `edgellm` command-line tool's subcommands. Each takes the positional arguments after its
// name (flags are already parsed into the absl flags of flags.h) and returns the exit code;
// errors go to stderr.
#ifndef EDGELLM_TOOLS_EDGELLM_COMMANDS_H_
#define EDGELLM_TOOLS_EDGELLM_COMMANDS_H_

#include <string>
#include <vector>

namespace edgellm::cli {

// inspect FILE [--json]: GGUF metadata and tensor table.
int RunInspect(const std::vector<std::string>& args);

// plugins [--json]: every plugin found, loaded or refused, and the CPU features.
int RunPlugins(const std::vector<std::string>& args);

// generate --model=FILE --prompt=TEXT [sampling, backend, context flags] [--json]
// [--dump_logits=FILE --n_logit_steps=K]: text generation.
int RunGenerate(const std::vector<std::string>& args);

// tokenize --model=FILE --text=TEXT [--json]: token ids and pieces.
int RunTokenize(const std::vector<std::string>& args);

// synth (--shape=NAME | --arch=A --hidden=N ...) --type=TYPE --out=FILE [--seed=N ...]: a GGUF
// with random weights and a donor's tokenizer.
int RunSynth(const std::vector<std::string>& args);

// bench --model=FILE[,FILE] [--backend=A,B --threads=N,M -p N -n N -r N --json]: prefill and
// decode throughput, and decode's memory traffic against the measured read bandwidth.
int RunBench(const std::vector<std::string>& args);

// The command line with llama-bench's short flags -m -p -n -r -t (value as the next argument or
// after '=') spelled as --model --n_prompt --n_gen --repetitions --threads, when the command (the
// first argument after the program that does not start with '-') is `bench`; otherwise
// unchanged. Runs before flag parsing: absl flags have no single-dash short names.
std::vector<std::string> ExpandBenchShortFlags(int argc, char** argv);

// client generate|compare|backends --server=HOST:PORT [...]: a gRPC client of edgellm_server.
int RunClient(const std::vector<std::string>& args);

}  // namespace edgellm::cli

#endif  // EDGELLM_TOOLS_EDGELLM_COMMANDS_H_
