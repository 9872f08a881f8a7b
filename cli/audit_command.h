#pragma once

namespace kb::cli {

// keybroker audit verify --db FILE --kek FILE [--against SINK]
//   Checks the audit chain with the key derived from the KEK: {"ok", "rows", "head"} exit 0, or
//   {"ok": false, "rows", "broken_at", "reason"} exit 1 (also for a chain still in plain
//   SHA-256, and for one keyed under another KEK). With --against, also compares the chain
//   with the audit sink's file (storage/audit_anchor.h) under "against": {"file", "ok",
//   "lines", "superseded", "first_difference": {"seq", "line", "kind", "reason"},
//   "rows_not_in_file", "first_not_in_file"}; any difference makes "ok" false (exit 1), rows
//   not in the file do not.
int RunAudit(int argc, const char* const* argv);

}  // namespace kb::cli
