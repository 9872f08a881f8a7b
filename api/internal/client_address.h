#pragma once

// The key under which a client is rate-limited: its IPv4 address (also when it arrives as an
// IPv4-mapped IPv6 address), or the /64 prefix of an IPv6 one, since a single host commonly
// holds a whole /64 and could otherwise rotate through it.

#include <boost/asio/ip/address.hpp>
#include <string>

namespace kb::api::internal {

std::string ClientAddressKey(const boost::asio::ip::address& address);

}  // namespace kb::api::internal
