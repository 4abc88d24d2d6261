#include "query/lexer.h"

namespace dateline::query {

namespace {

// Digits only, at most 7 of them (larger counts are out of every limit anyway).
std::int64_t ParseCount(std::string_view s) {
  if (s.empty()) return -1;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    if (v < 10000000) v = v * 10 + (c - '0');
  }
  return v;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Reads an unescaped bare word as an operator. kWord when it is a plain word.
TokenType Classify(std::string_view w, Kind* prox, std::int64_t* number) {
  if (w == "AND") return TokenType::kAnd;
  if (w == "OR") return TokenType::kOr;
  if (w == "NOT") return TokenType::kNot;
  if (w == "SAME") {
    *prox = Kind::kSame;
    *number = 0;
    return TokenType::kProximity;
  }
  if (w == "NEAR") {  // bare NEAR is NEAR/10 (docs/query-language.md)
    *prox = Kind::kNear;
    *number = 10;
    return TokenType::kProximity;
  }
  if (w.starts_with("NEAR/")) {  // anything after the slash must be a distance
    *prox = Kind::kNear;
    *number = ParseCount(w.substr(5));
    return TokenType::kProximity;
  }
  // W/n only with digits: "W/O" (without) stays a word.
  if (w.starts_with("W/") && AllDigits(w.substr(2))) {
    *prox = Kind::kWithin;
    *number = ParseCount(w.substr(2));
    return TokenType::kProximity;
  }
  if (w == "ATLEAST") {
    *number = -1;
    return TokenType::kAtLeast;
  }
  if (w.starts_with("ATLEAST") && AllDigits(w.substr(7))) {  // Factiva's atleast3
    *number = ParseCount(w.substr(7));
    return TokenType::kAtLeast;
  }
  return TokenType::kWord;
}

}  // namespace

bool IsQuerySpace(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

bool HasLetterOrDigit(std::string_view utf8) {
  for (char ch : utf8) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      return true;
    }
  }
  return false;
}

bool IsOperatorWord(std::string_view word) {
  Kind prox;
  std::int64_t number;
  return Classify(word, &prox, &number) != TokenType::kWord;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::vector<char32_t> DecodeUtf8(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

char32_t Lexer::At(std::size_t pos, std::size_t* len) const {
  const auto c = static_cast<unsigned char>(text_[pos]);
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  *len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  char32_t cp = *len == 2 ? (c & 0x1F) : *len == 3 ? (c & 0x0F) : (c & 0x07);
  for (std::size_t k = 1; k < *len; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(text_[pos + k]) & 0x3F);
  }
  return cp;
}

bool Lexer::SpaceAt(std::size_t pos) const {
  const auto c = static_cast<unsigned char>(text_[pos]);
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  std::size_t len;
  return IsQuerySpace(At(pos, &len));
}

void Lexer::Step() {
  const auto c = static_cast<unsigned char>(text_[pos_]);
  pos_ += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  ++column_;
}

bool Lexer::Next(Token* token, LexError* error) {
  // Reset without giving back the strings' memory.
  token->text.clear();
  token->words.clear();
  token->escaped = token->prefix = token->exclusive_from = token->exclusive_to = false;
  token->number = -1;
  const std::size_t n = text_.size();
  while (pos_ < n && SpaceAt(pos_)) Step();
  token->column = column_;
  const bool value_mode = value_mode_;
  value_mode_ = false;
  if (pos_ >= n) {
    token->type = TokenType::kEnd;
    return true;
  }
  const char c = text_[pos_];
  if (c == '(' || c == ')') {
    token->type = c == '(' ? TokenType::kLParen : TokenType::kRParen;
    Step();
    return true;
  }
  if (c == '"') return LexQuoted(token, error);
  if (c == '[' || c == '{') return LexRange(token, error);
  // A leading + or - is an operator when something follows it; "a - b" has a word "-".
  if (!value_mode && (c == '+' || c == '-') && pos_ + 1 < n && !SpaceAt(pos_ + 1)) {
    token->type = c == '+' ? TokenType::kPlus : TokenType::kMinus;
    Step();
    return true;
  }
  return LexWord(token, error, value_mode);
}

bool Lexer::LexQuoted(Token* token, LexError* error) {
  const std::uint32_t open_column = column_;
  token->type = TokenType::kQuoted;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) token->words.push_back(std::move(word));
    word.clear();
  };
  Step();
  for (;;) {
    if (pos_ >= text_.size()) {
      *error = {open_column, "unclosed_quote", "the quote opened here is not closed"};
      return false;
    }
    const char c = text_[pos_];
    if (c == '"') {
      Step();
      break;
    }
    if (c == '\\') {
      Step();
      if (pos_ >= text_.size()) continue;  // reported as unclosed on the next turn
    }
    // Whitespace always separates words inside quotes, escaped or not, so a phrase word
    // never holds a space and the printed phrase reads back the same.
    const std::size_t at = pos_;
    const bool space = SpaceAt(at);
    Step();
    if (space) {
      flush();
    } else {
      word.append(text_.substr(at, pos_ - at));
    }
  }
  flush();
  return true;
}

bool Lexer::LexRange(Token* token, LexError* error) {
  const std::uint32_t open_column = column_;
  token->type = TokenType::kRange;
  token->exclusive_from = text_[pos_] == '{';
  Step();
  std::vector<std::pair<std::string, std::uint32_t>> parts;
  for (;;) {
    if (pos_ >= text_.size()) {
      *error = {open_column, "bad_range", "the range opened here is not closed by ']' or '}'"};
      return false;
    }
    const char c = text_[pos_];
    if (c == ']' || c == '}') {
      token->exclusive_to = c == '}';
      Step();
      break;
    }
    if (SpaceAt(pos_)) {
      Step();
      continue;
    }
    std::pair<std::string, std::uint32_t> part{{}, column_};
    const std::size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != ']' && text_[pos_] != '}' && !SpaceAt(pos_)) {
      Step();
    }
    part.first.assign(text_.substr(begin, pos_ - begin));
    parts.push_back(std::move(part));
  }
  if (parts.size() != 3 || parts[1].first != "TO") {
    *error = {open_column, "bad_range", "expected a range such as [2013-11-01 TO 2013-11-03]"};
    return false;
  }
  token->from = std::move(parts[0].first);
  token->from_column = parts[0].second;
  token->to = std::move(parts[2].first);
  token->to_column = parts[2].second;
  return true;
}

bool Lexer::LexWord(Token* token, LexError* error, bool value_mode) {
  const std::size_t n = text_.size();
  std::string& word = token->text;
  std::size_t run = pos_;             // start of the bytes not yet copied into `word`
  std::size_t stars = 0;
  std::uint32_t first_star = 0;       // column of the first unescaped '*'
  bool ends_with_star = false;        // the last character read was an unescaped '*'
  auto flush = [&] { word.append(text_.substr(run, pos_ - run)); };
  while (pos_ < n) {
    const char c = text_[pos_];
    if (c == '\\') {
      flush();
      const std::uint32_t column = column_;
      Step();
      if (pos_ >= n) {
        *error = {column, "syntax", "nothing to escape after '\\'"};
        return false;
      }
      run = pos_;
      Step();
      token->escaped = true;
      ends_with_star = false;
      continue;
    }
    if (c == '(' || c == ')' || c == '"' || SpaceAt(pos_)) break;
    if (c == ':' && !value_mode) {
      flush();
      if (word.empty()) {
        *error = {column_, "syntax", "expected a field name before ':'"};
        return false;
      }
      token->type = TokenType::kField;
      Step();
      return true;
    }
    if (c == '*') {
      if (stars++ == 0) first_star = column_;
      ends_with_star = true;
    } else {
      ends_with_star = false;
    }
    Step();
  }
  flush();
  if (stars == 1 && ends_with_star && word == "*") {
    token->type = TokenType::kStar;
    return true;
  }
  if (stars > 0) {
    if (stars > 1 || !ends_with_star) {
      *error = {first_star, "bad_wildcard", "a wildcard may only end a word, as in infla*"};
      return false;
    }
    word.pop_back();
    token->prefix = true;
  }
  token->type = TokenType::kWord;
  if (!token->escaped && !token->prefix) {
    token->type = Classify(word, &token->prox, &token->number);
  }
  return true;
}

}  // namespace dateline::query
