// StreamingDetokenizer: turns generated token ids into text as they arrive, handing back only
// whole UTF-8 characters. A character split across tokens (byte tokens, byte-level pieces) is held
// back until its last byte arrives; bytes that can never form a character are replaced by U+FFFD
// (one per maximal ill-formed subpart, as Unicode recommends), so every string returned is valid
// UTF-8 and their concatenation is the decoded text.
#ifndef EDGELLM_CORE_TOKENIZER_STREAMING_DETOKENIZER_H_
#define EDGELLM_CORE_TOKENIZER_STREAMING_DETOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/tokenizer/tokenizer.h"

namespace edgellm {

class StreamingDetokenizer {
 public:
  // `tokenizer` must outlive this object. `special`: render CONTROL/UNKNOWN tokens as their text
  // (see Tokenizer::TokenToPiece).
  explicit StreamingDetokenizer(const Tokenizer& tokenizer, bool special = false)
      : tokenizer_(tokenizer), special_(special) {}

  // Adds token `id`; returns the text completed by it (possibly "", possibly more than its own
  // piece when it completes a held-back character).
  std::string Feed(int32_t id);

  // Ends the stream: returns what is held back, an unfinished character becoming U+FFFD, and
  // leaves the detokenizer empty, ready for a new stream.
  std::string Flush();

  // Bytes held back (an unfinished character), for callers that want to know whether Flush()
  // would return anything.
  size_t pending_bytes() const { return pending_.size(); }

 private:
  const Tokenizer& tokenizer_;
  bool special_;
  std::string pending_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_TOKENIZER_STREAMING_DETOKENIZER_H_
