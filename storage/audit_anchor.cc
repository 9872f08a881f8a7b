#include "storage/audit_anchor.h"

#include <map>

#include "crypto/ct.h"
#include "storage/audit_sink.h"

namespace kb::storage {
namespace {

struct FileRow {
  AuditRecord record;
  uint64_t line = 0;
  bool in_database = false;
};

void Note(AnchorReport& report, AnchorDifference difference) {
  report.ok = false;
  const auto& first = report.first_difference;
  // A line that does not parse has no seq: it comes first (nothing after it can be trusted to
  // be complete).
  if (!first || (first->seq != 0 && difference.seq < first->seq)) {
    report.first_difference = std::move(difference);
  }
}

// Parses and authenticates every line; the last line for a seq wins.
Result<std::map<uint64_t, FileRow>> ReadLines(const AuditValueOf& value_of,
                                              std::span<const std::string> lines,
                                              AnchorReport& report) {
  std::map<uint64_t, FileRow> rows;
  for (size_t i = 0; i < lines.size(); ++i) {
    uint64_t number = i + 1;
    auto record = ParseAuditLine(lines[i]);
    if (!record) {
      Note(report, {0, number, "unreadable_line", record.error().message});
      continue;
    }
    auto mac = value_of(*record);
    if (!mac) return std::move(mac).error();
    if (!CtEqual(*mac, record->hash)) {
      Note(report, {record->seq, number, "forged_line",
                    "the line's MAC does not verify under this KEK's audit key"});
      continue;
    }
    auto [it, fresh] = rows.insert_or_assign(record->seq, FileRow{std::move(*record), number});
    if (!fresh) ++report.superseded;
  }
  report.lines = lines.size();
  return rows;
}

void CompareRow(const AuditRecord& row, FileRow& line, AnchorReport& report) {
  line.in_database = true;
  // Both carry valid MACs, but compare every field: their encodings must be identical.
  if (AuditLine(row) != AuditLine(line.record)) {
    Note(report, {row.seq, line.line, "changed",
                  "the database row differs from the file's line (fields or MAC)"});
  }
}

}  // namespace

Result<AnchorReport> CompareWithSinkLines(AuditLog& log, const AuditValueOf& value_of,
                                          std::span<const std::string> lines) {
  AnchorReport report;
  auto file = ReadLines(value_of, lines, report);
  if (!file) return std::move(file).error();
  constexpr size_t kBatch = 1000;
  uint64_t after = 0, last_seq = 0;
  while (true) {
    auto batch = log.Read(after, kBatch);
    if (!batch) return std::move(batch).error();
    for (const AuditRecord& row : *batch) {
      last_seq = row.seq;
      auto it = file->find(row.seq);
      if (it != file->end()) {
        CompareRow(row, it->second, report);
      } else if (report.rows_not_in_file++ == 0) {
        report.first_not_in_file = row.seq;
      }
    }
    if (batch->size() < kBatch) break;
    after = batch->back().seq;
  }
  for (const auto& [seq, line] : *file) {
    if (line.in_database) continue;
    bool cut_off = seq > last_seq;
    Note(report, {seq, line.line, cut_off ? "cut_off" : "missing",
                  cut_off ? "the database ends at seq " + std::to_string(last_seq) +
                                " but the file has this row"
                          : "the file has this row but the database does not"});
  }
  return report;
}

}  // namespace kb::storage
