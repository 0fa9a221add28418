// Reading a PROXY protocol header off a freshly accepted socket, for every listener: exactly
// the header's bytes, so that the protocol's own first bytes stay in the socket for its library.
#pragma once

#include <chrono>

#include "core/proxy_protocol.h"

namespace drawbridge::core {

// Reads the header within `timeout` (the socket may be blocking or not). need_more never comes
// back: a timeout, an early close or a read error are `invalid` with the reason.
ProxyParse read_proxy_header(int fd, std::chrono::milliseconds timeout);

// Without waiting: whether what the peer has already sent starts like a PROXY header. Used on
// connections from untrusted peers, which must not send one.
bool peer_sent_proxy_header(int fd);

}  // namespace drawbridge::core
