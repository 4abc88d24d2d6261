#include "core/story_codec.h"

#include <cstdint>

namespace dateline {
namespace {

constexpr unsigned char kFormat = 1;

void PutVarint(std::string* out, std::uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutSigned(std::string* out, std::int64_t v) {
  PutVarint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool failed() const { return failed_; }
  bool done() const { return pos_ == d_.size(); }

  std::uint64_t Varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (pos_ >= d_.size()) return Fail();
      auto b = static_cast<unsigned char>(d_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    return Fail();
  }
  std::int64_t Signed() {
    std::uint64_t u = Varint();
    return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  std::string String() {
    std::uint64_t n = Varint();
    if (failed_ || n > d_.size() - pos_) {
      Fail();
      return {};
    }
    std::string s(d_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // A list length, bounded by the bytes left (every item takes at least one byte).
  std::uint64_t Count() {
    std::uint64_t n = Varint();
    if (n > d_.size() - pos_) return Fail();
    return n;
  }

 private:
  std::uint64_t Fail() {
    failed_ = true;
    pos_ = d_.size();
    return 0;
  }
  std::string_view d_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace

void EncodeStory(const Story& s, std::string* out) {
  out->push_back(static_cast<char>(kFormat));
  PutString(out, s.id);
  PutString(out, s.source);
  PutString(out, s.source_id);
  PutString(out, s.url);
  PutString(out, s.headline);
  PutString(out, s.summary);
  PutVarint(out, s.body.size());
  for (const Block& b : s.body) {
    PutVarint(out, static_cast<std::uint64_t>(b.kind));
    PutString(out, b.text);
  }
  PutVarint(out, s.bylines.size());
  for (const auto& b : s.bylines) PutString(out, b);
  PutString(out, s.dateline_place);
  PutVarint(out, s.contacts.size());
  for (const Contact& c : s.contacts) {
    PutString(out, c.role);
    PutString(out, c.name);
    PutString(out, c.place);
    PutString(out, c.email);
  }
  PutString(out, s.language);
  PutVarint(out, static_cast<std::uint64_t>(s.priority));
  PutVarint(out, s.tags.size());
  for (const Tag& t : s.tags) {
    PutString(out, t.field);
    PutString(out, t.value);
  }
  PutSigned(out, s.published_us);
  PutSigned(out, s.received_us);
  PutSigned(out, s.updated_us);
  PutVarint(out, s.version);
  PutVarint(out, s.seq);
  PutVarint(out, s.previous_seq);
}

Result<Story> DecodeStory(std::string_view data) {
  if (data.empty()) return Status::Corruption("empty story record");
  if (static_cast<unsigned char>(data[0]) != kFormat) {
    return Status::Corruption("unknown story record format " +
                              std::to_string(static_cast<unsigned char>(data[0])));
  }
  Reader r(data.substr(1));
  Story s;
  s.id = r.String();
  s.source = r.String();
  s.source_id = r.String();
  s.url = r.String();
  s.headline = r.String();
  s.summary = r.String();
  for (std::uint64_t n = r.Count(), i = 0; i < n && !r.failed(); ++i) {
    Block b;
    std::uint64_t kind = r.Varint();
    if (kind > 1) return Status::Corruption("bad block kind in story record");
    b.kind = static_cast<Block::Kind>(kind);
    b.text = r.String();
    s.body.push_back(std::move(b));
  }
  for (std::uint64_t n = r.Count(), i = 0; i < n && !r.failed(); ++i) {
    s.bylines.push_back(r.String());
  }
  s.dateline_place = r.String();
  for (std::uint64_t n = r.Count(), i = 0; i < n && !r.failed(); ++i) {
    Contact c;
    c.role = r.String();
    c.name = r.String();
    c.place = r.String();
    c.email = r.String();
    s.contacts.push_back(std::move(c));
  }
  s.language = r.String();
  std::uint64_t prio = r.Varint();
  if (prio > 2) return Status::Corruption("bad priority in story record");
  s.priority = static_cast<Priority>(prio);
  for (std::uint64_t n = r.Count(), i = 0; i < n && !r.failed(); ++i) {
    Tag t;
    t.field = r.String();
    t.value = r.String();
    s.tags.push_back(std::move(t));
  }
  s.published_us = r.Signed();
  s.received_us = r.Signed();
  s.updated_us = r.Signed();
  std::uint64_t version = r.Varint();
  s.seq = r.Varint();
  s.previous_seq = r.Varint();
  if (r.failed()) return Status::Corruption("truncated story record");
  if (!r.done()) return Status::Corruption("trailing bytes after story record");
  if (version > UINT32_MAX) return Status::Corruption("bad version in story record");
  s.version = static_cast<std::uint32_t>(version);
  return s;
}

}  // namespace dateline
