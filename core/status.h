// Status and Result<T>: errors as values at every boundary that can fail.
//
// A Status is cheap on success (no allocation) and carries a code, a human-readable message and,
// for input errors, the name of the offending field. Callers test it with predicates
// (`ok()`, `code() == StatusCode::kNotFound`). HTTP statuses and WebSocket close codes are mapped
// from StatusCode in exactly one place, server/error_mapping.cc.
#pragma once

#include <cassert>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dateline {

enum class StatusCode : unsigned char {
  kOk = 0,
  kInvalidArgument,   // malformed input: bad JSON, missing field, bad value
  kNotFound,          // the thing asked for does not exist (or is not visible to the caller)
  kAlreadyExists,
  kTooLarge,          // input above a configured size limit
  kUnsupported,       // e.g. a content type or format the endpoint does not take
  kInvalidUtf8,       // text that is not valid UTF-8
  kCorruption,        // stored data failed a checksum or could not be decoded
  kIOError,           // the operating system refused a read, write or sync
  kUnavailable,       // the service cannot take the request now (shutting down, log failed)
  kPermissionDenied,  // the caller is known but may not do this
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string field = {})
      : rep_(code == StatusCode::kOk ? nullptr
                                     : std::make_shared<Rep>(Rep{code, std::move(message),
                                                                 std::move(field)})) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string msg, std::string field = {}) {
    return {StatusCode::kInvalidArgument, std::move(msg), std::move(field)};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status TooLarge(std::string msg, std::string field = {}) {
    return {StatusCode::kTooLarge, std::move(msg), std::move(field)};
  }
  static Status Unsupported(std::string msg) { return {StatusCode::kUnsupported, std::move(msg)}; }
  static Status InvalidUtf8(std::string msg, std::string field = {}) {
    return {StatusCode::kInvalidUtf8, std::move(msg), std::move(field)};
  }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  const std::string& message() const { return rep_ ? rep_->message : Empty(); }
  const std::string& field() const { return rep_ ? rep_->field : Empty(); }

  // "corruption: bad checksum in segment 3 at offset 120"
  std::string ToString() const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    std::string field;
  };
  static const std::string& Empty();
  std::shared_ptr<const Rep> rep_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace dateline
