// Layout constants of an index segment file (docs/formats/index-segment.md).
#pragma once

#include <cstdint>

namespace dateline::index::segfile {

inline constexpr char kMagic[8] = {'D', 'L', 'I', 'X', 'S', 'E', 'G', '1'};
inline constexpr std::uint32_t kVersion = 2;  // 2: skip entries carry a term weight bound
inline constexpr std::uint32_t kFooterMagic = 0x45584944;  // "DIXE"

enum Section : std::uint32_t {
  kDocs = 0,       // DocRecord[doc_count]
  kIds,            // story id bytes
  kParagraphs,     // u32 paragraph starts
  kSources,        // string table
  kLanguages,      // string table
  kDictionary,     // DictEntry[terms + 1], sorted by key, then the sentinel
  kKeys,           // term key bytes
  kPostings,       // posting lists
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

// Term i's key is keys[key_offset(i), key_offset(i + 1)) and its postings
// postings[postings_offset(i), postings_offset(i + 1)): a last, sentinel entry holds the section
// lengths, so lengths need not be stored.
struct DictEntry {
  std::uint32_t key_offset;
  std::uint32_t doc_freq;
  std::uint64_t postings_offset;
};
static_assert(sizeof(DictEntry) == 16);

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
