#include "broker/evidence/cose_sign1.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "tests/support/test_paths.h"

namespace kb::broker {
namespace {

TEST(CoseSign1, SplitsARealDocument) {
  auto cose = ParseCoseSign1(testing::ReadVector("nitro/nitro-enclave-8.cbor"));
  ASSERT_TRUE(cose) << cose.error().message;
  EXPECT_EQ(HexEncode(cose->protected_header), "a1013822");
  EXPECT_EQ(cose->signature.size(), 96u);
  EXPECT_EQ(cose->payload[0], 0xbf);  // indefinite-length map
}

TEST(CoseSign1, SigStructureIsTheRfc9052Encoding) {
  CoseSign1 cose{{0xa1, 0x01, 0x38, 0x22}, Bytes(300, 0xaa), Bytes(96, 0)};
  Bytes s = SigStructure(cose);
  // array(4), text(10) "Signature1", bstr(4) protected, bstr(0) external_aad, bstr(300) payload
  EXPECT_EQ(HexEncode(ByteSpan(s).first(21)), "846a5369676e61747572653144a10138224059012c");
  EXPECT_EQ(s.size(), 1 + 11 + 5 + 1 + 3 + 300u);
}

TEST(CoseSign1, SmallPayloadUsesTheShortLengthForm) {
  CoseSign1 cose{{0xa0}, Bytes(23, 1), {}};
  Bytes s = SigStructure(cose);
  EXPECT_EQ(HexEncode(ByteSpan(s).subspan(12)), "41a04057" + HexEncode(Bytes(23, 1)));
}

TEST(CoseSign1, RejectsOversizedInputBeforeDecoding) {
  Bytes huge(kMaxDocumentSize + 1, 0x84);
  auto r = ParseCoseSign1(huge);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kMalformedEvidence);
}

}  // namespace
}  // namespace kb::broker
