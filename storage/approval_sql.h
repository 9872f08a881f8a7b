#pragma once

// The SQL of every approval kind, shared by SqliteApprovalStore and PgApprovalStore: how to tell
// whether a subject is pending, what makes it effective, and which subjects are pending. Written
// with SQLite's ?N placeholders in SQL that SQLite and PostgreSQL both accept; PgApprovalStore
// turns ?N into $N.

#include <array>
#include <span>
#include <string>

#include "storage/approval_store.h"

namespace kb::storage {

// What an approval store needs to know about one kind of subject. Every statement binds ?1 = name
// and ?2 = version, and may ignore either.
struct ApprovalKindSql {
  ApprovalKind kind;
  const char* name;
  // One row: "pending", another state word ("active", "revoked", ...), or NULL when the subject
  // does not exist.
  const char* state;
  // Run in order when the quorum is reached.
  std::array<const char*, 4> activate;
  // Every pending subject: (name, version). ?1 = the quorum, where a statement uses it.
  const char* pending;
};

// Every kind, one entry each, in the order of ApprovalKind.
std::span<const ApprovalKindSql> ApprovalKindsSql();
const ApprovalKindSql& ApprovalSqlFor(ApprovalKind kind);
// "policy prod version 3", "ak ak:ab12...": for messages and audit reasons.
std::string DescribeApprovalSubject(const ApprovalSubject& subject);

}  // namespace kb::storage
