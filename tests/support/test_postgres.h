#pragma once

// The tests' PostgreSQL cluster (tests/support/postgres.sh), which CTest starts once for every
// test that needs it (the fixture `postgres`) and names in KB_TEST_PG_DIR. Each test works in a
// fresh schema of its own, so tests running at the same time never see each other's rows.

#include <string>

namespace kb::testing {

struct TestPostgres {
  std::string url;       // a libpq URI whose search_path is the fresh schema
  std::string password;  // the role's password (never in the URL)
  std::string dir;       // the cluster's directory (postgres.sh restart|kill DIR)
};

// Creates an empty schema in the cluster and returns how to reach it. Aborts the test program
// with a message saying how to start the cluster when KB_TEST_PG_DIR is not set.
TestPostgres FreshPostgresSchema();

}  // namespace kb::testing
