#include "core/engine/generation.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"

namespace edgellm {
namespace {

double MsBetween(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
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

Generation::Generation(const Tokenizer& tokenizer, const GenerateRequest& request, Sampler sampler)
    : tokenizer_(tokenizer),
      request_(request),
      sampler_(std::move(sampler)),
      detokenizer_(tokenizer) {}

absl::StatusOr<std::unique_ptr<Generation>> Generation::Start(const Tokenizer& tokenizer,
                                                              const GenerateRequest& request,
                                                              int64_t n_ctx) {
  for (size_t i = 0; i < request.stop.size(); ++i) {
    if (request.stop[i].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("stop string ", i, " is empty"));
    }
  }
  absl::StatusOr<Sampler> sampler = Sampler::Create(request.sampling);
  if (!sampler.ok()) return sampler.status();
  absl::StatusOr<std::vector<int32_t>> prompt = PromptTokens(tokenizer, request);
  if (!prompt.ok()) return prompt.status();
  if (static_cast<int64_t>(prompt->size()) > n_ctx) {
    return absl::InvalidArgumentError(
        absl::StrCat("prompt has ", prompt->size(), " tokens, more than the context size ", n_ctx));
  }
  auto g = std::unique_ptr<Generation>(new Generation(tokenizer, request, *std::move(sampler)));
  g->n_ctx_ = n_ctx;
  g->result_.prompt_tokens = *std::move(prompt);
  g->request_.prompt_tokens.clear();  // kept once, in the result
  for (int32_t t : g->result_.prompt_tokens) g->sampler_.Accept(t);
  g->result_.finish_reason = "length";  // unless something else ends it first
  g->prefill_start_ = g->decode_start_ = Clock::now();
  return g;
}

void Generation::PrefillStarted() { prefill_start_ = Clock::now(); }

void Generation::PrefillDone() {
  decode_start_ = Clock::now();
  result_.prompt_ms = MsBetween(prefill_start_, decode_start_);
}

bool Generation::BudgetSpent() const {
  return request_.max_tokens >= 0 &&
         result_.tokens.size() >= static_cast<size_t>(request_.max_tokens);
}

bool Generation::Send(std::vector<int32_t> tokens, size_t upto, const ChunkCallback& on_chunk) {
  GenerateChunk chunk{text_.substr(sent_, upto - sent_), std::move(tokens)};
  sent_ = upto;
  return on_chunk ? on_chunk(chunk) : true;
}

bool Generation::Step(absl::Span<float> logits, int64_t n_past, const ChunkCallback& on_chunk) {
  if (BudgetSpent()) return true;
  if (request_.on_logits) request_.on_logits(step_, logits);
  ++step_;
  const int32_t token = sampler_.Sample(logits);
  if (tokenizer_.IsEog(token) && !request_.ignore_eos) {
    result_.finish_reason = "stop";
    return true;
  }
  sampler_.Accept(token);
  result_.tokens.push_back(token);
  text_ += detokenizer_.Feed(token);
  const size_t stop_at = FindStop(text_, sent_, request_.stop);
  const bool stopped = stop_at != std::string::npos;
  if (stopped) text_.resize(stop_at);
  const size_t upto = stopped ? text_.size() : text_.size() - HeldBack(text_, sent_, request_.stop);
  if (!Send({token}, upto, on_chunk)) {
    result_.finish_reason = "cancelled";
    flush_ = false;
    return true;
  }
  if (stopped) {
    result_.finish_reason = "stop";
    flush_ = false;
    return true;
  }
  // A full context cannot take the token just sampled; after the last budgeted token an
  // evaluation would be wasted.
  return n_past >= n_ctx_ || BudgetSpent();
}

GenerateResult Generation::Finish(const ChunkCallback& on_chunk, bool cancelled) {
  if (cancelled) {
    result_.finish_reason = "cancelled";
    flush_ = false;
  }
  if (flush_) {
    // The stream is over: an unfinished character becomes U+FFFD, and held-back text was not the
    // start of a stop string after all (unless the flushed bytes complete one).
    text_ += detokenizer_.Flush();
    const size_t stop_at = FindStop(text_, sent_, request_.stop);
    if (stop_at != std::string::npos) {
      text_.resize(stop_at);
      result_.finish_reason = "stop";
    }
    if (sent_ < text_.size()) Send({}, text_.size(), on_chunk);
  }
  result_.text = text_.substr(0, sent_);
  result_.decode_ms = MsBetween(decode_start_, Clock::now());
  result_.prefill_tokens_per_second = PerSecond(result_.prompt_tokens.size(), result_.prompt_ms);
  result_.decode_tokens_per_second = PerSecond(result_.tokens.size(), result_.decode_ms);
  return std::move(result_);
}

}  // namespace edgellm
