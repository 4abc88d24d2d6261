// Layout constants of an index segment file (docs/formats/index-segment.md).
#pragma once

#include <cstdint>

namespace dateline::index::segfile {

inline constexpr char kMagic[8] = {'D', 'L', 'I', 'X', 'S', 'E', 'G', '1'};
// 4: stem block bounds (kStemBound keys); 5: split Rice runs of positions (block_codec.h);
// 6: docid blocks as bitmaps where smaller (kDocBitmap).
inline constexpr std::uint32_t kVersion = 6;
// The oldest version this build opens: a version 4 segment holds only interleaved Rice runs
// and a version 4 or 5 segment only packed docid blocks, which version 6 still reads.
inline constexpr std::uint32_t kOldestVersion = 4;
inline constexpr std::uint32_t kFooterMagic = 0x45584944;  // "DIXE"

// Section contents: index/segment_coding.h.
enum Section : std::uint32_t {
  kDocs = 0,       // varint document records
  kIds,            // story id bytes (hex packed when they are hex)
  kParagraphs,     // varint paragraph starts
  kSources,        // string table
  kLanguages,      // string table
  kDictionary,     // front-coded keys with document frequencies and posting list lengths
  kPostings,       // posting lists, in dictionary order
  kSectionCount,
};

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t section_count;
  std::uint32_t doc_count;
  std::uint32_t reserved;
  std::uint64_t total_length;
};
static_assert(sizeof(Header) == 32);

struct SectionRef {
  std::uint64_t offset;
  std::uint64_t length;
};

struct SkipEntry {
  std::uint32_t last_doc;
  std::uint32_t offset;   // block start, from the start of the term's postings
  std::uint32_t max_tf;
  float max_weight;       // largest TermWeight(tf, length, segment average length), rounded up
};
static_assert(sizeof(SkipEntry) == 16);

struct Footer {
  std::uint64_t body_length;   // bytes before the footer
  std::uint32_t crc;           // masked CRC-32C of those bytes
  std::uint32_t magic;
};
static_assert(sizeof(Footer) == 16);

}  // namespace dateline::index::segfile
