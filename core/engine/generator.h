// Generate: the prefill/decode loop. Tokenizes the prompt, evaluates it in one prefill, then
// samples a token, streams its text, feeds it back, until an end-of-generation token, a stop
// string, the token budget, a full context, or the caller cancels.
//
// Text is streamed in whole UTF-8 characters (StreamingDetokenizer). Stop strings are matched on
// the decoded text across token boundaries; text that could be the start of a stop string is held
// back until it is known not to be one (as llama.cpp's server does), so no chunk ever contains any
// part of a stop string that matched. The end-of-generation token itself is neither returned nor
// rendered.
#ifndef EDGELLM_CORE_ENGINE_GENERATOR_H_
#define EDGELLM_CORE_ENGINE_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/model/inference_context.h"
#include "core/sampling/sampler.h"
#include "core/tokenizer/tokenizer.h"

namespace edgellm {

// Sees the logits the sampler is given at each step (step 0: after the prompt; step i: after the
// i-th generated token), n_vocab floats, before penalties or any other sampling transform. The
// span is valid only during the call.
using LogitsObserver = std::function<void(int step, absl::Span<const float> logits)>;

struct GenerateRequest {
  // The prompt as text, or already tokenized (used as is: no BOS is added). Exactly one of the
  // two must be non-empty.
  std::string prompt;
  std::vector<int32_t> prompt_tokens;
  // Most tokens to generate; < 0: no budget (until end of generation, a stop string or a full
  // context); 0: evaluate the prompt only.
  int max_tokens = 128;
  SamplingParams sampling;
  // Generation stops when the text contains one of these (non-empty) strings; the text is cut
  // before it.
  std::vector<std::string> stop;
  // Encode `prompt` with the vocabulary's special prefix (BOS when tokenizer.ggml.add_bos_token
  // says so; as llama.cpp's add_special).
  bool add_bos = true;
  // Texts of control tokens in `prompt` (e.g. "<|im_start|>") become those tokens.
  bool parse_special = true;
  // Optional.
  LogitsObserver on_logits;
};

// What one step produced. Chunks are sent once per sampled token (an end-of-generation token
// excepted), and once more at the end when held-back text remains.
struct GenerateChunk {
  std::string text;             // new text; "" while text is held back
  std::vector<int32_t> tokens;  // the token sampled in this step; empty for the final flush
};

// Return false to cancel: generation ends before another token is evaluated.
using ChunkCallback = std::function<bool(const GenerateChunk&)>;

struct GenerateResult {
  std::vector<int32_t> prompt_tokens;  // as evaluated (with BOS when added)
  std::vector<int32_t> tokens;         // every generated token, in order (no EOG token)
  std::string text;                    // the concatenation of every chunk's text
  // "stop" (end-of-generation token or stop string), "length" (max_tokens reached or the context
  // full), "cancelled" (the callback returned false).
  std::string finish_reason;
  double prompt_ms = 0.0;                  // prefill: evaluating the prompt
  double decode_ms = 0.0;                  // after the prefill: sampling, evaluating and streaming
  double prefill_tokens_per_second = 0.0;  // prompt tokens / prompt time
  double decode_tokens_per_second = 0.0;   // generated tokens / decode time
};

// Runs one generation on `ctx`, which is Reset() first. `on_chunk` may be empty. `tokenizer`
// must be the model's. Errors: InvalidArgument for an empty prompt (or both forms given), an
// empty stop string, out-of-range sampling parameters (SamplingParams::Validate), or a prompt of
// more tokens than the context holds ("prompt has N tokens, more than the context size M");
// otherwise the errors of InferenceContext::Eval (bad token ids, backend failures).
absl::StatusOr<GenerateResult> Generate(InferenceContext& ctx, const Tokenizer& tokenizer,
                                        const GenerateRequest& request,
                                        const ChunkCallback& on_chunk);

}  // namespace edgellm

#endif  // EDGELLM_CORE_ENGINE_GENERATOR_H_
