#include "index/segment_coding.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "index/varint.h"

namespace dateline::index::segcode {
namespace {

bool Get32(const std::uint8_t** p, const std::uint8_t* end, std::uint32_t* v) {
  return GetVarint(p, end, v);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void PutDoc(const DocRecord& r, const DocRecord& prev, std::string& out) {
  PutVarint64(out, ZigZag(static_cast<std::int64_t>(r.seq - prev.seq)));
  PutVarint64(out, ZigZag(static_cast<std::int64_t>(static_cast<std::uint64_t>(r.time_us) -
                                                    static_cast<std::uint64_t>(prev.time_us))));
  PutVarint(out, r.id_length);
  PutVarint(out, r.para_count);
  PutVarint(out, r.length);
  PutVarint(out, r.headline_words);
  PutVarint(out, r.source);
  PutVarint(out, r.language);
  PutVarint(out, r.priority);
}

bool DecodeDocs(const std::uint8_t* p, const std::uint8_t* end, std::uint32_t n,
                std::vector<DocRecord>& out) {
  out.clear();
  // Every record takes at least 9 bytes: a count beyond that is damage, not an allocation.
  if (static_cast<std::uint64_t>(end - p) < std::uint64_t{n} * 9) return false;
  out.resize(n);
  DocRecord prev{};
  std::uint64_t id_offset = 0, para_offset = 0;
  for (std::uint32_t d = 0; d < n; ++d) {
    DocRecord& r = out[d];
    std::uint64_t seq = 0, time = 0;
    std::uint32_t source = 0, language = 0, priority = 0;
    if (!GetVarint64(&p, end, &seq) || !GetVarint64(&p, end, &time) ||
        !Get32(&p, end, &r.id_length) || !Get32(&p, end, &r.para_count) ||
        !Get32(&p, end, &r.length) || !Get32(&p, end, &r.headline_words) ||
        !Get32(&p, end, &source) || !Get32(&p, end, &language) || !Get32(&p, end, &priority)) {
      return false;
    }
    if (source > std::numeric_limits<std::uint16_t>::max() ||
        language > std::numeric_limits<std::uint8_t>::max() ||
        priority > std::numeric_limits<std::uint8_t>::max()) {
      return false;
    }
    r.seq = prev.seq + static_cast<std::uint64_t>(UnZigZag(seq));
    r.time_us = static_cast<std::int64_t>(static_cast<std::uint64_t>(prev.time_us) +
                                          static_cast<std::uint64_t>(UnZigZag(time)));
    r.source = static_cast<std::uint16_t>(source);
    r.language = static_cast<std::uint8_t>(language);
    r.priority = static_cast<std::uint8_t>(priority);
    if (id_offset > std::numeric_limits<std::uint32_t>::max() ||
        para_offset > std::numeric_limits<std::uint32_t>::max()) {
      return false;
    }
    r.id_offset = static_cast<std::uint32_t>(id_offset);
    r.para_offset = static_cast<std::uint32_t>(para_offset);
    id_offset += r.id_length;
    para_offset += r.para_count;
    prev = r;
  }
  return p == end;
}

void PutParagraphs(const std::uint32_t* starts, std::uint32_t count, std::string& out) {
  std::uint32_t prev = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    PutVarint(out, starts[i] - prev);
    prev = starts[i];
  }
}

bool DecodeParagraphs(const std::uint8_t* p, const std::uint8_t* end,
                      const std::vector<DocRecord>& docs, std::vector<std::uint32_t>& out) {
  out.clear();
  std::uint64_t total = 0;
  for (const DocRecord& r : docs) total += r.para_count;
  if (total > static_cast<std::uint64_t>(end - p)) return false;  // a start takes a byte or more
  out.reserve(total);
  for (const DocRecord& r : docs) {
    std::uint32_t prev = 0;
    for (std::uint32_t i = 0; i < r.para_count; ++i) {
      std::uint32_t gap = 0;
      if (!GetVarint(&p, end, &gap)) return false;
      prev += gap;
      out.push_back(prev);
    }
  }
  return p == end;
}

void PutIds(std::string_view ids, std::string& out) {
  bool hex = ids.size() % 2 == 0;
  for (std::size_t i = 0; hex && i < ids.size(); ++i) hex = HexValue(ids[i]) >= 0;
  // The concatenation is packed as a whole (the records hold each id's length), so a pair of
  // digits may straddle two ids.
  if (!hex) {
    out.push_back(static_cast<char>(kIdsPlain));
    out.append(ids);
    return;
  }
  out.push_back(static_cast<char>(kIdsHex));
  const std::size_t at = out.size();
  out.resize(at + ids.size() / 2);
  for (std::size_t i = 0; i < ids.size(); i += 2) {
    out[at + i / 2] = static_cast<char>(HexValue(ids[i]) << 4 | HexValue(ids[i + 1]));
  }
}

bool DecodeIds(const std::uint8_t* p, const std::uint8_t* end, std::string& out) {
  out.clear();
  if (p >= end) return false;
  const std::uint8_t mode = *p++;
  if (mode == kIdsPlain) {
    out.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(end - p));
    return true;
  }
  if (mode != kIdsHex) return false;
  static constexpr char kDigits[] = "0123456789abcdef";
  out.resize(static_cast<std::size_t>(end - p) * 2);
  char* o = out.data();
  for (; p < end; ++p) {
    *o++ = kDigits[*p >> 4];
    *o++ = kDigits[*p & 15];
  }
  return true;
}

void DictionaryWriter::Add(std::string_view key, std::uint32_t doc_freq,
                           std::uint64_t postings_length) {
  const std::size_t limit = std::min(prev_.size(), key.size());
  std::size_t shared = 0;
  while (shared < limit && prev_[shared] == key[shared]) ++shared;
  PutVarint(entries_, static_cast<std::uint32_t>(shared));
  PutVarint(entries_, static_cast<std::uint32_t>(key.size() - shared));
  entries_.append(key.substr(shared));
  if (key.empty() || key[0] != kStemForm) {
    PutVarint(entries_, doc_freq);
    PutVarint64(entries_, postings_length);
  }
  prev_.assign(key);
  ++count_;
}

std::string DictionaryWriter::Finish() {
  std::string out;
  PutVarint(out, count_);
  out += entries_;
  return out;
}

bool DecodeDictionary(const std::uint8_t* p, const std::uint8_t* end, std::uint32_t doc_count,
                      std::uint64_t postings_size, Dictionary& out, std::string& error) {
  out.keys.clear();
  out.terms.clear();
  std::uint32_t count = 0;
  if (!GetVarint(&p, end, &count)) {
    error = "dictionary size";
    return false;
  }
  // An entry takes at least 2 bytes: a larger count is damage, not an allocation.
  if (std::uint64_t{count} * 2 > static_cast<std::uint64_t>(end - p)) {
    error = "dictionary size";
    return false;
  }
  out.terms.reserve(std::size_t{count} + 1);
  out.keys.reserve(static_cast<std::size_t>(end - p) * 3);
  std::size_t prev_offset = 0;
  std::uint64_t postings = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t shared = 0, rest = 0;
    if (!GetVarint(&p, end, &shared) || !GetVarint(&p, end, &rest) ||
        rest > static_cast<std::size_t>(end - p)) {
      error = "term " + std::to_string(i) + " truncated";
      return false;
    }
    const std::size_t prev_length = out.keys.size() - prev_offset;
    // Strictly after the previous key: it extends it, or differs at its first new byte.
    const bool ordered =
        i == 0 ? shared == 0
               : shared <= prev_length &&
                     (shared == prev_length
                          ? rest > 0
                          : rest > 0 && static_cast<std::uint8_t>(out.keys[prev_offset + shared]) <
                                            p[0]);
    if (!ordered || shared + std::uint64_t{rest} == 0) {
      error = "term " + std::to_string(i) + " out of order";
      return false;
    }
    const std::size_t offset = out.keys.size();
    if (offset > std::numeric_limits<std::uint32_t>::max()) {
      error = "dictionary size";
      return false;
    }
    // The shared prefix is copied from the previous key, which ends where this one starts.
    out.keys.append(out.keys, prev_offset, shared);
    out.keys.append(reinterpret_cast<const char*>(p), rest);
    p += rest;
    prev_offset = offset;
    Term t{static_cast<std::uint32_t>(offset), 0, postings};
    if (out.keys[offset] != kStemForm) {
      std::uint64_t length = 0;
      if (!GetVarint(&p, end, &t.doc_freq) || !GetVarint64(&p, end, &length)) {
        error = "term " + std::to_string(i) + " truncated";
        return false;
      }
      if (t.doc_freq > doc_count || length > postings_size - postings) {
        error = "term " + std::to_string(i) + " out of bounds";
        return false;
      }
      postings += length;
    }
    out.terms.push_back(t);
  }
  if (p != end || postings != postings_size ||
      out.keys.size() > std::numeric_limits<std::uint32_t>::max()) {
    error = "dictionary does not match the postings";
    return false;
  }
  out.terms.push_back({static_cast<std::uint32_t>(out.keys.size()), 0, postings});
  return true;
}

}  // namespace dateline::index::segcode
