#pragma once

// A SoftHSM2 token of its own in a temporary directory, for the PKCS#11 tests: SOFTHSM2_CONF
// points SoftHSM at it (read when the module is initialized), and softhsm2-util creates the
// token. The tests run the real Debian softhsm2 module.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace kb::testing {

inline std::string SoftHsmModule() {
  for (const char* path :
       {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"}) {
    if (::access(path, R_OK) == 0) return path;
  }
  return "";
}

class SoftHsmToken {
 public:
  static constexpr char kPin[] = "1234-test-pin";

  // Creates the directory and the token labelled `label`; check ok() before use.
  explicit SoftHsmToken(const std::string& label = "keybroker-test") : label_(label) {
    char tmpl[] = "/tmp/kb-softhsm-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return;
    dir_ = tmpl;
    std::filesystem::create_directory(dir_ + "/tokens");
    std::ofstream(dir_ + "/softhsm2.conf")
        << "directories.tokendir = " << dir_ << "/tokens\n"
        << "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n";
    ::setenv("SOFTHSM2_CONF", (dir_ + "/softhsm2.conf").c_str(), 1);
    std::string init = "softhsm2-util --init-token --free --label '" + label + "' --pin " + kPin +
                       " --so-pin 5678-test-so >/dev/null";
    ok_ = !SoftHsmModule().empty() && std::system(init.c_str()) == 0;
  }
  ~SoftHsmToken() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  SoftHsmToken(const SoftHsmToken&) = delete;
  SoftHsmToken& operator=(const SoftHsmToken&) = delete;

  bool ok() const { return ok_; }
  const std::string& label() const { return label_; }
  const std::string& dir() const { return dir_; }
  std::string conf() const { return dir_ + "/softhsm2.conf"; }

 private:
  std::string label_;
  std::string dir_;
  bool ok_ = false;
};

}  // namespace kb::testing
