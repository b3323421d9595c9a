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

}  // namespace edgellm::cli

#endif  // EDGELLM_TOOLS_EDGELLM_COMMANDS_H_
