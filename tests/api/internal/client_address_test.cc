#include "api/internal/client_address.h"

#include <gtest/gtest.h>

namespace kb::api::internal {
namespace {

std::string Key(const char* text) { return ClientAddressKey(boost::asio::ip::make_address(text)); }

TEST(ClientAddressKey, IsTheIpv4AddressOrTheIpv6Slash64) {
  EXPECT_EQ(Key("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(Key("::ffff:192.0.2.7"), "192.0.2.7");  // a dual-stack socket's IPv4 client
  EXPECT_EQ(Key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(Key("2001:db8:1:2::1"), Key("2001:db8:1:2:ffff::9"));  // one host, one budget
  EXPECT_NE(Key("2001:db8:1:2::1"), Key("2001:db8:1:3::1"));
  EXPECT_EQ(Key("::1"), "::/64");
}

}  // namespace
}  // namespace kb::api::internal
