#include "core/tokenizer/spm_tokenizer.h"

#include <algorithm>
#include <cstddef>
#include <queue>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "core/tokenizer/utf8.h"

namespace edgellm {
namespace {

constexpr char kSpaceMark[] = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

// A piece of the text being tokenized, in a doubly linked list over the initial characters.
// Merging appends the right piece to the left one (n grows, the right one gets n = 0).
struct Symbol {
  int prev;
  int next;
  size_t begin;
  size_t n;
};

// A candidate merge of symbols `left` and `left`'s next.
struct Bigram {
  int left;
  int right;
  float score;
  size_t size;  // bytes of the merged piece: stale once the symbols have changed
};

// Highest score first, then the leftmost.
struct BigramLess {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<Tokenizer>> SpmTokenizer::Create(const GgufFile& gguf) {
  VocabDefaults defaults;
  defaults.bos_id = 1;
  defaults.eos_id = 2;
  defaults.unk_id = 0;
  defaults.add_bos = true;
  defaults.add_space_prefix = true;
  absl::StatusOr<Vocab> vocab = Vocab::FromGguf(gguf, defaults);
  if (!vocab.ok()) return vocab.status();
  return std::unique_ptr<Tokenizer>(new SpmTokenizer(*std::move(vocab)));
}

SpmTokenizer::SpmTokenizer(Vocab vocab) : Tokenizer(std::move(vocab)) {
  for (int b = 0; b < 256; ++b) {
    int32_t id = vocab_.Find(absl::StrFormat("<0x%02X>", b));
    if (id == kNoToken) id = vocab_.Find(std::string(1, static_cast<char>(b)));
    if (id == kNoToken) id = vocab_.unk_id();
    byte_tokens_[b] = id;
  }
}

void SpmTokenizer::EncodeText(std::string_view raw, bool after_special,
                              std::vector<int32_t>* out) const {
  std::string text;
  if (vocab_.add_space_prefix() && after_special) text = " ";
  text.append(raw);
  absl::StrReplaceAll({{" ", kSpaceMark}}, &text);

  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < text.size();) {
    const size_t n =
        std::min(Utf8LengthFromLeadByte(static_cast<uint8_t>(text[offset])), text.size() - offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, offset + n == text.size() ? -1 : index + 1, offset, n});
    offset += n;
  }
  if (symbols.empty()) return;

  std::priority_queue<Bigram, std::vector<Bigram>, BigramLess> queue;
  auto try_add = [&](int left, int right) {
    if (left == -1 || right == -1) return;
    const std::string_view merged(text.data() + symbols[left].begin,
                                  symbols[left].n + symbols[right].n);
    const int32_t id = vocab_.Find(merged);
    if (id == kNoToken) return;
    queue.push({left, right, vocab_.token(id).score, merged.size()});
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Symbol& left = symbols[bigram.left];
    Symbol& right = symbols[bigram.right];
    if (left.n == 0 || right.n == 0 || left.n + right.n != bigram.size) continue;
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = bigram.left;
    try_add(left.prev, bigram.left);
    try_add(bigram.left, left.next);
  }

  for (int i = 0; i != -1; i = symbols[i].next) {
    const std::string_view piece(text.data() + symbols[i].begin, symbols[i].n);
    const int32_t id = vocab_.Find(piece);
    if (id != kNoToken) {
      out->push_back(id);
      continue;
    }
    for (char c : piece) {
      const int32_t byte_id = byte_tokens_[static_cast<uint8_t>(c)];
      if (byte_id != kNoToken) out->push_back(byte_id);
    }
  }
}

std::string SpmTokenizer::NormalTokenBytes(const std::string& text) const {
  return absl::StrReplaceAll(text, {{kSpaceMark, " "}});
}

}  // namespace edgellm
