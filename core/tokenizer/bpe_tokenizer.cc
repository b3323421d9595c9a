#include "core/tokenizer/bpe_tokenizer.h"

#include <algorithm>
#include <cstddef>
#include <queue>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/utf8.h"

namespace edgellm {
namespace {

constexpr char kPreKey[] = "tokenizer.ggml.pre";
constexpr char kMergesKey[] = "tokenizer.ggml.merges";

// A piece of the word being merged (see SpmTokenizer: same linked list).
struct Symbol {
  int prev;
  int next;
  size_t begin;
  size_t n;
};

struct Bigram {
  int left;
  int right;
  int32_t rank;
  // Sizes of the two pieces when queued: the entry is stale once either has changed.
  size_t left_n;
  size_t right_n;
};

// Lowest rank first, then the leftmost.
struct BigramGreater {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<Tokenizer>> BpeTokenizer::Create(const GgufFile& gguf) {
  std::string pre_name;
  if (gguf.FindMetadata(kPreKey) != nullptr) {
    absl::StatusOr<std::string> name = gguf.GetString(kPreKey);
    if (!name.ok()) return name.status();
    pre_name = *std::move(name);
  }
  absl::StatusOr<std::unique_ptr<PreTokenizer>> pre_tokenizer = PreTokenizer::ForName(pre_name);
  if (!pre_tokenizer.ok()) {
    return absl::Status(pre_tokenizer.status().code(),
                        absl::StrCat(gguf.path(), ": ", pre_tokenizer.status().message()));
  }

  VocabDefaults defaults;
  defaults.bos_id = 11;
  defaults.eos_id = 11;
  defaults.add_bos = (*pre_tokenizer)->add_bos_default();
  absl::StatusOr<Vocab> vocab = Vocab::FromGguf(gguf, defaults);
  if (!vocab.ok()) return vocab.status();

  absl::StatusOr<const std::vector<std::string>*> merges = gguf.GetStringArray(kMergesKey);
  if (!merges.ok()) return merges.status();
  absl::flat_hash_map<std::string, int32_t> ranks;
  ranks.reserve((*merges)->size());
  for (size_t i = 0; i < (*merges)->size(); ++i) {
    const std::string& line = (**merges)[i];
    // The separator is the first space after the first byte (a pair's left side may itself be
    // a space in non-byte-level vocabularies).
    const size_t space = line.size() > 1 ? line.find(' ', 1) : std::string::npos;
    if (space == std::string::npos || space + 1 == line.size()) {
      return absl::InvalidArgumentError(absl::StrCat(gguf.path(), ": ", kMergesKey, ": entry ", i,
                                                     " '", line, "' is not two tokens"));
    }
    ranks.emplace(line, static_cast<int32_t>(i));  // the first of duplicate lines wins
  }
  return std::unique_ptr<Tokenizer>(
      new BpeTokenizer(*std::move(vocab), *std::move(pre_tokenizer), std::move(ranks)));
}

BpeTokenizer::BpeTokenizer(Vocab vocab, std::unique_ptr<PreTokenizer> pre_tokenizer,
                           absl::flat_hash_map<std::string, int32_t> ranks)
    : Tokenizer(std::move(vocab)),
      pre_tokenizer_(std::move(pre_tokenizer)),
      ranks_(std::move(ranks)) {}

int32_t BpeTokenizer::Rank(std::string_view left, std::string_view right,
                           std::string* scratch) const {
  scratch->assign(left);
  scratch->push_back(' ');
  scratch->append(right);
  auto it = ranks_.find(*scratch);
  return it == ranks_.end() ? -1 : it->second;
}

void BpeTokenizer::EncodeText(std::string_view text, bool /*after_special*/,
                              std::vector<int32_t>* out) const {
  for (const std::string& word : pre_tokenizer_->Split(text)) EncodeWord(word, out);
}

void BpeTokenizer::EncodeWord(const std::string& word, std::vector<int32_t>* out) const {
  if (word.empty()) return;
  if (pre_tokenizer_->ignore_merges()) {
    const int32_t id = vocab_.Find(word);
    if (id != kNoToken) {
      out->push_back(id);
      return;
    }
  }

  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < word.size();) {
    const size_t n =
        std::min(Utf8LengthFromLeadByte(static_cast<uint8_t>(word[offset])), word.size() - offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, offset + n == word.size() ? -1 : index + 1, offset, n});
    offset += n;
  }
  auto piece = [&](const Symbol& s) { return std::string_view(word).substr(s.begin, s.n); };

  std::priority_queue<Bigram, std::vector<Bigram>, BigramGreater> queue;
  std::string scratch;
  auto try_add = [&](int left, int right) {
    if (left == -1 || right == -1) return;
    const int32_t rank = Rank(piece(symbols[left]), piece(symbols[right]), &scratch);
    if (rank < 0) return;
    queue.push({left, right, rank, symbols[left].n, symbols[right].n});
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Symbol& left = symbols[bigram.left];
    Symbol& right = symbols[bigram.right];
    if (left.n == 0 || right.n == 0 || left.n != bigram.left_n || right.n != bigram.right_n) {
      continue;
    }
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = bigram.left;
    try_add(left.prev, bigram.left);
    try_add(bigram.left, left.next);
  }

  for (int i = 0; i != -1; i = symbols[i].next) {
    const std::string_view text = piece(symbols[i]);
    const int32_t id = vocab_.Find(text);
    if (id != kNoToken) {
      out->push_back(id);
      continue;
    }
    // A piece that is no token: its bytes, where single bytes are tokens.
    for (char c : text) {
      const int32_t byte_id = vocab_.Find(std::string_view(&c, 1));
      if (byte_id != kNoToken) out->push_back(byte_id);
    }
  }
}

std::string BpeTokenizer::NormalTokenBytes(const std::string& text) const {
  return ByteLevelDecode(text);
}

}  // namespace edgellm
