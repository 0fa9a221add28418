// IPv4/IPv6 addresses and CIDR blocks for allow lists (and, later, ban lists).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drawbridge::core {

struct IpAddress {
    // IPv4 is held as an IPv4-mapped IPv6 address so that one comparison serves both.
    std::array<std::uint8_t, 16> bytes{};
    bool v4 = false;

    static std::optional<IpAddress> parse(std::string_view text);
    std::string to_string() const;
    bool is_loopback() const;
    bool is_private() const;  // RFC 1918, RFC 4193, link-local, loopback
};

struct Cidr {
    IpAddress network;
    int prefix = 0;  // in the address's own family (0-32 for IPv4, 0-128 for IPv6)

    // "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128).
    static std::optional<Cidr> parse(std::string_view text);
    bool contains(const IpAddress& a) const;
    std::string to_string() const;
};

// Parses a list of CIDRs; on the first bad entry returns an error naming it.
struct CidrList {
    std::vector<Cidr> entries;
    bool contains(const IpAddress& a) const;
};
std::optional<CidrList> parse_cidr_list(const std::vector<std::string>& items, std::string* error);

// Splits "a, b,c" (commas and/or whitespace) into trimmed non-empty items.
std::vector<std::string> split_list(std::string_view text);
std::string join_list(const std::vector<std::string>& items);

}  // namespace drawbridge::core
