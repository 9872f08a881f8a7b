#include "dev/dev_attester.h"

#include "dev/nitro_document_encoder.h"

namespace kb::broker {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

}  // namespace

Result<DevAttester::CaPem> DevAttester::GenerateCa(Time now) {
  auto root = BuildCertificate(
      {"keybroker development root", true, -1, now - hours(1), now + hours(24 * 3650)}, nullptr);
  if (!root) return std::move(root).error();
  auto intermediate = BuildCertificate(
      {"keybroker development intermediate", true, 0, now - hours(1), now + hours(24 * 365)},
      &*root);
  if (!intermediate) return std::move(intermediate).error();
  return CaPem{root->CertPem(), root->KeyPem(), intermediate->CertPem(), intermediate->KeyPem()};
}

Result<DevAttester> DevAttester::Load(const CaPem& ca) {
  auto root = LoadCertificate(ca.root_cert, ca.root_key);
  if (!root) return std::move(root).error();
  auto intermediate = LoadCertificate(ca.intermediate_cert, ca.intermediate_key);
  if (!intermediate) return std::move(intermediate).error();
  return DevAttester(std::move(*root), std::move(*intermediate));
}

Result<BuiltCert> DevAttester::IssueLeaf(const std::string& module_id, Time now) const {
  return BuildCertificate(
      {module_id + ".dev.keybroker", false, -1, now - seconds(3), now + hours(3)}, &intermediate_);
}

Result<Bytes> DevAttester::Attest(NitroDocument fields, const BuiltCert& leaf, Time now) const {
  fields.digest = "SHA384";
  fields.timestamp = now;
  fields.certificate = leaf.der;
  fields.cabundle = {root_.der, intermediate_.der};
  auto payload = EncodeNitroPayload(fields);
  if (!payload) return std::move(payload).error();
  return SignCoseSign1Es384(*payload, leaf.key.get());
}

Result<Bytes> DevAttester::Attest(NitroDocument fields, Time now) const {
  auto leaf = IssueLeaf(fields.module_id, now);
  if (!leaf) return std::move(leaf).error();
  return Attest(std::move(fields), *leaf, now);
}

}  // namespace kb::broker
