// Generation: one request's generation state, step by step: its prompt tokens, sampler, streamed
// text and stop strings. The evaluations are the caller's: the solo loop (Generate) or a
// continuous-batching scheduler that evaluates many sequences in one pass.
//
// Text is streamed in whole UTF-8 characters (StreamingDetokenizer). Stop strings are matched on
// the decoded text across token boundaries; text that could be the start of a stop string is held
// back until it is known not to be one (as llama.cpp's server does), so no chunk ever contains any
// part of a stop string that matched. The end-of-generation token itself is neither returned nor
// rendered.
#ifndef EDGELLM_CORE_ENGINE_GENERATION_H_
#define EDGELLM_CORE_ENGINE_GENERATION_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/sampling/sampler.h"
#include "core/tokenizer/streaming_detokenizer.h"
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
  // Keep going past end-of-generation tokens (they are then streamed like any other token):
  // benchmarks that want every stream to make max_tokens tokens.
  bool ignore_eos = false;
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
  // Prompt tokens whose KV rows came from a prefix cache rather than being evaluated.
  int64_t cached_prompt_tokens = 0;
  double prompt_ms = 0.0;                  // prefill: evaluating the prompt
  double decode_ms = 0.0;                  // after the prefill: sampling, evaluating and streaming
  double prefill_tokens_per_second = 0.0;  // prompt tokens / prompt time
  double decode_tokens_per_second = 0.0;   // generated tokens / decode time
};

class Generation {
 public:
  // Checks the request and tokenizes its prompt; the prompt counts for the penalties, as in
  // llama.cpp's CLI and server. `n_ctx`: the most positions the sequence may take. `tokenizer`
  // must outlive the generation. Errors: InvalidArgument for an empty prompt (or both forms
  // given), an empty stop string, out-of-range sampling parameters (SamplingParams::Validate), or
  // a prompt of more tokens than n_ctx ("prompt has N tokens, more than the context size M").
  static absl::StatusOr<std::unique_ptr<Generation>> Start(const Tokenizer& tokenizer,
                                                           const GenerateRequest& request,
                                                           int64_t n_ctx);

  const std::vector<int32_t>& prompt_tokens() const { return result_.prompt_tokens; }
  const GenerateRequest& request() const { return request_; }

  // Lowers the most positions the sequence may take (what a shared KV pool can hold).
  void LimitContext(int64_t n_ctx) { n_ctx_ = std::min(n_ctx_, n_ctx); }

  // Timing marks: the prompt's evaluation starts, and its logits are there.
  void PrefillStarted();
  void PrefillDone();
  void set_cached_prompt_tokens(int64_t n) { result_.cached_prompt_tokens = n; }

  // Given the logits after the last evaluated position (n_vocab floats; sampling may modify them)
  // and the positions evaluated so far, samples a token and streams its text through on_chunk.
  // Returns true when the generation is over (an end-of-generation token, a stop string, the
  // budget, a full context, or on_chunk returned false); false when next_token() must be evaluated
  // and Step called again with its logits.
  bool Step(absl::Span<float> logits, int64_t n_past, const ChunkCallback& on_chunk);
  // The token sampled by the last Step that did not end the generation.
  int32_t next_token() const { return result_.tokens.back(); }

  // Ends the generation: flushes held-back text (unless a stop string or cancellation ended it)
  // and fills in the text and rates. Call once, after Step returned true, or to cancel early
  // (`cancelled`: finish_reason "cancelled", nothing flushed).
  GenerateResult Finish(const ChunkCallback& on_chunk, bool cancelled = false);

 private:
  using Clock = std::chrono::steady_clock;

  Generation(const Tokenizer& tokenizer, const GenerateRequest& request, Sampler sampler);
  bool BudgetSpent() const;
  // Sends text_[sent_, upto) with `tokens`; false when the caller cancels.
  bool Send(std::vector<int32_t> tokens, size_t upto, const ChunkCallback& on_chunk);

  const Tokenizer& tokenizer_;
  GenerateRequest request_;
  Sampler sampler_;
  StreamingDetokenizer detokenizer_;
  GenerateResult result_;
  int64_t n_ctx_ = 0;
  int step_ = 0;
  bool flush_ = true;  // whether held-back text goes out at the end
  std::string text_;   // decoded so far (stop strings cut off)
  size_t sent_ = 0;    // text_[0, sent_) went out in chunks
  Clock::time_point prefill_start_, decode_start_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_ENGINE_GENERATION_H_
