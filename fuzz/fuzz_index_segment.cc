// Fuzzes the index segment reader: the input becomes a segment file that DiskSegment::Open
// verifies and, when it accepts it, every term's postings, positions, weight and stem bounds and
// document records are read and a few queries run over it. The input is tried twice: as it is
// (the checksum almost always refuses it) and with the footer rewritten to match, so the
// structure checks behind the checksum are fuzzed too. Any Status is fine; crashes and undefined
// behaviour are not.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/crc32c.h"
#include "index/disk_segment.h"
#include "index/segment_file.h"
#include "index/segment_matcher.h"

namespace {

void Exercise(const std::string& path) {
  using namespace dateline::index;
  auto seg = DiskSegment::Open(path);
  if (!seg.ok()) return;
  const Segment& s = **seg;
  std::uint64_t sink = 0;
  for (std::uint32_t d = 0; d < s.doc_count(); ++d) {
    sink += s.story_id(d).size() + s.doc(d).seq;
    const std::uint32_t* p = s.paragraphs(d);
    for (std::uint32_t i = 0; i < s.doc(d).para_count; ++i) sink += p[i];
    sink += s.sources()[s.doc(d).source].size() + s.languages()[s.doc(d).language].size();
  }
  std::vector<std::uint32_t> positions;
  int keys = 0;
  s.ForEachKey("", [&](std::string_view key) {
    auto cur = s.Postings(key);
    if (cur) {
      for (std::uint32_t d = cur->Next(); d != kNoDoc; d = cur->Next()) {
        sink += d + cur->tf();
        cur->Positions(positions);
      }
    }
    auto skipping = s.Postings(key);
    if (skipping) {
      for (std::uint32_t t = 0; skipping->Advance(t) != kNoDoc; t = skipping->doc() + 7) {
        sink += skipping->doc();
      }
    }
    std::vector<WeightBound> bounds;
    if (s.WeightBounds(key, bounds)) {
      for (const WeightBound& b : bounds) sink += b.last_doc + b.max_tf;
    }
    if (s.StemBoundsOf(s.Lookup(key), bounds)) {
      for (const WeightBound& b : bounds) sink += b.first_doc + b.last_doc + b.max_tf;
    }
    // Moves by a bitmap of the list (MoveByBits), on from undecoded blocks by Next.
    auto filling = s.Postings(key);
    auto by_bits = s.Postings(key);
    if (filling && by_bits && s.doc_count() > 0) {
      std::vector<std::uint64_t> bits((s.doc_count() + 63) / 64, 0);
      filling->SetBits(0, s.doc_count(), bits.data());
      int moves = 0;
      for (std::uint32_t d = 0; d < s.doc_count() && moves < 400; ++d) {
        if ((bits[d >> 6] >> (d & 63) & 1) == 0) continue;
        ++moves;
        if (!by_bits->MoveByBits(d, bits.data(), 0) && by_bits->Advance(d) == kNoDoc) break;
        sink += by_bits->doc() + by_bits->tf();
        by_bits->Positions(positions);
        if (moves % 5 == 0) {
          const std::uint32_t next = by_bits->Next();
          if (next == kNoDoc) break;
          sink += next;
          d = next;
        }
      }
    }
    // Bitmaps as an AND's meeting sets them: by a `where` bitmap, and over a range that cuts
    // blocks (bitmap blocks are ORed in whole only inside the range).
    auto by_where = s.Postings(key);
    auto cut = s.Postings(key);
    if (by_where && cut && s.doc_count() > 0) {
      const std::size_t words = (s.doc_count() + 63) / 64;
      std::vector<std::uint64_t> where(words, 0), bits(words, 0);
      for (std::size_t w = 0; w < words; w += 3) where[w] = ~std::uint64_t{0};
      by_where->SetBitsWhere(0, s.doc_count(), bits.data(), where.data());
      const std::uint32_t lo = s.doc_count() / 3, hi = lo + (s.doc_count() - lo) / 2;
      if (hi > lo) {
        std::vector<std::uint64_t> range((hi - lo + 63) / 64, 0);
        cut->SetBits(lo, hi, range.data());
        sink += range[0] + bits[0];
      }
    }
    auto ranged = s.Postings(key);
    if (ranged) {
      std::vector<std::uint32_t> docs;
      for (std::uint32_t lo = 0; lo < s.doc_count(); lo += 500) {
        ranged->AppendRange(lo, lo + 300, docs);
      }
      sink += docs.size();
    }
    return ++keys < 2000;
  });
  if (const RunStat* runs = s.Runs()) {
    for (std::uint32_t r = 0; r * kTimeRun < s.doc_count(); ++r) sink += runs[r].min_length;
  }
  dateline::query::Node q;
  q.kind = dateline::query::Kind::kPrefix;
  q.text = "a";
  sink += MatchSegment(s, q, 0).size();
  (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  char tmpl[] = "/tmp/fuzz-index-segment-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 0;
  const std::string path = std::string(tmpl) + "/seg-000001.dix";
  std::string bytes(reinterpret_cast<const char*>(data), size);
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) {
      namespace segfile = dateline::index::segfile;
      if (bytes.size() < sizeof(segfile::Footer)) break;
      segfile::Footer f{};
      f.body_length = bytes.size() - sizeof f;
      f.crc = dateline::crc32c::Mask(
          dateline::crc32c::Value(std::string_view(bytes.data(), f.body_length)));
      f.magic = segfile::kFooterMagic;
      std::memcpy(bytes.data() + f.body_length, &f, sizeof f);
    }
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    Exercise(path);
  }
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
  return 0;
}
