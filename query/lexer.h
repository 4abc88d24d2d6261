// The query language's tokens (internal to query/). The parser pulls one token at a time, so the
// first problem from the left is the one reported, and a token is never looked at twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "query/ast.h"

namespace dateline::query {

enum class TokenType : std::uint8_t {
  kEnd,
  kWord,      // bare word; `prefix` when it ended in an unescaped '*'
  kQuoted,    // "…": `words` split on whitespace
  kStar,      // '*' alone
  kLParen,
  kRParen,
  kField,     // `name:`
  kRange,     // [a TO b] or {a TO b}, read whole
  kAnd,
  kOr,
  kNot,
  kPlus,      // leading '+'
  kMinus,     // leading '-'
  kProximity, // NEAR, NEAR/n, W/n, SAME: `prox` and `number`
  kAtLeast,   // ATLEAST (number 0: the count is the next word) or ATLEASTn
};

struct Token {
  TokenType type = TokenType::kEnd;
  std::uint32_t column = 0;   // 1-based, code points
  std::string text;           // kWord (unescaped, without a final wildcard), kField (name)
  std::vector<std::string> words;  // kQuoted
  bool escaped = false;       // kWord: some character was escaped with '\'
  bool prefix = false;        // kWord
  Kind prox = Kind::kNear;    // kProximity
  std::int64_t number = -1;   // kProximity distance, kAtLeast count; -1 when not a number
  bool exclusive_from = false, exclusive_to = false;  // kRange
  std::string from, to;       // kRange bounds as typed
  std::uint32_t from_column = 0, to_column = 0;
};

// A lexical error: the parser turns it into a ParseError.
struct LexError {
  std::uint32_t column = 0;
  std::string code;
  std::string detail;
};

class Lexer {
 public:
  // `text` must be valid UTF-8 and outlive the lexer.
  explicit Lexer(std::string_view text) : text_(text) {}

  // The next token, or false with `error` set.
  bool Next(Token* token, LexError* error);

  // Reads the next token as a keyword field's value: a colon or a leading + or - belongs to
  // the word (ticker:BRK:B, published:2013-11-01T09:30:00Z).
  void ReadNextAsValue() { value_mode_ = true; }

 private:
  // The code point at byte `pos` and its length in bytes.
  char32_t At(std::size_t pos, std::size_t* len) const;
  bool SpaceAt(std::size_t pos) const;
  void Step();  // past one code point
  bool LexQuoted(Token* token, LexError* error);
  bool LexRange(Token* token, LexError* error);
  bool LexWord(Token* token, LexError* error, bool value_mode);

  std::string_view text_;
  std::size_t pos_ = 0;         // byte offset
  std::uint32_t column_ = 1;    // code points before pos_, plus one
  bool value_mode_ = false;
};

// Lexical rules the printer needs too, so that what it prints reads back the same.
bool IsQuerySpace(char32_t c);
bool HasLetterOrDigit(std::string_view utf8);  // any non-ASCII code point counts as a letter
// A bare word the lexer would read as an operator (AND, NEAR/5, W/3, ATLEAST2, …).
bool IsOperatorWord(std::string_view word);
void AppendUtf8(char32_t c, std::string* out);
std::vector<char32_t> DecodeUtf8(std::string_view valid_utf8);

}  // namespace dateline::query
