#include "core/proxy_protocol.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <vector>

namespace drawbridge::core {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::string_view kV2Signature("\r\n\r\n\0\r\nQUIT\n", 12);

ProxyParse invalid(std::string why) {
    ProxyParse p;
    p.state = ProxyParse::State::invalid;
    p.error = std::move(why);
    return p;
}

ProxyParse need(std::size_t n) {
    ProxyParse p;
    p.want = n;
    return p;
}

std::vector<std::string_view> split_spaces(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i <= line.size()) {
        const auto sp = line.find(' ', i);
        const auto end = sp == std::string_view::npos ? line.size() : sp;
        out.push_back(line.substr(i, end - i));
        if (sp == std::string_view::npos) break;
        i = sp + 1;
    }
    return out;
}

std::optional<int> parse_port(std::string_view text) {
    int n = -1;
    if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || p != text.data() + text.size() || n < 0 || n > 65535)
        return std::nullopt;
    return n;
}

// v1: "PROXY TCP4 src dst sport dport\r\n", "PROXY TCP6 ...", or "PROXY UNKNOWN[ ...]\r\n".
ProxyParse parse_v1(std::string_view data) {
    const auto crlf = data.find("\r\n");
    if (crlf == std::string_view::npos) {
        if (data.size() >= kProxyV1MaxLength) return invalid("v1 header longer than 107 bytes");
        if (data.find('\n') != std::string_view::npos) return invalid("v1 header without CRLF");
        return need(1);  // the line's end is unknown: one byte at a time
    }
    if (crlf + 2 > kProxyV1MaxLength) return invalid("v1 header longer than 107 bytes");
    // A bare LF before the CRLF is refused here too, as it is above when the bytes come one at
    // a time: the verdict must not depend on how the header was split across reads (fuzzing).
    if (data.substr(0, crlf).find('\n') != std::string_view::npos)
        return invalid("v1 header without CRLF");
    const auto fields = split_spaces(data.substr(kV1Prefix.size(), crlf - kV1Prefix.size()));
    ProxyParse p;
    p.state = ProxyParse::State::done;
    p.header.version = 1;
    p.header.length = crlf + 2;
    if (fields.empty()) return invalid("v1 header without a protocol");
    if (fields[0] == "UNKNOWN") return p;
    if (fields[0] != "TCP4" && fields[0] != "TCP6")
        return invalid("v1 protocol '" + std::string(fields[0]) + "' is not TCP4, TCP6 or UNKNOWN");
    if (fields.size() != 5)
        return invalid("v1 header needs 4 fields after " + std::string(fields[0]));
    const bool v4 = fields[0] == "TCP4";
    for (int i : {1, 2}) {
        // The family must match the protocol, and inet_pton refuses the loose forms
        // ("1.2.3", leading zeros) that the specification forbids.
        unsigned char buf[16];
        const std::string text(fields[i]);
        if (inet_pton(v4 ? AF_INET : AF_INET6, text.c_str(), buf) != 1)
            return invalid("v1 address '" + text + "' is not " + (v4 ? "IPv4" : "IPv6"));
    }
    const auto sport = parse_port(fields[3]);
    if (!sport || !parse_port(fields[4])) return invalid("v1 header with a bad port");
    p.header.source = IpAddress::parse(fields[1]);
    p.header.source_port = *sport;
    return p;
}

ProxyParse parse_v2(std::string_view data) {
    if (data.size() < kProxyV2FixedLength) return need(kProxyV2FixedLength - data.size());
    const auto ver_cmd = static_cast<unsigned char>(data[12]);
    const auto family = static_cast<unsigned char>(data[13]);
    const std::size_t len =
        (static_cast<unsigned char>(data[14]) << 8) | static_cast<unsigned char>(data[15]);
    if ((ver_cmd >> 4) != 2)
        return invalid("v2 header with version " + std::to_string(ver_cmd >> 4));
    const int command = ver_cmd & 0x0f;
    if (command > 1) return invalid("v2 header with unknown command " + std::to_string(command));
    if (data.size() < kProxyV2FixedLength + len)
        return need(kProxyV2FixedLength + len - data.size());
    ProxyParse p;
    p.state = ProxyParse::State::done;
    p.header.version = 2;
    p.header.length = kProxyV2FixedLength + len;
    if (command == 0) return p;  // LOCAL: the proxy speaking for itself
    const std::string_view body = data.substr(kProxyV2FixedLength, len);
    const int af = family >> 4;
    const int transport = family & 0x0f;
    if (transport > 2)
        return invalid("v2 header with unknown transport " + std::to_string(transport));
    if (af == 1 || af == 2) {  // INET, INET6: src addr, dst addr, src port, dst port
        const std::size_t alen = af == 1 ? 4 : 16;
        if (body.size() < 2 * alen + 4) return invalid("v2 address block too short");
        IpAddress ip;
        if (af == 1) {
            ip.v4 = true;
            ip.bytes[10] = ip.bytes[11] = 0xff;
            std::memcpy(ip.bytes.data() + 12, body.data(), 4);
        } else {
            std::memcpy(ip.bytes.data(), body.data(), 16);
            // An IPv4-mapped source is an IPv4 client.
            ip.v4 = std::all_of(ip.bytes.begin(), ip.bytes.begin() + 10,
                                [](auto b) { return b == 0; }) &&
                    ip.bytes[10] == 0xff && ip.bytes[11] == 0xff;
        }
        p.header.source = ip;
        p.header.source_port = (static_cast<unsigned char>(body[2 * alen]) << 8) |
                               static_cast<unsigned char>(body[2 * alen + 1]);
        return p;
    }
    if (af > 3) return invalid("v2 header with unknown address family " + std::to_string(af));
    return p;  // UNSPEC or UNIX: no address to use
}

}  // namespace

bool looks_like_proxy_header(std::string_view data) {
    const auto n1 = std::min(data.size(), kV1Prefix.size());
    const auto n2 = std::min(data.size(), kV2Signature.size());
    return !data.empty() && (data.substr(0, n1) == kV1Prefix.substr(0, n1) ||
                             data.substr(0, n2) == kV2Signature.substr(0, n2));
}

Opening classify_opening(std::string_view data) {
    if (data.empty()) return Opening::undecided;
    if (!looks_like_proxy_header(data)) return Opening::other;
    const std::size_t signature = data[0] == 'P' ? kV1Prefix.size() : kV2Signature.size();
    return data.size() >= signature ? Opening::proxy_header : Opening::undecided;
}

ProxyParse parse_proxy_header(std::string_view data) {
    if (data.empty()) return need(kV1Prefix.size());
    if (data[0] == 'P') {
        const auto n = std::min(data.size(), kV1Prefix.size());
        if (data.substr(0, n) != kV1Prefix.substr(0, n)) return invalid("not a PROXY header");
        if (data.size() < kV1Prefix.size()) return need(kV1Prefix.size() - data.size());
        return parse_v1(data);
    }
    if (data[0] == '\r') {
        const auto n = std::min(data.size(), kV2Signature.size());
        if (data.substr(0, n) != kV2Signature.substr(0, n)) return invalid("not a PROXY header");
        // The v1 prefix is 6 bytes; asking for at most that keeps a v1 reader from overreading.
        if (data.size() < kV2Signature.size()) return need(kV2Signature.size() - data.size());
        return parse_v2(data);
    }
    return invalid("not a PROXY header");
}

}  // namespace drawbridge::core
