#include "core/tokenizer/streaming_detokenizer.h"

#include "core/tokenizer/utf8.h"

namespace edgellm {

std::string StreamingDetokenizer::Feed(int32_t id) {
  pending_ += tokenizer_.TokenToPiece(id, special_);
  return ConsumeUtf8(&pending_, /*flush=*/false);
}

std::string StreamingDetokenizer::Flush() { return ConsumeUtf8(&pending_, /*flush=*/true); }

}  // namespace edgellm
