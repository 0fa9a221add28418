#include "core/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace drawbridge::core {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool prefix_matches(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                    int bits) {
    int i = 0;
    for (; bits >= 8; bits -= 8, ++i)
        if (a[i] != b[i]) return false;
    if (bits == 0) return true;
    const std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - bits));
    return (a[i] & mask) == (b[i] & mask);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    std::string s(trim(text));
    // "[::1]" is how URLs and logs often write IPv6.
    if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    IpAddress a;
    in_addr v4{};
    if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        std::memcpy(a.bytes.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size());
        std::memcpy(a.bytes.data() + 12, &v4, 4);
        a.v4 = true;
        return a;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
        std::memcpy(a.bytes.data(), &v6, 16);
        // A v4-mapped IPv6 address (as dual-stack sockets report IPv4 peers) is an IPv4 address.
        a.v4 = std::memcmp(a.bytes.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0;
        return a;
    }
    return std::nullopt;
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (v4)
        inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
    else
        inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
    return buf;
}

bool IpAddress::is_loopback() const {
    if (v4) return bytes[12] == 127;
    static constexpr std::array<std::uint8_t, 16> kLoop = {0, 0, 0, 0, 0, 0, 0, 0,
                                                           0, 0, 0, 0, 0, 0, 0, 1};
    return bytes == kLoop;
}

bool IpAddress::is_private() const {
    if (is_loopback()) return true;
    if (v4) {
        const auto a = bytes[12], b = bytes[13];
        return a == 10 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168) ||
               (a == 169 && b == 254) || (a == 100 && b >= 64 && b <= 127);  // CGNAT
    }
    return (bytes[0] & 0xfe) == 0xfc ||                      // fc00::/7 unique local
           (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80);  // fe80::/10 link local
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
    text = trim(text);
    const auto slash = text.find('/');
    const auto addr = IpAddress::parse(text.substr(0, slash));
    if (!addr) return std::nullopt;
    const int max_bits = addr->v4 ? 32 : 128;
    int prefix = max_bits;
    if (slash != std::string_view::npos) {
        const auto bits = text.substr(slash + 1);
        const auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
        if (bits.empty() || ec != std::errc{} || p != bits.data() + bits.size() || prefix < 0 ||
            prefix > max_bits)
            return std::nullopt;
    }
    Cidr c{*addr, prefix};
    // Normalise host bits away so that "10.1.2.3/8" lists as "10.0.0.0/8".
    const int total = addr->v4 ? prefix + 96 : prefix;
    for (int bit = total; bit < 128; ++bit)
        c.network.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
    return c;
}

bool Cidr::contains(const IpAddress& a) const {
    if (a.v4 != network.v4) return false;
    return prefix_matches(network.bytes, a.bytes, network.v4 ? prefix + 96 : prefix);
}

std::string Cidr::to_string() const {
    return network.to_string() + "/" + std::to_string(prefix);
}

bool CidrList::contains(const IpAddress& a) const {
    for (const auto& c : entries)
        if (c.contains(a)) return true;
    return false;
}

std::optional<CidrList> parse_cidr_list(const std::vector<std::string>& items, std::string* error) {
    CidrList list;
    for (const auto& item : items) {
        auto c = Cidr::parse(item);
        if (!c) {
            if (error) *error = "'" + item + "' is not an IP address or CIDR block";
            return std::nullopt;
        }
        list.entries.push_back(*c);
    }
    return list;
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto end = text.find_first_of(", \t\r\n", i);
        const auto item = text.substr(i, end == std::string_view::npos ? end : end - i);
        if (!item.empty()) out.emplace_back(item);
        if (end == std::string_view::npos) break;
        i = end + 1;
    }
    return out;
}

std::string join_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ',';
        out += item;
    }
    return out;
}

}  // namespace drawbridge::core
