#include "tests/support/test_postgres.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "storage/pg/pg_connection.h"

namespace kb::testing {
namespace {

[[noreturn]] void Abort(const std::string& why) {
  std::fprintf(stderr, "%s\n", why.c_str());
  std::abort();
}

std::string ReadLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) Abort("cannot read " + path);
  return line;
}

}  // namespace

TestPostgres FreshPostgresSchema() {
  const char* dir = std::getenv("KB_TEST_PG_DIR");
  if (dir == nullptr || *dir == '\0') {
    Abort(
        "KB_TEST_PG_DIR is not set: run this test through ctest (fixture `postgres`), or start a "
        "cluster with `tests/support/postgres.sh start DIR` and set KB_TEST_PG_DIR=DIR");
  }
  TestPostgres pg{ReadLine(std::string(dir) + "/url"), ReadLine(std::string(dir) + "/password"),
                  dir};
  std::random_device random;
  std::ostringstream schema;
  schema << "kb_test_" << std::hex << random() << random();
  auto conn = storage::PgConnection::Connect(pg.url, pg.password);
  if (!conn) Abort(conn.error().message);
  std::string create = "CREATE SCHEMA " + schema.str();
  if (auto s = (*conn)->Run(create.c_str(), "create schema"); !s) Abort(s.error().message);
  pg.url += "?options=-csearch_path%3D" + schema.str();
  return pg;
}

}  // namespace kb::testing
