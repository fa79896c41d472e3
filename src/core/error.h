// Expected failures as values: validation, not found, conflict... carried to the edge of the
// program and rendered there (problem+json, an inline form error, a CLI message).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace kanri {

enum class ErrorKind {
  bad_request,            // malformed input: JSON syntax, encoding, unknown query parameter
  unauthorized,           // no or invalid credentials
  forbidden,              // authenticated but not allowed
  not_found,              // no such record (or not visible to the principal)
  conflict,               // the record's state forbids the action
  precondition_failed,    // stale version (If-Match)
  precondition_required,  // If-Match missing where required
  too_large,              // body over the configured limit
  too_many_requests,      // throttled; args["seconds"] says how long to wait
  invalid,                // well-formed but fails validation; see fields
  unavailable,            // the database is not reachable
  internal,
};

// Message arguments: {name} placeholders in the catalogue text are replaced by these.
using MessageArgs = std::map<std::string, std::string>;

// One problem with one input field. `code` is a message-catalogue key ("field.required").
struct FieldError {
  std::string field;
  std::string code;
  MessageArgs args;
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string code;  // message-catalogue key for the detail ("record.not_found")
  MessageArgs args;
  std::vector<FieldError> fields;

  static Error of(ErrorKind kind, std::string code, MessageArgs args = {}) {
    return Error{kind, std::move(code), std::move(args), {}};
  }
  static Error invalid(std::vector<FieldError> fields) {
    return Error{ErrorKind::invalid, "record.invalid", {}, std::move(fields)};
  }
};

// Either a T or an Error. Cheap to return; test with ok() before value().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace kanri
