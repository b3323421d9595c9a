#include "core/engine/generator.h"

#include <memory>
#include <vector>

namespace edgellm {

absl::StatusOr<GenerateResult> Generate(InferenceContext& ctx, const Tokenizer& tokenizer,
                                        const GenerateRequest& request,
                                        const ChunkCallback& on_chunk) {
  absl::StatusOr<std::unique_ptr<Generation>> g =
      Generation::Start(tokenizer, request, ctx.n_ctx());
  if (!g.ok()) return g.status();
  ctx.Reset();
  std::vector<float> logits(static_cast<size_t>(ctx.model().n_vocab()));
  (*g)->PrefillStarted();
  if (absl::Status s = ctx.Eval((*g)->prompt_tokens(), logits.data()); !s.ok()) return s;
  (*g)->PrefillDone();
  while (!(*g)->Step(absl::MakeSpan(logits), ctx.n_past(), on_chunk)) {
    const int32_t token = (*g)->next_token();
    if (absl::Status s = ctx.Eval({&token, 1}, logits.data()); !s.ok()) return s;
  }
  return (*g)->Finish(on_chunk);
}

}  // namespace edgellm
