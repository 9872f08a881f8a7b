#include "cli/admin_output.h"

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>
#include <vector>

namespace kb::cli {
namespace {

namespace json = boost::json;

std::string Cell(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "-";
  if (v.is_array()) {
    std::string out;
    for (const json::value& item : v.as_array()) {
      if (!out.empty()) out += ',';  // not `"," + Cell()`: GCC 12 -O2 false -Wrestrict
      out += Cell(item);
    }
    return out.empty() ? "-" : out;
  }
  return json::serialize(v);
}

bool Bulky(std::string_view key) {
  return key == "source" || key == "pcrs" || key == "hash" || key == "evidence_sha256" ||
         key == "claims_sha256" || key == "spki_sha256";
}

// Columns: the members of the first row, in order, except bulky ones and those empty in every
// row (--json shows everything).
std::vector<std::string> Columns(const json::array& rows) {
  std::vector<std::string> columns;
  for (const auto& member : rows.front().as_object()) {
    std::string_view key = member.key();
    if (Bulky(key) || member.value().is_object()) continue;
    bool empty = std::all_of(rows.begin(), rows.end(), [&](const json::value& row) {
      const json::value* v = row.is_object() ? row.as_object().if_contains(key) : nullptr;
      return v == nullptr || (v->is_string() && v->as_string().empty());
    });
    if (!empty) columns.emplace_back(key);
  }
  return columns;
}

std::string Table(const json::array& rows) {
  if (rows.empty() || !rows.front().is_object()) return "(none)\n";
  std::vector<std::string> columns = Columns(rows);
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> widths;
  for (const auto& c : columns) widths.push_back(c.size());
  for (const json::value& row : rows) {
    std::vector<std::string> line;
    for (size_t i = 0; i < columns.size(); ++i) {
      const json::value* v = row.is_object() ? row.as_object().if_contains(columns[i]) : nullptr;
      line.push_back(v ? Cell(*v) : "-");
      widths[i] = std::max(widths[i], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  std::ostringstream out;
  auto print = [&](const std::vector<std::string>& line) {
    for (size_t i = 0; i < line.size(); ++i) {
      out << line[i];
      if (i + 1 < line.size()) out << std::string(widths[i] - line[i].size() + 2, ' ');
    }
    out << '\n';
  };
  std::vector<std::string> header;
  for (const auto& c : columns) {
    std::string upper = c;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    header.push_back(upper);
  }
  print(header);
  for (const auto& line : cells) print(line);
  return out.str();
}

}  // namespace

std::string FormatForPeople(const json::object& answer) {
  std::ostringstream out;
  const json::array* table = nullptr;
  for (const auto& [key, value] : answer) {
    if (value.is_array() && (value.as_array().empty() || value.as_array().front().is_object())) {
      if (table == nullptr) table = &value.as_array();
    } else if (value.is_object()) {
      for (const auto& [k, v] : value.as_object()) {
        out << std::string(key) << "." << std::string(k) << ": " << Cell(v) << '\n';
      }
    } else {
      out << std::string(key) << ": " << Cell(value) << '\n';
    }
  }
  if (table != nullptr) out << Table(*table);
  return out.str();
}

}  // namespace kb::cli
