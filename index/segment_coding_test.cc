// The compact sections of segment files: every coding round-trips, and damaged bytes are refused
// by the decoders (they never read past their section).
#include "index/segment_coding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace dateline::index::segcode {
namespace {

const std::uint8_t* Begin(const std::string& s) {
  return reinterpret_cast<const std::uint8_t*>(s.data());
}
const std::uint8_t* End(const std::string& s) { return Begin(s) + s.size(); }

std::vector<DocRecord> RandomDocs(std::uint32_t n, std::mt19937_64& rng) {
  std::vector<DocRecord> docs(n);
  std::uint64_t seq = 1;
  std::int64_t time = 1'735'689'890'192'001;
  for (DocRecord& r : docs) {
    seq += rng() % 3 == 0 ? rng() % 100000 : 1;
    r.seq = seq;
    // Times mostly ascend but not always; some are 0 or far off.
    time += static_cast<std::int64_t>(rng() % 1'000'000'000) - 100'000'000;
    r.time_us = rng() % 50 == 0 ? static_cast<std::int64_t>(rng()) : time;
    r.id_length = 24;
    r.para_count = static_cast<std::uint32_t>(rng() % 12);
    r.length = static_cast<std::uint32_t>(rng() % 5000);
    r.headline_words = static_cast<std::uint32_t>(rng() % 20);
    r.source = static_cast<std::uint16_t>(rng() % 3 == 0 ? rng() % 65536 : rng() % 4);
    r.language = static_cast<std::uint8_t>(rng() % 256);
    r.priority = static_cast<std::uint8_t>(rng() % 3);
  }
  return docs;
}

TEST(SegmentCodingTest, DocumentsRoundTripWithOffsetsAsRunningSums) {
  std::mt19937_64 rng(11);
  const std::vector<DocRecord> docs = RandomDocs(5000, rng);
  std::string bytes;
  DocRecord prev{};
  for (const DocRecord& r : docs) {
    segcode::PutDoc(r, prev, bytes);
    prev = r;
  }
  EXPECT_LT(bytes.size(), docs.size() * 20) << "about 14 bytes a record, not 56";
  std::vector<DocRecord> back;
  ASSERT_TRUE(DecodeDocs(Begin(bytes), End(bytes), 5000, back));
  std::uint32_t id_offset = 0, para_offset = 0;
  for (std::size_t d = 0; d < docs.size(); ++d) {
    const DocRecord& a = docs[d];
    const DocRecord& b = back[d];
    EXPECT_EQ(a.seq, b.seq);
    EXPECT_EQ(a.time_us, b.time_us);
    EXPECT_EQ(b.id_offset, id_offset);
    EXPECT_EQ(a.id_length, b.id_length);
    EXPECT_EQ(b.para_offset, para_offset);
    EXPECT_EQ(a.para_count, b.para_count);
    EXPECT_EQ(a.length, b.length);
    EXPECT_EQ(a.headline_words, b.headline_words);
    EXPECT_EQ(a.source, b.source);
    EXPECT_EQ(a.language, b.language);
    EXPECT_EQ(a.priority, b.priority);
    id_offset += a.id_length;
    para_offset += a.para_count;
  }
  // Too few or too many records for the bytes, and every truncation, are refused.
  EXPECT_FALSE(DecodeDocs(Begin(bytes), End(bytes), 4999, back));
  EXPECT_FALSE(DecodeDocs(Begin(bytes), End(bytes), 5001, back));
  EXPECT_FALSE(DecodeDocs(Begin(bytes), End(bytes), 0xffffffffu, back));
  for (std::size_t cut = 0; cut < 40; ++cut) {
    EXPECT_FALSE(DecodeDocs(Begin(bytes), End(bytes) - 1 - cut, 5000, back));
  }
}

TEST(SegmentCodingTest, DocumentFieldsWiderThanTheirRecordAreRefused) {
  DocRecord r{};
  std::string bytes;
  segcode::PutDoc(r, DocRecord{}, bytes);
  bytes.back() = static_cast<char>(0x80);  // priority 256 (two bytes)
  bytes.push_back(0x02);
  std::vector<DocRecord> back;
  EXPECT_FALSE(DecodeDocs(Begin(bytes), End(bytes), 1, back));
}

TEST(SegmentCodingTest, ParagraphStartsRoundTripAnyOrder) {
  std::mt19937_64 rng(12);
  std::vector<DocRecord> docs = RandomDocs(300, rng);
  std::vector<std::uint32_t> all;
  std::string bytes;
  for (DocRecord& r : docs) {
    std::vector<std::uint32_t> starts;
    std::uint32_t p = 0;
    for (std::uint32_t i = 0; i < r.para_count; ++i) {
      // Ascending as the analyzer makes them, but a descending or huge value must survive too.
      p = rng() % 40 == 0 ? static_cast<std::uint32_t>(rng())
                          : p + static_cast<std::uint32_t>(rng() % 60);
      starts.push_back(p);
    }
    segcode::PutParagraphs(starts.data(), r.para_count, bytes);
    all.insert(all.end(), starts.begin(), starts.end());
  }
  std::vector<std::uint32_t> back;
  ASSERT_TRUE(DecodeParagraphs(Begin(bytes), End(bytes), docs, back));
  EXPECT_EQ(back, all);
  EXPECT_FALSE(DecodeParagraphs(Begin(bytes), End(bytes) - 1, docs, back));
  bytes.push_back(0);
  EXPECT_FALSE(DecodeParagraphs(Begin(bytes), End(bytes), docs, back));
}

TEST(SegmentCodingTest, HexIdsArePackedAndOthersKeptAsTheyAre) {
  for (const std::string& ids : {std::string("b0be8392538b52a026e0db00e084923e358b9853621441d8"),
                                std::string("story-1story-2"), std::string("abc"),
                                std::string("ABCDEF"), std::string("")}) {
    std::string bytes;
    PutIds(ids, bytes);
    const bool packed = ids.size() % 2 == 0 &&
                        std::all_of(ids.begin(), ids.end(), [](char c) {
                          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                        });
    EXPECT_EQ(bytes.size(), 1 + (packed ? ids.size() / 2 : ids.size())) << ids;
    std::string back;
    ASSERT_TRUE(DecodeIds(Begin(bytes), End(bytes), back)) << ids;
    EXPECT_EQ(back, ids);
    bytes[0] = 7;  // unknown mode
    EXPECT_FALSE(DecodeIds(Begin(bytes), End(bytes), back));
  }
  std::string back;
  EXPECT_FALSE(DecodeIds(nullptr, nullptr, back)) << "no mode byte";
}

// Keys of all three kinds that share long prefixes (stem forms above all).
std::vector<std::string> RandomKeys(std::size_t n, std::mt19937_64& rng) {
  std::set<std::string> keys;
  const char* stems[] = {"infl", "inflat", "market", "bank", "yen", "rate"};
  while (keys.size() < n) {
    std::string word = stems[rng() % 6];
    for (std::uint64_t i = rng() % 6; i > 0; --i) {
      word.push_back(static_cast<char>('a' + rng() % 26));
    }
    switch (rng() % 3) {
      case 0: keys.insert(ExactKey(word)); break;
      case 1: keys.insert(FieldKey(rng() % 2 ? "ticker" : "source", word)); break;
      default: keys.insert(StemFormPrefix("en", stems[rng() % 6]) + word);
    }
  }
  return {keys.begin(), keys.end()};
}

TEST(SegmentCodingTest, DictionaryRoundTripsFrontCoded) {
  std::mt19937_64 rng(13);
  const std::vector<std::string> keys = RandomKeys(3000, rng);
  DictionaryWriter w;
  std::vector<std::uint32_t> dfs;
  std::vector<std::uint64_t> lengths;
  std::uint64_t postings = 0, key_bytes = 0;
  for (const std::string& k : keys) {
    const bool stem = k[0] == kStemForm;
    dfs.push_back(stem ? 0 : static_cast<std::uint32_t>(1 + rng() % 1000));
    lengths.push_back(stem ? 0 : 1 + rng() % 100000);
    postings += lengths.back();
    key_bytes += k.size();
    w.Add(k, dfs.back(), lengths.back());
  }
  const std::string bytes = w.Finish();
  EXPECT_LT(bytes.size(), key_bytes) << "front coding keeps less than the keys themselves";
  Dictionary d;
  std::string error;
  ASSERT_TRUE(DecodeDictionary(Begin(bytes), End(bytes), 1000, postings, d, error)) << error;
  ASSERT_EQ(d.size(), keys.size());
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(d.Key(i), keys[i]);
    EXPECT_EQ(d.terms[i].doc_freq, dfs[i]);
    EXPECT_EQ(d.terms[i].postings_offset, offset);
    offset += lengths[i];
  }
  EXPECT_EQ(d.terms.back().postings_offset, postings);
  EXPECT_EQ(d.terms.back().key_offset, d.keys.size());

  // Postings that do not add up, a document frequency above the count, every truncation.
  EXPECT_FALSE(DecodeDictionary(Begin(bytes), End(bytes), 1000, postings + 1, d, error));
  EXPECT_FALSE(DecodeDictionary(Begin(bytes), End(bytes), 999, postings, d, error));
  for (std::size_t cut = 1; cut < 50; ++cut) {
    EXPECT_FALSE(DecodeDictionary(Begin(bytes), End(bytes) - cut, 1000, postings, d, error));
  }
  // Random damage is refused or decodes to something in bounds; it never reads past the end.
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = bytes;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    if (DecodeDictionary(Begin(bad), End(bad), 1000, postings, d, error)) {
      for (std::size_t i = 0; i + 1 < d.size(); ++i) {
        ASSERT_LE(d.terms[i].postings_offset, d.terms[i + 1].postings_offset);
        ASSERT_LT(d.Key(i), d.Key(i + 1));
      }
    }
  }
}

TEST(SegmentCodingTest, DictionaryKeysOutOfOrderAreRefused) {
  for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{
           {"\x01" "bank", "\x01" "bank"},    // repeated
           {"\x01" "bank", "\x01" "ban"},     // a prefix after its extension
           {"\x01" "bank", "\x01" "bamk"}}) {  // smaller
    DictionaryWriter w;
    w.Add(a, 1, 1);
    w.Add(b, 1, 1);
    const std::string bytes = w.Finish();
    Dictionary d;
    std::string error;
    EXPECT_FALSE(DecodeDictionary(Begin(bytes), End(bytes), 10, 2, d, error)) << b;
    EXPECT_NE(error.find("out of order"), std::string::npos) << error;
  }
  // A shared prefix longer than the previous key.
  const std::string bytes = {2, 0, 1, 1, 1, 1, 5, 1, 'y', 1, 1};
  Dictionary d;
  std::string error;
  EXPECT_FALSE(DecodeDictionary(Begin(bytes), End(bytes), 10, 2, d, error));
}

}  // namespace
}  // namespace dateline::index::segcode
