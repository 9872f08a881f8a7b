#pragma once

// How `keybroker admin` shows an answer: the JSON as it came (--json, for scripts), or for
// people a table of the list in it (one row per item), or one "key: value" line per member.

#include <boost/json/object.hpp>
#include <string>

namespace kb::cli {

std::string FormatForPeople(const boost::json::object& answer);

}  // namespace kb::cli
