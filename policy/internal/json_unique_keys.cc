#include "policy/internal/json_unique_keys.h"

#include <boost/json/basic_parser_impl.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kb::policy::internal {
namespace {

using boost::system::error_code;

// A boost::json::basic_parser handler that keeps, per open object, the member names seen so far
// and stops at the first repeated one. Values themselves are not kept.
class UniqueKeysHandler {
 public:
  static constexpr size_t max_object_size = size_t(-1);
  static constexpr size_t max_array_size = size_t(-1);
  static constexpr size_t max_key_size = size_t(-1);
  static constexpr size_t max_string_size = size_t(-1);

  // The first repeated member name, if any.
  const std::optional<std::string>& duplicate() const { return duplicate_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    objects_.emplace_back();
    return true;
  }
  bool on_object_end(size_t, error_code&) {
    objects_.pop_back();
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(size_t, error_code&) { return true; }
  bool on_key_part(std::string_view part, size_t, error_code&) {
    key_.append(part);
    return true;
  }
  bool on_key(std::string_view part, size_t, error_code& ec) {
    key_.append(part);
    bool fresh = objects_.back().insert(key_).second;
    if (!fresh) {
      duplicate_ = key_;
      ec = boost::json::error::extra_data;  // any error stops the parse; duplicate_ says why
    }
    key_.clear();
    return fresh;
  }
  bool on_string_part(std::string_view, size_t, error_code&) { return true; }
  bool on_string(std::string_view, size_t, error_code&) { return true; }
  bool on_number_part(std::string_view, error_code&) { return true; }
  bool on_int64(int64_t, std::string_view, error_code&) { return true; }
  bool on_uint64(uint64_t, std::string_view, error_code&) { return true; }
  bool on_double(double, std::string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(std::string_view, error_code&) { return true; }
  bool on_comment(std::string_view, error_code&) { return true; }

 private:
  std::vector<std::set<std::string>> objects_;
  std::string key_;
  std::optional<std::string> duplicate_;
};

}  // namespace

Status CheckUniqueJsonKeys(std::string_view json) {
  boost::json::basic_parser<UniqueKeysHandler> parser(boost::json::parse_options{});
  error_code ec;
  parser.write_some(false, json.data(), json.size(), ec);
  if (const auto& duplicate = parser.handler().duplicate()) {
    return Error{ErrorCode::kMalformedRequest, "member \"" + *duplicate + "\" is given twice"};
  }
  if (ec) return Error{ErrorCode::kMalformedRequest, "not valid JSON: " + ec.message()};
  return Ok();
}

}  // namespace kb::policy::internal
