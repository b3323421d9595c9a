// The sampler's filters one at a time on small hand-made distributions, the penalties, seeding,
// and the draw's frequencies against the softmax (chi-square with a fixed seed).
#include "core/sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace edgellm {
namespace {

// Every filter off, temperature 1: a plain draw from softmax(logits).
SamplingParams Plain(uint64_t seed = 7) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.seed = seed;
  return p;
}

Sampler Make(const SamplingParams& p) {
  absl::StatusOr<Sampler> s = Sampler::Create(p);
  EXPECT_TRUE(s.ok()) << s.status();
  return *std::move(s);
}

std::vector<float> LogitsOf(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
  return l;
}

// The tokens seen in n draws from the same logits.
std::set<int32_t> Support(Sampler& s, const std::vector<float>& logits, int n = 2000) {
  std::set<int32_t> seen;
  for (int i = 0; i < n; ++i) {
    std::vector<float> copy = logits;
    seen.insert(s.Sample(absl::MakeSpan(copy)));
  }
  return seen;
}

std::vector<int> Histogram(Sampler& s, const std::vector<float>& logits, int n) {
  std::vector<int> h(logits.size());
  for (int i = 0; i < n; ++i) {
    std::vector<float> copy = logits;
    ++h[s.Sample(absl::MakeSpan(copy))];
  }
  return h;
}

double ChiSquare(const std::vector<int>& observed, const std::vector<double>& probs) {
  const double n = std::accumulate(observed.begin(), observed.end(), 0.0);
  double chi2 = 0.0;
  for (size_t i = 0; i < probs.size(); ++i) {
    const double expected = n * probs[i];
    chi2 += (observed[i] - expected) * (observed[i] - expected) / expected;
  }
  return chi2;
}

TEST(SamplingParamsTest, DefaultsAreValid) { EXPECT_TRUE(SamplingParams{}.Validate().ok()); }

TEST(SamplingParamsTest, OutOfRangeNamesTheFieldAndRange) {
  struct Case {
    void (*set)(SamplingParams&);
    std::string field;
    std::string range;
  };
  const Case cases[] = {
      {[](SamplingParams& p) { p.temperature = -0.1f; }, "temperature", ">= 0"},
      {[](SamplingParams& p) { p.temperature = std::numeric_limits<float>::quiet_NaN(); },
       "temperature", ">= 0"},
      {[](SamplingParams& p) { p.temperature = std::numeric_limits<float>::infinity(); },
       "temperature", "finite"},
      {[](SamplingParams& p) { p.top_k = -1; }, "top_k", ">= 0"},
      {[](SamplingParams& p) { p.top_p = 1.5f; }, "top_p", "[0, 1]"},
      {[](SamplingParams& p) { p.top_p = std::numeric_limits<float>::quiet_NaN(); }, "top_p",
       "[0, 1]"},
      {[](SamplingParams& p) { p.min_p = -0.01f; }, "min_p", "[0, 1]"},
      {[](SamplingParams& p) { p.repeat_penalty = 0.0f; }, "repeat_penalty", "> 0"},
      {[](SamplingParams& p) { p.presence_penalty = 2.5f; }, "presence_penalty", "[-2, 2]"},
      {[](SamplingParams& p) { p.frequency_penalty = -3.0f; }, "frequency_penalty", "[-2, 2]"},
      {[](SamplingParams& p) { p.penalty_last_n = -1; }, "penalty_last_n", ">= 0"},
  };
  for (const Case& c : cases) {
    SamplingParams p;
    c.set(p);
    const absl::Status s = p.Validate();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_NE(s.message().find(c.field), std::string::npos) << s;
    EXPECT_NE(s.message().find(c.range), std::string::npos) << s;
    EXPECT_FALSE(Sampler::Create(p).ok()) << c.field;
  }
}

TEST(SamplerTest, EmptyLogitsGiveMinusOne) {
  Sampler s = Make(Plain());
  std::vector<float> none;
  EXPECT_EQ(s.Sample(absl::MakeSpan(none)), -1);
}

TEST(SamplerTest, GreedyIsArgmaxWithLowestIdOnTies) {
  SamplingParams p;
  p.temperature = 0.0f;
  Sampler s = Make(p);
  std::vector<float> a = {0.1f, 3.0f, -2.0f, 2.9f};
  EXPECT_EQ(s.Sample(absl::MakeSpan(a)), 1);
  std::vector<float> tie = {1.0f, 5.0f, 2.0f, 5.0f, 5.0f};
  EXPECT_EQ(s.Sample(absl::MakeSpan(tie)), 1);
  std::vector<float> with_nan = {std::numeric_limits<float>::quiet_NaN(), 0.5f, 0.7f};
  EXPECT_EQ(s.Sample(absl::MakeSpan(with_nan)), 2);
}

TEST(SamplerTest, TopK1IsAlwaysTheArgmax) {
  SamplingParams p = Plain();
  p.top_k = 1;
  p.temperature = 5.0f;  // a flat distribution: only the filter can force the argmax
  Sampler s = Make(p);
  EXPECT_EQ(Support(s, {0.0f, 1.0f, 0.9f, 0.95f}), std::set<int32_t>{1});
}

TEST(SamplerTest, TopKKeepsTheKBest) {
  SamplingParams p = Plain();
  p.top_k = 2;
  Sampler s = Make(p);
  EXPECT_EQ(Support(s, {0.0f, 1.0f, 0.9f, 0.5f, 0.95f}), (std::set<int32_t>{1, 4}));
  // Without the filter all five appear.
  Sampler all = Make(Plain());
  EXPECT_EQ(Support(all, {0.0f, 1.0f, 0.9f, 0.5f, 0.95f}).size(), 5u);
}

TEST(SamplerTest, TopPKeepsTheSmallestPrefixReachingP) {
  // Probabilities 0.05, 0.5, 0.15, 0.3 (token order deliberately not sorted).
  const std::vector<float> logits = LogitsOf({0.05, 0.5, 0.15, 0.3});
  const struct {
    float top_p;
    std::set<int32_t> kept;
  } cases[] = {
      {0.4f, {1}},           // 0.5 alone reaches 0.4
      {0.75f, {1, 3}},       // 0.5 + 0.3
      {0.85f, {1, 3, 2}},    // + 0.15
      {0.97f, {1, 3, 2, 0}}  // everything
  };
  for (const auto& c : cases) {
    SamplingParams p = Plain();
    p.top_p = c.top_p;
    Sampler s = Make(p);
    EXPECT_EQ(Support(s, logits), c.kept) << "top_p " << c.top_p;
  }
}

TEST(SamplerTest, TopPNormalizesOverWhatTopKKept) {
  // After top_k = 2 the probabilities 0.5, 0.3 renormalize to 0.625, 0.375: top_p = 0.6 then
  // keeps one token, where on the full distribution it keeps two (llama.cpp's order).
  const std::vector<float> logits = LogitsOf({0.5, 0.3, 0.15, 0.05});
  SamplingParams p = Plain();
  p.top_p = 0.6f;
  Sampler no_k = Make(p);
  EXPECT_EQ(Support(no_k, logits), (std::set<int32_t>{0, 1}));
  p.top_k = 2;
  Sampler with_k = Make(p);
  EXPECT_EQ(Support(with_k, logits), std::set<int32_t>{0});
}

TEST(SamplerTest, TopPOnALargeVocabularyMatchesABruteForceNucleus) {
  // 2000 tokens with close logits: the nucleus spans several of the growing sorted chunks.
  std::mt19937 gen(3);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  std::vector<float> logits(2000);
  for (float& l : logits) l = normal(gen);
  const float top_p = 0.9f;

  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  double sum = 0.0;
  for (float l : logits) sum += std::exp(static_cast<double>(l - logits[order[0]]));
  std::set<int32_t> nucleus;
  double cum = 0.0;
  for (int32_t id : order) {
    nucleus.insert(id);
    cum += std::exp(static_cast<double>(logits[id] - logits[order[0]]));
    if (cum >= top_p * sum) break;
  }
  ASSERT_GT(nucleus.size(), 300u);

  SamplingParams p = Plain();
  p.top_p = top_p;
  Sampler s = Make(p);
  const std::set<int32_t> seen = Support(s, logits, 8000);
  for (int32_t id : seen) EXPECT_TRUE(nucleus.count(id)) << "token " << id << " outside nucleus";
  // The least likely nucleus members are rare, but most of the nucleus must show up.
  EXPECT_GT(seen.size(), nucleus.size() * 8 / 10);
}

TEST(SamplerTest, MinPCutsBelowMinPTimesTheLargestProbability) {
  const std::vector<float> logits = LogitsOf({0.3, 0.5, 0.05, 0.15});
  const struct {
    float min_p;
    std::set<int32_t> kept;
  } cases[] = {
      {0.05f, {0, 1, 2, 3}},  // cut at 0.025
      {0.2f, {0, 1, 3}},      // cut at 0.1
      {0.5f, {0, 1}},         // cut at 0.25
      {0.9f, {1}},            // cut at 0.45
  };
  for (const auto& c : cases) {
    SamplingParams p = Plain();
    p.min_p = c.min_p;
    Sampler s = Make(p);
    EXPECT_EQ(Support(s, logits), c.kept) << "min_p " << c.min_p;
  }
}

TEST(SamplerTest, RepeatPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplingParams p;
  p.temperature = 0.0f;
  p.repeat_penalty = 1.25f;
  Sampler s = Make(p);
  std::vector<float> pos = {2.0f, 1.9f, -1.0f};
  EXPECT_EQ(s.Sample(absl::MakeSpan(pos)), 0);  // nothing accepted yet: no penalty
  s.Accept(0);
  s.Accept(2);
  pos = {2.0f, 1.9f, -1.0f};
  EXPECT_EQ(s.Sample(absl::MakeSpan(pos)), 1);
  EXPECT_FLOAT_EQ(pos[0], 1.6f);
  EXPECT_FLOAT_EQ(pos[1], 1.9f);
  EXPECT_FLOAT_EQ(pos[2], -1.25f);

  Sampler neg = Make(p);
  neg.Accept(0);
  std::vector<float> n = {-1.0f, -1.1f};
  EXPECT_EQ(neg.Sample(absl::MakeSpan(n)), 1);
  EXPECT_FLOAT_EQ(n[0], -1.25f);
}

TEST(SamplerTest, PresenceAndFrequencyPenaltiesAsOpenAiDefinesThem) {
  SamplingParams p;
  p.temperature = 0.0f;
  p.presence_penalty = 0.3f;
  Sampler presence = Make(p);
  presence.Accept(0);
  presence.Accept(0);  // presence counts once, however often
  std::vector<float> a = {1.0f, 0.8f};
  EXPECT_EQ(presence.Sample(absl::MakeSpan(a)), 1);
  EXPECT_FLOAT_EQ(a[0], 0.7f);

  p.presence_penalty = 0.0f;
  p.frequency_penalty = 0.2f;
  Sampler freq = Make(p);
  freq.Accept(0);
  freq.Accept(0);
  std::vector<float> b = {1.0f, 0.5f};
  EXPECT_EQ(freq.Sample(absl::MakeSpan(b)), 0);  // 1.0 - 2 * 0.2 = 0.6 > 0.5
  EXPECT_FLOAT_EQ(b[0], 0.6f);
  freq.Accept(0);
  b = {1.0f, 0.5f};
  EXPECT_EQ(freq.Sample(absl::MakeSpan(b)), 1);  // 1.0 - 3 * 0.2 = 0.4
}

TEST(SamplerTest, PenaltiesOnlySeeTheLastNTokens) {
  SamplingParams p;
  p.temperature = 0.0f;
  p.presence_penalty = 1.0f;
  p.penalty_last_n = 3;
  Sampler s = Make(p);
  s.Accept(0);
  std::vector<float> l = {1.0f, 0.5f, 0.0f, 0.0f, 0.0f};
  EXPECT_EQ(s.Sample(absl::MakeSpan(l)), 1);
  for (int32_t t : {2, 3, 4}) s.Accept(t);  // token 0 falls out of the window
  l = {1.0f, 0.5f, 0.0f, 0.0f, 0.0f};
  EXPECT_EQ(s.Sample(absl::MakeSpan(l)), 0);

  p.penalty_last_n = 0;
  Sampler off = Make(p);
  off.Accept(0);
  l = {1.0f, 0.5f, 0.0f, 0.0f, 0.0f};
  EXPECT_EQ(off.Sample(absl::MakeSpan(l)), 0);
}

TEST(SamplerTest, SameSeedSameTokensAndResetRestarts) {
  const std::vector<float> logits = LogitsOf({0.2, 0.2, 0.2, 0.2, 0.2});
  auto run = [&](Sampler& s) {
    std::vector<int32_t> out;
    for (int i = 0; i < 200; ++i) {
      std::vector<float> copy = logits;
      out.push_back(s.Sample(absl::MakeSpan(copy)));
    }
    return out;
  };
  Sampler a = Make(Plain(42));
  Sampler b = Make(Plain(42));
  Sampler c = Make(Plain(43));
  const std::vector<int32_t> first = run(a);
  EXPECT_EQ(first, run(b));
  EXPECT_NE(first, run(c));
  a.Reset();
  EXPECT_EQ(first, run(a));
}

TEST(SamplerTest, DrawFrequenciesFollowTheSoftmax) {
  // Chi-square goodness of fit with 3 degrees of freedom; 16.27 is the 0.999 quantile.
  const std::vector<double> probs = {0.4, 0.3, 0.2, 0.1};
  Sampler s = Make(Plain(1234));
  EXPECT_LT(ChiSquare(Histogram(s, LogitsOf(probs), 20000), probs), 16.27);

  // Temperature 2 flattens to p^(1/2), renormalized.
  SamplingParams hot = Plain(99);
  hot.temperature = 2.0f;
  Sampler h = Make(hot);
  std::vector<double> flat;
  for (double p : probs) flat.push_back(std::sqrt(p));
  const double z = std::accumulate(flat.begin(), flat.end(), 0.0);
  for (double& p : flat) p /= z;
  const std::vector<int> hist = Histogram(h, LogitsOf(probs), 20000);
  EXPECT_LT(ChiSquare(hist, flat), 16.27);
  // And the unflattened distribution does not fit it.
  EXPECT_GT(ChiSquare(hist, probs), 100.0);
}

TEST(SamplerTest, LowTemperatureConcentratesOnTheArgmax) {
  SamplingParams p = Plain();
  p.temperature = 0.01f;
  Sampler s = Make(p);
  EXPECT_EQ(Support(s, {0.0f, 1.0f, 0.9f}), std::set<int32_t>{1});
}

TEST(SamplerTest, NanLogitsAreNeverDrawn) {
  Sampler s = Make(Plain());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(Support(s, {nan, 0.0f, nan, 0.0f}), (std::set<int32_t>{1, 3}));
}

}  // namespace
}  // namespace edgellm
