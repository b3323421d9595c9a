#include "core/engine/generator.h"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/tokenizer/streaming_detokenizer.h"

namespace edgellm {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double PerSecond(size_t n, double ms) { return ms > 0.0 ? n * 1000.0 / ms : 0.0; }

// Where the earliest stop string starts in text[from, end), or npos.
size_t FindStop(const std::string& text, size_t from, const std::vector<std::string>& stops) {
  size_t best = std::string::npos;
  for (const std::string& s : stops) best = std::min(best, text.find(s, from));
  return best;
}

// Bytes at the end of text[from, end) that are a proper prefix of some stop string: they might
// become a stop string with the next token, so they are not sent yet. Such a suffix starts with
// a stop string's first byte, so it starts on a character boundary of the (valid UTF-8) text.
size_t HeldBack(const std::string& text, size_t from, const std::vector<std::string>& stops) {
  const std::string_view tail = std::string_view(text).substr(from);
  size_t held = 0;
  for (const std::string& s : stops) {
    for (size_t k = std::min(s.size() - 1, tail.size()); k > held; --k) {
      if (tail.substr(tail.size() - k) == std::string_view(s).substr(0, k)) {
        held = k;
        break;
      }
    }
  }
  return held;
}

absl::StatusOr<std::vector<int32_t>> PromptTokens(const Tokenizer& tokenizer,
                                                  const GenerateRequest& request) {
  if (!request.prompt.empty() && !request.prompt_tokens.empty()) {
    return absl::InvalidArgumentError("give the prompt as text or as tokens, not both");
  }
  if (!request.prompt_tokens.empty()) return request.prompt_tokens;
  if (request.prompt.empty()) return absl::InvalidArgumentError("the prompt is empty");
  std::vector<int32_t> tokens =
      tokenizer.Encode(request.prompt, request.add_bos, request.parse_special);
  if (tokens.empty()) return absl::InvalidArgumentError("the prompt encodes to no tokens");
  return tokens;
}

}  // namespace

absl::StatusOr<GenerateResult> Generate(InferenceContext& ctx, const Tokenizer& tokenizer,
                                        const GenerateRequest& request,
                                        const ChunkCallback& on_chunk) {
  for (size_t i = 0; i < request.stop.size(); ++i) {
    if (request.stop[i].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("stop string ", i, " is empty"));
    }
  }
  absl::StatusOr<Sampler> sampler = Sampler::Create(request.sampling);
  if (!sampler.ok()) return sampler.status();
  GenerateResult result;
  {
    absl::StatusOr<std::vector<int32_t>> prompt = PromptTokens(tokenizer, request);
    if (!prompt.ok()) return prompt.status();
    result.prompt_tokens = *std::move(prompt);
  }
  const int64_t n_prompt = static_cast<int64_t>(result.prompt_tokens.size());
  if (n_prompt > ctx.n_ctx()) {
    return absl::InvalidArgumentError(
        absl::StrCat("prompt has ", n_prompt, " tokens, more than the context size ", ctx.n_ctx()));
  }

  ctx.Reset();
  std::vector<float> logits(static_cast<size_t>(ctx.model().n_vocab()));
  const Clock::time_point prefill_start = Clock::now();
  if (absl::Status s = ctx.Eval(result.prompt_tokens, logits.data()); !s.ok()) return s;
  result.prompt_ms = MsSince(prefill_start);
  // The prompt counts for the penalties, as in llama.cpp's CLI and server.
  for (int32_t t : result.prompt_tokens) sampler->Accept(t);

  const Clock::time_point decode_start = Clock::now();
  StreamingDetokenizer detokenizer(tokenizer);
  std::string text;  // decoded so far (stop strings cut off)
  size_t sent = 0;   // text[0, sent) went out in chunks
  // Sends text[sent, upto) with `tokens`; false when the caller cancels.
  auto send = [&](std::vector<int32_t> tokens, size_t upto) {
    GenerateChunk chunk{text.substr(sent, upto - sent), std::move(tokens)};
    sent = upto;
    return on_chunk ? on_chunk(chunk) : true;
  };
  const auto budget_spent = [&] {
    return request.max_tokens >= 0 &&
           result.tokens.size() >= static_cast<size_t>(request.max_tokens);
  };

  result.finish_reason = "length";  // unless something else ends it first
  bool flush = true;                // whether held-back text goes out at the end
  for (int step = 0; !budget_spent(); ++step) {
    if (request.on_logits) request.on_logits(step, logits);
    const int32_t token = sampler->Sample(absl::MakeSpan(logits));
    if (tokenizer.IsEog(token)) {
      result.finish_reason = "stop";
      break;
    }
    sampler->Accept(token);
    result.tokens.push_back(token);
    text += detokenizer.Feed(token);
    const size_t stop_at = FindStop(text, sent, request.stop);
    const bool stopped = stop_at != std::string::npos;
    if (stopped) text.resize(stop_at);
    const size_t upto = stopped ? text.size() : text.size() - HeldBack(text, sent, request.stop);
    if (!send({token}, upto)) {
      result.finish_reason = "cancelled";
      flush = false;
      break;
    }
    if (stopped) {
      result.finish_reason = "stop";
      flush = false;
      break;
    }
    // A full context cannot take the token just sampled; after the last budgeted token an
    // evaluation would be wasted.
    if (ctx.n_past() >= ctx.n_ctx() || budget_spent()) break;
    if (absl::Status s = ctx.Eval({token}, logits.data()); !s.ok()) return s;
  }

  if (flush) {
    // The stream is over: an unfinished character becomes U+FFFD, and held-back text was not the
    // start of a stop string after all (unless the flushed bytes complete one).
    text += detokenizer.Flush();
    const size_t stop_at = FindStop(text, sent, request.stop);
    if (stop_at != std::string::npos) {
      text.resize(stop_at);
      result.finish_reason = "stop";
    }
    if (sent < text.size()) send({}, text.size());
  }
  result.text = text.substr(0, sent);
  result.decode_ms = MsSince(decode_start);
  result.prefill_tokens_per_second = PerSecond(result.prompt_tokens.size(), result.prompt_ms);
  result.decode_tokens_per_second = PerSecond(result.tokens.size(), result.decode_ms);
  return result;
}

}  // namespace edgellm
