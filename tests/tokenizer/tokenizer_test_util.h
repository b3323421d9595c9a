// Helpers shared by the tokenizer tests: the shared models and vocabularies, and small
// vocabularies written on the fly.
#ifndef EDGELLM_TESTS_TOKENIZER_TOKENIZER_TEST_UTIL_H_
#define EDGELLM_TESTS_TOKENIZER_TOKENIZER_TEST_UTIL_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/gguf/gguf_value.h"
#include "core/tokenizer/tokenizer.h"

namespace edgellm::testing {

using Metadata = std::vector<std::pair<std::string, GgufValue>>;

// <shared>/models/llama-cpp-vocab/ggml-vocab-<name>.gguf
std::string VocabPath(const std::string& name);

// The tokenizer of the GGUF file at `path`; adds a test failure and returns nullptr when the file
// or its tokenizer cannot be loaded.
std::unique_ptr<Tokenizer> LoadTokenizer(const std::string& path);

// Writes `metadata` as a GGUF file without tensors (in the test's temporary folder) and returns
// Tokenizer::FromGguf of it.
absl::StatusOr<std::unique_ptr<Tokenizer>> TokenizerFromMetadata(const Metadata& metadata);

// A small SentencePiece vocabulary ("llama" model) for unit tests. Ids:
//   0 <unk> (UNKNOWN), 1 <s>, 2 </s> (CONTROL), 3.. byte tokens <0x0A> <0xC3> <0xA9> <0xE0>
//   <0x80> <0xF0> <0x9F> <0x98> <0x81> <0xFF> (ids 3..12), 13 "▁", 14 "h", 15 "i", 16 "▁h",
//   17 "▁hi", 18 "<|user|>" (CONTROL), 19 "<tag>" (USER_DEFINED).
Metadata SmallSpmVocab();

// Replaces (or adds) key `key` of `metadata`.
void SetKey(Metadata* metadata, const std::string& key, GgufValue value);
// Removes key `key` from `metadata`.
void RemoveKey(Metadata* metadata, const std::string& key);

}  // namespace edgellm::testing

#endif  // EDGELLM_TESTS_TOKENIZER_TOKENIZER_TEST_UTIL_H_
