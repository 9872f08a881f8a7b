#include "tests/support/swtpm_evidence.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/encoding.h"
#include "crypto/digest.h"
#include "tests/support/test_paths.h"

namespace kb::testing {
namespace {

Bytes ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

SwtpmQuote MakeSwtpmQuote(const std::string& pcrs, const std::string& selection, const Bytes& nonce,
                          const Bytes& public_key_der) {
  std::string dir = MakeTempDir();
  Bytes bound = nonce;
  bound.insert(bound.end(), public_key_der.begin(), public_key_der.end());
  std::string cmd = std::string(KB_TEST_SUPPORT_DIR) + "/swtpm_quote.sh " + dir + " ecc " + pcrs +
                    " " + HexEncode(Sha256(bound)) + " '' '" + selection + "' >/dev/null 2>&1";
  SwtpmQuote out;
  if (std::system(cmd.c_str()) != 0) {
    ADD_FAILURE() << "swtpm quote failed: " << cmd;
    std::system(("rm -rf " + dir).c_str());
    return out;
  }
  out.evidence = {{"type", "tpm2-quote"},
                  {"quote", Base64Encode(ReadFileBytes(dir + "/quote.msg"))},
                  {"signature", Base64Encode(ReadFileBytes(dir + "/quote.sig"))},
                  {"public_key", Base64Encode(public_key_der)},
                  {"nonce", HexEncode(nonce)}};
  out.ak_tpm2b = ReadFileBytes(dir + "/ak.pub");
  std::stringstream list(pcrs);
  for (std::string n; std::getline(list, n, ',');) {
    Bytes hex = ReadFileBytes(dir + "/pcr" + n + ".hex");
    out.pcr_hex[std::stoi(n)] = std::string(hex.begin(), hex.begin() + 64);
  }
  std::system(("rm -rf " + dir).c_str());
  return out;
}

boost::json::object Sha256Pcrs(const std::map<int, std::string>& values) {
  boost::json::object bank;
  for (const auto& [n, hex] : values) bank[std::to_string(n)] = hex;
  return {{"sha256", bank}};
}

}  // namespace kb::testing
