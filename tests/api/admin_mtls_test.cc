// Admins authenticated by client certificates (mutual TLS): a certificate from the configured
// admin client CA whose subject CN names the principal, and whose key is bound to that principal
// by an approved binding; the attestation endpoints stay open to clients without a certificate.
// Issue 16: whoever runs the client CA can write any name into a CN, so a binding made for
// another principal waits for the quorum of admins, like a token.

#include <fstream>
#include <map>

#include "tests/support/admin_server.h"
#include "tests/support/cli_runner.h"

namespace kb::api {
namespace {

using std::chrono::hours;

constexpr char kCerts[] = "/v1/admin/client-certificates";

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
    AddPrincipal("mallory", {"admin"});  // runs the client CA, and wants to act as someone else
  }
  // A client certificate for `cn` issued by `ca`, written as <name>.pem / <name>-key.pem. With
  // `key_of`, it carries the key of that earlier certificate instead of a new one.
  std::string Issue(const std::string& name, const std::string& cn, const broker::BuiltCert& ca,
                    const std::string& key_of = "") {
    Time now = SystemClock().Now();
    auto cert = broker::BuildCertificate(
        {cn, false, -1, now - hours(1), now + hours(1), broker::KeyType::kP256}, &ca);
    EXPECT_TRUE(cert);
    if (!key_of.empty()) {
      EVP_PKEY* key = certs_.at(key_of).key.get();
      EXPECT_EQ(X509_set_pubkey(cert->cert.get(), key), 1);
      EXPECT_GT(X509_sign(cert->cert.get(), ca.key.get(), EVP_sha384()), 0);
      EXPECT_EQ(EVP_PKEY_up_ref(key), 1);
      cert->key.reset(key);
    }
    std::ofstream(certs_dir_ + "/" + name + ".pem") << cert->CertPem();
    std::ofstream(certs_dir_ + "/" + name + "-key.pem") << cert->KeyPem();
    certs_[name] = std::move(*cert);
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
  // The principal a certificate authenticates as, or the error code.
  std::string WhoAmI(const std::string& cert) {
    auto r = CallWithCert(cert, "GET", "/v1/admin/whoami");
    if (!r) return "tls: " + r.error().message;
    auto j = Json(*r);
    return r->status == 200 ? std::string(j["principal"].as_string()) : Code(*r);
  }
  // `who` binds the certificate written as <path>.pem to `principal`.
  HttpResponse Bind(const std::string& who, const std::string& principal, const std::string& path) {
    std::ifstream in(path + ".pem");
    std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return Call(who, "POST", "/v1/admin/principals/" + principal + "/client-certificates",
                boost::json::serialize(boost::json::object{{"certificate", pem}}));
  }
  static bool Effective(const HttpResponse& r) {
    auto j = Json(r);
    return j.contains("approval") && j["approval"].as_object().at("effective") == true;
  }
  static std::string Id(const HttpResponse& r) {
    auto j = Json(r);
    return j.contains("id") ? std::string(j["id"].as_string()) : "";
  }
  // A binding for `principal` made by admin and approved by admin2.
  void BindApproved(const std::string& principal, const std::string& path) {
    auto bound = Bind("admin", principal, path);
    ASSERT_EQ(bound.status, 201) << bound.body;
    auto approved = Call("admin2", "POST", std::string(kCerts) + "/" + Id(bound) + "/approve");
    ASSERT_TRUE(Effective(approved)) << approved.body;
  }

  broker::BuiltCert trusted_ca_, other_ca_;
  std::map<std::string, broker::BuiltCert> certs_;
  std::string certs_dir_;
};

TEST_F(AdminMtlsTest, ABoundCertificateFromTheAdminCaNamesThePrincipal) {
  std::string auditor = Issue("auditor", "auditor", trusted_ca_);
  ASSERT_TRUE(Effective(Bind("auditor", "auditor", auditor)));
  EXPECT_EQ(WhoAmI(auditor), "auditor");
  auto write = CallWithCert(auditor, "POST", "/v1/admin/keys");
  ASSERT_TRUE(write);
  EXPECT_EQ(Code(*write), "forbidden");
  // A token, when sent, is what counts.
  auto both = CallWithCert(auditor, "GET", "/v1/admin/whoami", tokens_["admin"]);
  ASSERT_TRUE(both);
  EXPECT_EQ(Json(*both)["principal"], "admin");
}

TEST_F(AdminMtlsTest, UnknownPrincipalsAndForeignCertificatesAreRefused) {
  std::string nobody = Issue("nobody", "nobody", trusted_ca_);
  EXPECT_EQ(Code(Bind("admin", "nobody", nobody)), "not_found");
  EXPECT_EQ(WhoAmI(nobody), "unauthorized");
  // A binding does not stand in for the CA: a certificate from another CA fails the handshake.
  std::string foreign = Issue("foreign", "admin", other_ca_);
  ASSERT_TRUE(Effective(Bind("admin", "admin", foreign)));
  auto refused = CallWithCert(foreign, "GET", "/v1/admin/whoami");
  EXPECT_TRUE(!refused || refused->status == 0) << "a foreign certificate was accepted";
  // Without a certificate: admin calls need a token; attestation endpoints stay open.
  EXPECT_EQ(Code(Call("", "GET", "/v1/admin/whoami")), "unauthorized");
  EXPECT_EQ(Call("", "POST", "/v1/challenge").status, 200);
  EXPECT_EQ(Call("admin", "GET", "/v1/admin/whoami").status, 200);
}

// The attack the review found: Mallory runs the client CA, issues herself a certificate with
// CN=approver and approves a pending reference as the approver, alone. Unbound, it is nobody.
TEST_F(AdminMtlsTest, ACertificateFromTheAdminCaAloneAuthenticatesNobody) {
  auto created = Call("policy-author", "POST", "/v1/admin/references?name=r@1", NitroCliJson());
  ASSERT_EQ(created.status, 201) << created.body;
  std::string forged = Issue("forged", "approver", trusted_ca_);
  EXPECT_EQ(WhoAmI(forged), "unauthorized");
  auto approve = CallWithCert(forged, "POST", "/v1/admin/references/r@1/approve");
  ASSERT_TRUE(approve);
  EXPECT_EQ(Code(*approve), "unauthorized");
  auto pending = Json(Call("auditor", "GET", "/v1/admin/pending"))["pending"].as_array();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].as_object().at("approvals"), boost::json::array{"policy-author"});
}

// Mallory binds her certificate for the approver: it waits for a second admin, like a token.
TEST_F(AdminMtlsTest, ABindingForAnotherPrincipalWaitsForASecondAdmin) {
  std::string approver = Issue("approver", "approver", trusted_ca_);
  auto bound = Bind("mallory", "approver", approver);
  ASSERT_EQ(bound.status, 201) << bound.body;
  EXPECT_FALSE(Effective(bound));
  std::string id = Id(bound);
  EXPECT_EQ(id, "cert:" + std::string(Json(bound)["spki_sha256"].as_string()));
  EXPECT_EQ(WhoAmI(approver), "unauthorized");
  EXPECT_EQ(Call("mallory", "POST", std::string(kCerts) + "/" + id + "/approve").status, 409);
  EXPECT_EQ(Code(Call("approver", "POST", std::string(kCerts) + "/" + id + "/approve")),
            "forbidden");  // approvals of identity are for admins
  auto pending = Json(Call("auditor", "GET", "/v1/admin/pending"))["pending"].as_array();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].as_object().at("kind"), "client-cert");
  EXPECT_EQ(WhoAmI(approver), "unauthorized");
  ASSERT_TRUE(Effective(Call("admin2", "POST", std::string(kCerts) + "/" + id + "/approve")));
  EXPECT_EQ(WhoAmI(approver), "approver");
  // Another key under the same CN (the CA holder's own certificate) is still nobody.
  std::string again = Issue("again", "approver", trusted_ca_);
  EXPECT_EQ(WhoAmI(again), "unauthorized");
}

// Mallory's own key, bound to herself (immediate), in a certificate that names the approver:
// the binding names Mallory, so it does not make her the approver.
TEST_F(AdminMtlsTest, AKeyBoundToOnePrincipalDoesNotAuthenticateAnother) {
  std::string own = Issue("mallory", "mallory", trusted_ca_);
  ASSERT_TRUE(Effective(Bind("mallory", "mallory", own)));
  EXPECT_EQ(WhoAmI(own), "mallory");
  std::string renamed = Issue("renamed", "approver", trusted_ca_, "mallory");
  EXPECT_EQ(WhoAmI(renamed), "unauthorized");
  // Nor can the key be bound a second time, to anyone.
  EXPECT_EQ(Bind("admin", "approver", renamed).status, 409);
}

TEST_F(AdminMtlsTest, ARevokedBindingStopsAtOnce) {
  std::string approver = Issue("approver", "approver", trusted_ca_);
  BindApproved("approver", approver);
  std::string auditor = Issue("auditor", "auditor", trusted_ca_);
  std::string id = Id(Bind("auditor", "auditor", auditor));
  ASSERT_EQ(WhoAmI(auditor), "auditor");
  std::string approver_id;
  auto list = Json(Call("auditor", "GET", kCerts))["client_certificates"].as_array();
  ASSERT_EQ(list.size(), 2u);
  for (const auto& row : list) {
    if (row.as_object().at("principal") == "approver") {
      approver_id = std::string(row.as_object().at("id").as_string());
    }
  }
  ASSERT_FALSE(approver_id.empty());
  // Only its own principal or an admin may revoke a binding; either takes effect at once.
  EXPECT_EQ(Code(Call("auditor", "POST", std::string(kCerts) + "/" + approver_id + "/revoke")),
            "forbidden");
  EXPECT_EQ(WhoAmI(approver), "approver");
  ASSERT_EQ(Call("admin", "POST", std::string(kCerts) + "/" + approver_id + "/revoke").status, 200);
  EXPECT_EQ(WhoAmI(approver), "unauthorized");
  ASSERT_EQ(Call("auditor", "POST", std::string(kCerts) + "/" + id + "/revoke").status, 200);
  EXPECT_EQ(WhoAmI(auditor), "unauthorized");
  // A revoked binding cannot be approved back, nor its key bound again.
  EXPECT_EQ(Call("admin", "POST", std::string(kCerts) + "/" + approver_id + "/approve").status,
            409);
  EXPECT_EQ(Bind("approver", "approver", approver).status, 409);
}

TEST_F(AdminMtlsTest, OwnBindingsAreImmediateAndOnlyForCertificatesNamingTheCaller) {
  std::string auditor = Issue("auditor", "auditor", trusted_ca_);
  std::string approver = Issue("approver", "approver", trusted_ca_);
  EXPECT_EQ(Code(Bind("auditor", "approver", approver)), "forbidden");         // not its own
  EXPECT_EQ(Code(Bind("auditor", "auditor", approver)), "malformed_request");  // CN differs
  EXPECT_EQ(WhoAmI(approver), "unauthorized");
  // One certificate and nothing else.
  EXPECT_EQ(Code(Call("auditor", "POST", "/v1/admin/principals/auditor/client-certificates",
                      boost::json::serialize(boost::json::object{
                          {"certificate", certs_["auditor"].CertPem() + trusted_ca_.CertPem()}}))),
            "malformed_request");
  EXPECT_EQ(Code(Call("auditor", "POST", "/v1/admin/principals/auditor/client-certificates",
                      boost::json::serialize(
                          boost::json::object{{"certificate", certs_["auditor"].KeyPem()}}))),
            "malformed_request");
  // A subject with two CNs names nobody unambiguously.
  X509_NAME* subject = X509_get_subject_name(certs_["auditor"].cert.get());
  ASSERT_EQ(
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("approver"), -1, -1, 0),
      1);
  ASSERT_GT(X509_sign(certs_["auditor"].cert.get(), trusted_ca_.key.get(), EVP_sha384()), 0);
  EXPECT_EQ(Code(Call("auditor", "POST", "/v1/admin/principals/auditor/client-certificates",
                      boost::json::serialize(
                          boost::json::object{{"certificate", certs_["auditor"].CertPem()}}))),
            "malformed_request");
  auto own = Bind("auditor", "auditor", auditor);
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_TRUE(Effective(own));
  EXPECT_EQ(WhoAmI(auditor), "auditor");
}

TEST_F(AdminMtlsTest, ADisabledPrincipalsCertificateIsRefused) {
  std::string approver = Issue("approver", "approver", trusted_ca_);
  BindApproved("approver", approver);
  ASSERT_EQ(WhoAmI(approver), "approver");
  ASSERT_EQ(Call("admin", "POST", "/v1/admin/principals/approver/disable").status, 200);
  EXPECT_EQ(WhoAmI(approver), "unauthorized");
  auto list = Json(Call("auditor", "GET", kCerts))["client_certificates"].as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_FALSE(list[0].as_object().at("revoked_at").is_null());  // revoked with its principal
}

TEST_F(AdminMtlsTest, TheCliBindsListsApprovesAndRevokes) {
  std::string approver = Issue("approver", "approver", trusted_ca_);
  auto cli = [&](const std::string& who, const std::string& args) {
    return testing::Keybroker("admin " + args + " --json --url " + url_ + " --token " +
                              tokens_[who] + " --ca " + dir_ + "/cert.pem");
  };
  auto added = cli("admin", "client-certs add approver --file " + approver + ".pem");
  ASSERT_EQ(added.exit_code, 0) << added.out;
  std::string id(added.json()["id"].as_string());
  EXPECT_EQ(added.json()["approval"].as_object().at("effective"), false);
  auto listed = cli("auditor", "client-certs list");
  ASSERT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_EQ(listed.json()["client_certificates"].as_array().size(), 1u);
  ASSERT_EQ(cli("admin2", "client-certs approve " + id).exit_code, 0);
  EXPECT_EQ(WhoAmI(approver), "approver");
  ASSERT_EQ(cli("approver", "client-certs revoke " + id).exit_code, 0);
  EXPECT_EQ(WhoAmI(approver), "unauthorized");
  EXPECT_EQ(cli("admin", "client-certs add approver").exit_code, 2);  // --file missing
}

}  // namespace
}  // namespace kb::api
