#include "index/segment_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <new>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/crc32c.h"
#include "index/block_codec.h"
#include "index/disk_segment.h"
#include "index/memory_segment.h"
#include "index/segment_coding.h"
#include "index/segment_file.h"
#include "index/varint.h"

namespace dateline::index {
namespace {

template <typename T>
void Append(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void PadTo8(std::string& out) {
  while (out.size() % 8 != 0) out.push_back('\0');
}

std::string StringTable(const std::vector<std::string>& strings) {
  std::string out;
  Append(out, static_cast<std::uint32_t>(strings.size()));
  for (const std::string& s : strings) {
    Append(out, static_cast<std::uint32_t>(s.size()));
    out += s;
  }
  return out;
}

// The most one write() call hands the kernel. On the Linux 6.18 VMs the benchmarks run on, one
// call per piece of tens or hundreds of megabytes filled the page cache at about 100 MB/s,
// against 1.3-3 GB/s in calls of 1 MiB: 6 s of the 65 CPU-seconds of a 1M-story build.
constexpr std::size_t kMaxWrite = std::size_t{1} << 20;

// Writes `pieces` one after the other.
Status WriteFileSynced(const std::string& path, const std::vector<std::string_view>& pieces) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create " + tmp + ": " + std::strerror(errno));
  for (const std::string_view data : pieces) {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd, data.data() + done, std::min(kMaxWrite, data.size() - done));
      if (n < 0) {
        if (errno == EINTR) continue;
        Status s = Status::IOError("cannot write " + tmp + ": " + std::strerror(errno));
        ::close(fd);
        return s;
      }
      done += static_cast<std::size_t>(n);
    }
  }
  if (::fsync(fd) != 0) {
    Status s = Status::IOError("cannot sync " + tmp + ": " + std::strerror(errno));
    ::close(fd);
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("cannot rename " + tmp + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

void EncodePostings(const std::vector<std::uint32_t>& docs, const std::vector<std::uint32_t>& tfs,
                    const std::vector<std::uint32_t>& positions, bool positional,
                    std::string& out, const std::uint32_t* lengths, double avg_length) {
  std::vector<std::uint32_t> codes;
  if (positional) {
    codes.reserve(positions.size());
    std::size_t at = 0;
    for (const std::uint32_t tf : tfs) {
      std::uint32_t p = 0;
      for (std::uint32_t k = 0; k < tf; ++k) {
        codes.push_back(positions[at] - p);
        p = positions[at++];
      }
    }
  }
  EncodePostingsCoded(docs, tfs, codes, positional, out, lengths, avg_length);
}

void EncodePostingsCoded(const std::vector<std::uint32_t>& docs,
                         const std::vector<std::uint32_t>& tfs,
                         const std::vector<std::uint32_t>& position_codes, bool positional,
                         std::string& out, const std::uint32_t* lengths, double avg_length) {
  const std::size_t start = out.size();
  const auto n = static_cast<std::uint32_t>(docs.size());
  const auto blocks = static_cast<std::uint32_t>((n + kBlockSize - 1) / kBlockSize);
  // A list of one block needs no skip entry: its length is the dictionary's document count.
  const std::size_t skip_at = out.size();
  if (blocks > 1) out.resize(out.size() + blocks * sizeof(segfile::SkipEntry));
  std::uint32_t buf[kBlockSize];
  std::size_t code_at = 0;
  const double k_base = kBm25K1 * (1 - kBm25B);
  const double k_per_length = kBm25K1 * kBm25B / avg_length;
  for (std::uint32_t b = 0; b < blocks; ++b) {
    const std::size_t first = std::size_t{b} * kBlockSize;
    const std::size_t count = std::min<std::size_t>(kBlockSize, n - first);
    segfile::SkipEntry skip{};
    skip.last_doc = docs[first + count - 1];
    skip.offset = static_cast<std::uint32_t>(out.size() - start);
    const std::uint32_t range_first = b == 0 ? 0 : docs[first - 1] + 1;
    std::uint32_t prev = range_first;
    for (std::size_t i = 0; i < count; ++i) {
      buf[i] = docs[first + i] - prev;
      prev = docs[first + i] + 1;
    }
    // A bitmap where it takes at most twice the bytes (kDocBitmap; a list of one block has no
    // skip entry to bound its range).
    if (blocks > 1 &&
        DocBitmapBytes(range_first, skip.last_doc) <= kDocBitmapMaxGrowth * PackedSize(buf, count)) {
      PackDocBitmap(docs.data() + first, count, range_first, out);
    } else {
      PackBlock(buf, count, out);
    }
    std::size_t block_codes = 0;
    // The posting of largest weight tf / (tf + K), K = k1 (1 - b + b length / avg) linear in
    // the length, found without a division: tf_a / (tf_a + K_a) > tf_b / (tf_b + K_b) exactly
    // when tf_a K_b > tf_b K_a. It is then weighed as the searcher weighs it.
    std::size_t best = first;
    double best_k = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint32_t tf = tfs[first + i];
      buf[i] = tf - 1;
      block_codes += tf;
      skip.max_tf = std::max(skip.max_tf, tf);
      const double k = k_base + k_per_length * (lengths ? lengths[docs[first + i]] : 0);
      if (tf * best_k > tfs[best] * k) {
        best = first + i;
        best_k = k;
      }
    }
    const double max_weight =
        TermWeight(tfs[best], lengths ? lengths[docs[best]] : 0, avg_length);
    // Rounded up so that the bound never falls below the weight the searcher computes (also
    // when K's rounding above picked a posting whose weight ties the largest but for the last
    // bits); rounding up is monotonic, so rounding the largest once equals the largest of the
    // rounded.
    skip.max_weight = std::max(
        skip.max_weight,
        std::nextafter(static_cast<float>(max_weight), std::numeric_limits<float>::max()));
    PackBlock(buf, count, out);
    if (positional) {
      PackRice(position_codes.data() + code_at, block_codes, out);
      code_at += block_codes;
    }
    if (blocks > 1) {
      std::memcpy(out.data() + skip_at + b * sizeof(segfile::SkipEntry), &skip, sizeof skip);
    }
  }
}

Result<WrittenSegment> WriteSegment(const std::vector<SegmentInput>& inputs,
                                    const std::string& path) {
  // Documents: live ones, in input order, with new docids.
  std::vector<DocRemap> remap(inputs.size());
  std::string docs, ids, paras;
  DocRecord prev{};
  std::vector<std::string> sources, languages;
  std::unordered_map<std::string, std::uint16_t> source_ord, language_ord;
  std::uint64_t total_length = 0;
  std::vector<std::uint32_t> lengths;  // by new docid: the block weight bounds
  std::vector<std::uint8_t> doc_languages;  // by new docid: the stem bounds
  std::uint32_t next = 0;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Segment& seg = *inputs[k].segment;
    remap[k].to.assign(seg.doc_count(), kNoDoc);
    const std::uint32_t first = next;
    for (std::uint32_t d = 0; d < seg.doc_count(); ++d) {
      if (d >= inputs[k].live.size() || inputs[k].live[d] == 0) continue;
      remap[k].to[d] = next++;
      DocRecord r = seg.doc(d);
      const std::string_view id = seg.story_id(d);
      r.id_length = static_cast<std::uint32_t>(id.size());
      ids.append(id);
      segcode::PutParagraphs(seg.paragraphs(d), r.para_count, paras);
      auto intern = [](std::vector<std::string>& table,
                       std::unordered_map<std::string, std::uint16_t>& ord,
                       const std::string& v) {
        auto [it, fresh] = ord.emplace(v, static_cast<std::uint16_t>(table.size()));
        if (fresh) table.push_back(v);
        return it->second;
      };
      r.source = intern(sources, source_ord, seg.sources()[r.source]);
      r.language =
          static_cast<std::uint8_t>(intern(languages, language_ord, seg.languages()[r.language]));
      total_length += r.length;
      lengths.push_back(r.length);
      doc_languages.push_back(r.language);
      segcode::PutDoc(r, prev, docs);
      prev = r;
    }
    if (next - first == seg.doc_count()) remap[k].offset = first;  // none dropped
  }

  // Terms: the sorted union of the inputs' dictionaries, merged from each input's key list
  // (already sorted); an input is asked for the postings of the keys it holds only.
  struct KeyList {
    std::string bytes;
    std::vector<std::uint32_t> ends;  // key i is bytes[ends[i - 1], ends[i])
    std::size_t next = 0;
    std::string_view Key(std::size_t i) const {
      const std::uint32_t b = i == 0 ? 0 : ends[i - 1];
      return std::string_view(bytes).substr(b, ends[i] - b);
    }
  };
  std::vector<KeyList> lists(inputs.size());
  std::vector<const DiskSegment*> disk(inputs.size());
  std::vector<const MemorySegment*> memory(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    disk[k] = dynamic_cast<const DiskSegment*>(inputs[k].segment);
    memory[k] = dynamic_cast<const MemorySegment*>(inputs[k].segment);
  }
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    KeyList& l = lists[k];
    inputs[k].segment->ForEachKey("", [&](std::string_view key) {
      l.bytes.append(key);
      l.ends.push_back(static_cast<std::uint32_t>(l.bytes.size()));
      return true;
    });
  }

  // Stems of two or more words (over all inputs) get block bounds of their own (see "Stem
  // bounds" below), gathered while their words' postings are encoded.
  std::map<std::string, std::vector<std::string>> stem_words;  // lang kSep stem kSep -> words
  for (const KeyList& l : lists) {
    std::size_t i = l.ends.size();
    while (i > 0 && l.Key(i - 1)[0] >= kStemForm) --i;  // the stem forms are the last keys
    for (; i < l.ends.size(); ++i) {
      const std::string_view k = l.Key(i);
      if (k[0] != kStemForm) continue;
      const std::size_t sep = k.find(kSep, k.find(kSep) + 1);
      if (sep == std::string_view::npos) continue;
      std::vector<std::string>& words = stem_words[std::string(k.substr(1, sep))];
      std::string word = ExactKey(k.substr(sep + 1));
      if (std::find(words.begin(), words.end(), word) == words.end()) {
        words.push_back(std::move(word));
      }
    }
  }
  // Per stem of two or more words whose language the segment has, in key order: the (docid,
  // tf) pairs of its words' documents of that language, merged as each word is encoded, and
  // kept only until its last word is (the words of a stem share most of their first bytes, so
  // few stems are open at a time: not the whole merge's postings), then turned into its bounds.
  struct StemBounds {
    const std::string* stem = nullptr;  // lang kSep stem kSep
    std::uint16_t language = 0;
    std::size_t words_left = 0;
    std::size_t words = 0;        // its words (0x04 keys)
    std::uint64_t most_docs = 0;  // the longest of their lists (StemBoundsKept)
    bool done = false;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> merged;  // (docid, tf), by docid
    std::string entries;                                           // StemBoundEntry each
    std::uint32_t docs = 0;
  };
  std::vector<StemBounds> stems;
  // (exact key, index in `stems`) of their words, in key order: the keys below come in that
  // order too, so the words are found by walking this list along with them (no hashing).
  std::vector<std::pair<std::string_view, std::uint32_t>> word_stems;
  for (const auto& [stem, words] : stem_words) {
    if (!StemBoundsKept(words.size(), std::numeric_limits<std::uint64_t>::max())) continue;
    const auto lang = language_ord.find(stem.substr(0, stem.find(kSep)));
    if (lang == language_ord.end()) continue;
    StemBounds& sb = stems.emplace_back();
    sb.stem = &stem;
    sb.language = lang->second;
    sb.words_left = words.size();
    sb.words = words.size();
    for (const std::string& w : words) {
      word_stems.emplace_back(w, static_cast<std::uint32_t>(stems.size() - 1));
    }
  }
  std::sort(word_stems.begin(), word_stems.end());
  std::size_t word_stem_at = 0;  // the first entry of word_stems not below the current key

  const double avg_length =
      next == 0 ? 1 : std::max(1.0, static_cast<double>(total_length) / next);
  segcode::DictionaryWriter dict;
  // The postings are most of a segment: reserved at once for what the inputs take (their
  // files, the memory segment's bytes), not doubled their way up to hundreds of megabytes with
  // a copy of everything and fresh pages at each step. Untouched reserved pages cost nothing.
  std::string postings;
  std::size_t expected_bytes = 0;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (disk[k] != nullptr) expected_bytes += disk[k]->file_bytes();
    if (memory[k] != nullptr) expected_bytes += memory[k]->memory_bytes();
  }
  try {
    postings.reserve(expected_bytes);
  } catch (const std::bad_alloc&) {
    // No address space for it at once (strict overcommit): the string grows as it goes.
  }
  std::vector<std::uint32_t> pdocs, ptfs, scratch;
  std::vector<std::uint32_t> pcodes;  // position codes: per document the first, then gaps
  std::vector<std::size_t> holders;
  std::vector<std::uint8_t> memory_bytes;  // scratch of MemorySegment::AppendPostingsAt
  std::string key;
  // Stem bounds: per language, for a stem one of whose words has a list of more than one block:
  // the documents holding any of the stem's words (each word counts only in documents of the
  // stem's language, as the searcher counts it), the words' tfs summed, in blocks of
  // kBlockSize of them: the block's first and last docid, largest tf sum and largest term
  // weight (rounded up). A stem none of whose words has a list of more than one block is left
  // out: those lists are bounded per document, which prunes better (and most stems are that
  // small).
  auto finish_stem = [&](StemBounds& sb) {
    if (sb.done) return;
    sb.done = true;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> merged;
    merged.swap(sb.merged);  // freed on return
    if (!StemBoundsKept(sb.words, sb.most_docs) || merged.empty()) return;
    std::size_t n = 0;  // merged[0, n): one entry per document, tfs summed
    for (std::size_t i = 0; i < merged.size(); ++i) {
      if (n > 0 && merged[n - 1].first == merged[i].first) {
        merged[n - 1].second += merged[i].second;
      } else {
        merged[n++] = merged[i];
      }
    }
    for (std::size_t b = 0; b < n; b += kBlockSize) {
      const std::size_t e = std::min(n, b + kBlockSize);
      StemBoundEntry entry{merged[b].first, merged[e - 1].first, 0, 0};
      double max_weight = 0;
      for (std::size_t i = b; i < e; ++i) {
        entry.max_tf = std::max(entry.max_tf, merged[i].second);
        max_weight = std::max(
            max_weight, TermWeight(merged[i].second, lengths[merged[i].first], avg_length));
      }
      // Rounding up is monotonic: rounding the largest once equals the largest of the rounded.
      entry.max_weight =
          std::nextafter(static_cast<float>(max_weight), std::numeric_limits<float>::max());
      Append(sb.entries, entry);
    }
    sb.docs = static_cast<std::uint32_t>(n);
  };
  for (;;) {
    // The smallest next key of all inputs, and the inputs holding it.
    holders.clear();
    std::string_view least;
    for (std::size_t k = 0; k < lists.size(); ++k) {
      const KeyList& l = lists[k];
      if (l.next >= l.ends.size()) continue;
      const std::string_view candidate = l.Key(l.next);
      if (holders.empty() || candidate < least) {
        holders.assign(1, k);
        least = candidate;
      } else if (candidate == least) {
        holders.push_back(k);
      }
    }
    if (holders.empty()) break;
    key.assign(least);
    if (key[0] == kStemBound) {  // the inputs' stem bounds are computed again below
      for (const std::size_t k : holders) ++lists[k].next;
      continue;
    }

    const bool positional = HasPositions(key);
    pdocs.clear();
    ptfs.clear();
    pcodes.clear();
    for (const std::size_t k : holders) {
      const std::size_t ordinal = lists[k].next++;
      if (disk[k] != nullptr) {
        // A segment file is read by dictionary position (its keys come in that order), its
        // position codes copied as they are (they do not depend on docids).
        disk[k]->AppendPostingsAt(ordinal, remap[k], pdocs, ptfs, pcodes);
        continue;
      }
      if (memory[k] != nullptr) {
        // The memory segment's keys come in the order of its ForEachKey too (walked above).
        memory[k]->AppendPostingsAt(ordinal, remap[k], pdocs, ptfs, pcodes, memory_bytes);
        continue;
      }
      // Any other segment: a lookup by key.
      auto cur = inputs[k].segment->Postings(key);
      if (!cur) continue;
      for (std::uint32_t d = cur->Next(); d != kNoDoc; d = cur->Next()) {
        if (remap[k](d) == kNoDoc) continue;
        pdocs.push_back(remap[k](d));
        ptfs.push_back(cur->tf());
        if (positional) {
          cur->Positions(scratch);
          std::uint32_t p = 0;
          for (const std::uint32_t q : scratch) {
            pcodes.push_back(q - p);
            p = q;
          }
          ptfs.back() = static_cast<std::uint32_t>(scratch.size());
        }
      }
    }
    // Keys without postings survive only as stem forms (their meaning is the key itself).
    if (pdocs.empty() && key[0] != kStemForm) continue;
    // Stem forms are stored without postings (they have none).
    const std::size_t postings_at = postings.size();
    if (!pdocs.empty() && key[0] != kStemForm) {
      EncodePostingsCoded(pdocs, ptfs, pcodes, positional, postings, lengths.data(),
                          avg_length);
      while (word_stem_at < word_stems.size() && word_stems[word_stem_at].first < key) {
        ++word_stem_at;
      }
      for (; word_stem_at < word_stems.size() && word_stems[word_stem_at].first == key;
           ++word_stem_at) {
        StemBounds& sb = stems[word_stems[word_stem_at].second];
        sb.most_docs = std::max<std::uint64_t>(sb.most_docs, pdocs.size());
        const std::size_t before = sb.merged.size();
        for (std::size_t j = 0; j < pdocs.size(); ++j) {
          if (doc_languages[pdocs[j]] == sb.language) sb.merged.emplace_back(pdocs[j], ptfs[j]);
        }
        std::inplace_merge(sb.merged.begin(),
                           sb.merged.begin() + static_cast<std::ptrdiff_t>(before),
                           sb.merged.end());
        if (--sb.words_left == 0) finish_stem(sb);
      }
    }
    dict.Add(key, key[0] == kStemForm ? 0 : static_cast<std::uint32_t>(pdocs.size()),
             postings.size() - postings_at);
  }

  // Stem bounds, after every other key (kStemBound sorts last; `stems` is in key order). A stem
  // none of whose words was encoded last (a word with no live postings is no key) is finished
  // here, with the words it has.
  for (StemBounds& sb : stems) {
    finish_stem(sb);
    if (sb.entries.empty()) continue;
    const std::size_t postings_at = postings.size();
    postings += sb.entries;
    key.assign(1, kStemBound);
    key += *sb.stem;
    dict.Add(key, sb.docs, postings.size() - postings_at);
  }

  // Assemble: header, section table, 8-aligned sections, footer.
  std::string sections[segfile::kSectionCount];
  sections[segfile::kDocs] = std::move(docs);
  segcode::PutIds(ids, sections[segfile::kIds]);
  sections[segfile::kParagraphs] = std::move(paras);
  sections[segfile::kSources] = StringTable(sources);
  sections[segfile::kLanguages] = StringTable(languages);
  sections[segfile::kDictionary] = dict.Finish();
  sections[segfile::kPostings] = std::move(postings);

  // The sections are written where they are (no copy of the whole file is assembled), with
  // zero padding between them and the checksum computed on the way.
  std::string head;
  segfile::Header h{};
  std::memcpy(h.magic, segfile::kMagic, sizeof h.magic);
  h.version = segfile::kVersion;
  h.section_count = segfile::kSectionCount;
  h.doc_count = next;
  h.total_length = total_length;
  Append(head, h);
  const std::size_t table_at = head.size();
  head.resize(head.size() + segfile::kSectionCount * sizeof(segfile::SectionRef));
  PadTo8(head);
  static constexpr char kZeros[8] = {};
  std::vector<std::string_view> pieces{head};
  std::uint64_t offset = head.size();
  for (std::uint32_t i = 0; i < segfile::kSectionCount; ++i) {
    segfile::SectionRef ref{offset, sections[i].size()};
    std::memcpy(head.data() + table_at + i * sizeof ref, &ref, sizeof ref);
    pieces.emplace_back(sections[i]);
    offset += sections[i].size();
    const std::size_t pad = (8 - offset % 8) % 8;
    pieces.emplace_back(kZeros, pad);
    offset += pad;
  }
  std::uint32_t crc = 0;
  for (const std::string_view piece : pieces) crc = crc32c::Extend(crc, piece.data(), piece.size());
  segfile::Footer f{};
  f.body_length = offset;
  f.crc = crc32c::Mask(crc);
  f.magic = segfile::kFooterMagic;
  std::string footer;
  Append(footer, f);
  pieces.emplace_back(footer);
  Status s = WriteFileSynced(path, pieces);
  if (!s.ok()) return s;
  return WrittenSegment{offset + footer.size(), next};
}

}  // namespace dateline::index
