// The compact sections of a segment file (format version 3, docs/formats/index-segment.md):
// the document table and the paragraph starts as varints, story ids packed from hex, the
// dictionary front-coded. The writer encodes them; DiskSegment decodes them once at open into
// plain arrays, so lookups and document reads cost what they did with fixed-width sections.
// Every decoder checks its bounds and says false on damaged bytes instead of reading past them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/segment.h"

namespace dateline::index::segcode {

// Document table: per document, varints of the seq and the time as signed differences to the
// previous document's (both almost always small and positive), then id length, paragraph count,
// length, headline words, source, language and priority. The offsets into the id and paragraph
// sections are running sums and the id hash is computed from the id, so neither is stored.
void PutDoc(const DocRecord& r, const DocRecord& prev, std::string& out);
// Decodes `n` records filling every field but id_hash; false unless the bytes hold exactly
// n records whose fields fit their widths.
bool DecodeDocs(const std::uint8_t* p, const std::uint8_t* end, std::uint32_t n,
                std::vector<DocRecord>& out);

// Paragraph starts: per document its para_count starts, the first as it is and the others as
// differences to the one before (modulo 2^32, so any sequence comes back as it was).
void PutParagraphs(const std::uint32_t* starts, std::uint32_t count, std::string& out);
// Decodes `total` starts; false unless the bytes hold exactly that many.
bool DecodeParagraphs(const std::uint8_t* p, const std::uint8_t* end,
                      const std::vector<DocRecord>& docs, std::vector<std::uint32_t>& out);

// Story ids, concatenated: a mode byte, then the bytes. Mode kIdsHex (when the concatenation is
// lowercase hex of even length, as MakeStoryId's ids are) halves it into the bytes it spells.
inline constexpr std::uint8_t kIdsPlain = 0;
inline constexpr std::uint8_t kIdsHex = 1;
void PutIds(std::string_view ids, std::string& out);
// Decodes into `out` (the concatenated ids); false on an unknown mode.
bool DecodeIds(const std::uint8_t* p, const std::uint8_t* end, std::string& out);

// Dictionary: a varint term count, then per term (sorted by key, strictly increasing) the
// varint length of the prefix it shares with the previous key, the varint length of the rest
// and those bytes, then, unless the key is a stem form (kStemForm keys hold no postings), the
// varint document frequency and the varint length of its posting list. Postings are stored in
// dictionary order, so a list's offset is the sum of the lengths before it.
class DictionaryWriter {
 public:
  void Add(std::string_view key, std::uint32_t doc_freq, std::uint64_t postings_length);
  // The section's bytes.
  std::string Finish();

 private:
  std::string prev_;
  std::string entries_;
  std::uint32_t count_ = 0;
};

// A decoded dictionary: term i's key is keys[terms[i].key_offset, terms[i + 1].key_offset) and
// its postings [terms[i].postings_offset, terms[i + 1].postings_offset); the last entry is a
// sentinel holding the totals.
struct Term {
  std::uint32_t key_offset;
  std::uint32_t doc_freq;
  std::uint64_t postings_offset;
};
struct Dictionary {
  std::string keys;
  std::vector<Term> terms;  // term count + 1
  std::size_t size() const { return terms.empty() ? 0 : terms.size() - 1; }
  std::string_view Key(std::size_t i) const {
    return std::string_view(keys).substr(terms[i].key_offset,
                                         terms[i + 1].key_offset - terms[i].key_offset);
  }
};
// Decodes a dictionary section. `error` says what is wrong when it returns false: a truncated
// entry, keys out of order, a document frequency above `doc_count`, or postings lengths that do
// not add up to `postings_size`.
bool DecodeDictionary(const std::uint8_t* p, const std::uint8_t* end, std::uint32_t doc_count,
                      std::uint64_t postings_size, Dictionary& out, std::string& error);

}  // namespace dateline::index::segcode
