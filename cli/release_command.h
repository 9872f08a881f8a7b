#pragma once

namespace kb {
class Clock;
}

namespace kb::cli {

// keybroker challenge --url URL [--ca PEM]
//   Prints the server's {"nonce", "expires_at"}.
// keybroker release --url URL --key-id ID --out FILE [--ca PEM] [--format cms|rsa-oaep-256]
//                   (--dev-attest CA_DIR [--platform P] [--pcr N=HEX]...
//                    | --evidence FILE --private-key PEM)
//   With --dev-attest: challenge, a fresh RSA-2048 key, a development document carrying the
//   nonce and that key, release, unwrap; the key bytes go to FILE (mode 0600). With --evidence,
//   a document made elsewhere (its nonce from a prior `keybroker challenge`) and its private key.
//   Prints {"key_id", "key_version", "policy", "decision_id", "out"}; exit 1 with the server's
//   error JSON if it refuses.
int RunChallenge(int argc, const char* const* argv);
int RunRelease(int argc, const char* const* argv, const Clock& clock);

}  // namespace kb::cli
