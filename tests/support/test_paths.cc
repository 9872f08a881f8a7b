#include "tests/support/test_paths.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace kb::testing {

std::string VectorPath(const std::string& name) {
  return std::string(KB_TEST_VECTORS_DIR) + "/" + name;
}

Bytes ReadVector(const std::string& name) {
  std::ifstream in(VectorPath(name), std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read vector %s\n", name.c_str());
    std::abort();
  }
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string MakeTempDir() {
  char templ[] = "/tmp/kbtest.XXXXXX";
  if (mkdtemp(templ) == nullptr) std::abort();
  return templ;
}

}  // namespace kb::testing
