// Generate: the solo prefill/decode loop over one InferenceContext. Tokenizes the prompt,
// evaluates it in one prefill, then samples a token, streams its text, feeds it back, until an
// end-of-generation token, a stop string, the token budget, a full context, or the caller cancels
// (Generation has the rules).
#ifndef EDGELLM_CORE_ENGINE_GENERATOR_H_
#define EDGELLM_CORE_ENGINE_GENERATOR_H_

#include "absl/status/statusor.h"
#include "core/engine/generation.h"
#include "core/model/inference_context.h"
#include "core/tokenizer/tokenizer.h"

namespace edgellm {

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
