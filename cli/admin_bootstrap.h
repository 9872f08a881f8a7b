#pragma once

#include <boost/program_options/variables_map.hpp>

#include "common/clock.h"

namespace kb::cli {

// keybroker admin bootstrap --db FILE [--kek FILE] [--admins A,B,...] [--roles LIST] [--ttl D]: the
// ceremony that creates the first quorum, offline, since no admin exists yet to approve anyone:
// every named principal (default: one, "admin"; roles default to admin) with one token each,
// shown once and valid for --ttl (default 24h), since the one operator of the ceremony saw them
// all: each admin replaces its token with one of its own. Under approvals_required: N, name N
// admins: every later principal or credential
// for someone else needs N of them. Everything commits in one transaction with an audit row
// "admin.bootstrap" naming the principals and token ids. Refused once any principal exists. The
// KEK is needed once the audit chain is keyed (after the first `serve` or `keys create`).
int RunAdminBootstrap(const boost::program_options::variables_map& vm, const Clock& clock,
                      bool as_json);

}  // namespace kb::cli
