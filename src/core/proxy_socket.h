// Reading a PROXY protocol header off a freshly accepted socket, for every listener: exactly
// the header's bytes, so that the protocol's own first bytes stay in the socket for its library.
#pragma once

#include <chrono>

#include "core/proxy_protocol.h"

namespace drawbridge::core {

// Reads the header within `timeout` (the socket may be blocking or not). need_more never comes
// back: a timeout, an early close or a read error are `invalid` with the reason.
ProxyParse read_proxy_header(int fd, std::chrono::milliseconds timeout);

// Without waiting: what the peer has sent so far (left in the socket). Used on connections from
// untrusted peers, which must not send a header.
enum class FirstBytes { none_yet, proxy_header, other };
FirstBytes peek_first_bytes(int fd);

}  // namespace drawbridge::core
