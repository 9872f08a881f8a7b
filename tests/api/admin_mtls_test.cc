// Admins authenticated by client certificates (mutual TLS): the subject CN of a certificate
// from the configured admin client CA names the principal; the attestation endpoints stay open
// to clients without a certificate.

#include <fstream>

#include "tests/support/admin_server.h"

namespace kb::api {
namespace {

using std::chrono::hours;

class AdminMtlsTest : public testing::AdminServer {
 protected:
  void SetUp() override {
    std::string dir = testing::MakeTempDir();
    Time now = SystemClock().Now();
    trusted_ca_ = broker::BuildCertificate({"admin client CA", true, 0, now - hours(1),
                                            now + hours(1), broker::KeyType::kP256},
                                           nullptr)
                      .value();
    other_ca_ = broker::BuildCertificate(
                    {"another CA", true, 0, now - hours(1), now + hours(1), broker::KeyType::kP256},
                    nullptr)
                    .value();
    std::ofstream(dir + "/client-ca.pem") << trusted_ca_.CertPem();
    client_ca_file_ = dir + "/client-ca.pem";
    certs_dir_ = dir;
    AdminServer::SetUp();
  }
  // A client certificate for `cn` issued by `ca`, written as <name>.pem / <name>-key.pem.
  std::string Issue(const std::string& name, const std::string& cn, const broker::BuiltCert& ca) {
    Time now = SystemClock().Now();
    auto cert = broker::BuildCertificate(
        {cn, false, -1, now - hours(1), now + hours(1), broker::KeyType::kP256}, &ca);
    EXPECT_TRUE(cert);
    std::ofstream(certs_dir_ + "/" + name + ".pem") << cert->CertPem();
    std::ofstream(certs_dir_ + "/" + name + "-key.pem") << cert->KeyPem();
    return certs_dir_ + "/" + name;
  }
  Result<HttpResponse> CallWithCert(const std::string& cert, const std::string& method,
                                    const std::string& target, const std::string& token = "") {
    ClientOptions client{dir_ + "/cert.pem"};
    client.client_certificate_file = cert + ".pem";
    client.client_key_file = cert + "-key.pem";
    client.bearer_token = token;
    return HttpsRequest(url_, method, target, "", client);
  }

  broker::BuiltCert trusted_ca_, other_ca_;
  std::string certs_dir_;
};

TEST_F(AdminMtlsTest, ACertificateFromTheAdminCaNamesThePrincipal) {
  std::string auditor = Issue("auditor", "auditor", trusted_ca_);
  auto me = CallWithCert(auditor, "GET", "/v1/admin/whoami");
  ASSERT_TRUE(me) << me.error().message;
  EXPECT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(Json(*me)["principal"], "auditor");
  auto write = CallWithCert(auditor, "POST", "/v1/admin/keys");
  ASSERT_TRUE(write);
  EXPECT_EQ(Code(*write), "forbidden");
  // A token, when sent, is what counts.
  auto both = CallWithCert(auditor, "GET", "/v1/admin/whoami", tokens_["admin"]);
  ASSERT_TRUE(both);
  EXPECT_EQ(Json(*both)["principal"], "admin");
  // Disabling the principal stops its certificates too.
  ASSERT_EQ(Call("admin", "POST", "/v1/admin/principals/auditor/disable").status, 200);
  auto disabled = CallWithCert(auditor, "GET", "/v1/admin/whoami");
  ASSERT_TRUE(disabled);
  EXPECT_EQ(Code(*disabled), "unauthorized");
}

TEST_F(AdminMtlsTest, UnknownPrincipalsAndForeignCertificatesAreRefused) {
  auto nobody = CallWithCert(Issue("nobody", "nobody", trusted_ca_), "GET", "/v1/admin/whoami");
  ASSERT_TRUE(nobody);
  EXPECT_EQ(Code(*nobody), "unauthorized");
  auto foreign = CallWithCert(Issue("foreign", "admin", other_ca_), "GET", "/v1/admin/whoami");
  EXPECT_TRUE(!foreign || foreign->status == 0) << "a foreign certificate was accepted";
  // Without a certificate: admin calls need a token; attestation endpoints stay open.
  EXPECT_EQ(Code(Call("", "GET", "/v1/admin/whoami")), "unauthorized");
  EXPECT_EQ(Call("", "POST", "/v1/challenge").status, 200);
  EXPECT_EQ(Call("admin", "GET", "/v1/admin/whoami").status, 200);
}

}  // namespace
}  // namespace kb::api
