// The PROXY protocol (HAProxy's, versions 1 and 2): the header a load balancer writes at the
// start of a TCP connection to say whose connection it is relaying. Pure parsing here; the
// listeners decide whom to believe (node config proxy.trusted) and read the socket.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/cidr.h"

namespace drawbridge::core {

struct ProxyHeader {
    int version = 0;  // 1 or 2
    // The client's address and port; none for v1 UNKNOWN, v2 LOCAL (the proxy's own health
    // checks) and v2 families other than TCP/UDP over IPv4/IPv6: the peer's address stands.
    std::optional<IpAddress> source;
    int source_port = 0;
    std::size_t length = 0;  // bytes of the header, all to be consumed before the protocol
};

struct ProxyParse {
    enum class State { need_more, done, invalid } state = State::need_more;
    // need_more: at least this many more bytes are needed; reading exactly this many never
    // reads past the header (so the protocol's own first bytes stay in the socket).
    std::size_t want = 0;
    ProxyHeader header;  // done
    std::string error;   // invalid
};

// Parses the start of a connection. Bytes that cannot begin a header are invalid at once.
ProxyParse parse_proxy_header(std::string_view data);

// True when `data` (possibly incomplete) starts like a PROXY header, v1 or v2.
bool looks_like_proxy_header(std::string_view data);

// What the first bytes of a connection from a peer that must not send a header say: a PROXY
// header's signature (v1 "PROXY ", v2's 12 bytes), something else, or not yet (a prefix of a
// signature: "P" may still be "PUT", "PROX" may still be "PROXY ").
enum class Opening { undecided, proxy_header, other };
Opening classify_opening(std::string_view data);

inline constexpr std::size_t kProxyV1MaxLength = 107;  // "PROXY ..." including CRLF
inline constexpr std::size_t kProxyV2FixedLength = 16;

}  // namespace drawbridge::core
