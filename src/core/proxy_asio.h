// The client's address on an Asio socket, for the listeners that serve connections as coroutines
// (FTP, HTTP): the PROXY protocol's reads of core/proxy_socket.h without blocking the socket's
// thread, so that a slow balancer or a silent client stalls no other connection. Header-only: only
// the Asio-based listeners include it (they build with Boost 1.74's `-include utility`).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "core/proxy_protocol.h"

namespace drawbridge::core {

// The peer's address as the log and the rules write it: dual-stack sockets report IPv4 peers as
// ::ffff:a.b.c.d, which is a.b.c.d.
inline std::string peer_text(const boost::asio::ip::tcp::endpoint& ep) {
    const std::string text = ep.address().to_string();
    if (auto ip = IpAddress::parse(text)) return ip->to_string();
    return text;
}

// Closes `socket` if the deadline passes while the holder waits on it. The timer's handler may
// already be queued when the wait ends; `over` keeps it from touching a socket that has moved
// on. The socket's executor must run the handler and the holder one at a time (one thread, or
// a strand).
class SocketDeadline {
  public:
    SocketDeadline(boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout)
        : timer_(socket.get_executor()) {
        timer_.expires_after(timeout);
        timer_.async_wait([&socket, state = state_](boost::system::error_code e) {
            if (e || state->over) return;
            state->timed_out = true;
            socket.close(e);
        });
    }
    ~SocketDeadline() {
        state_->over = true;
        timer_.cancel();
    }
    SocketDeadline(const SocketDeadline&) = delete;
    SocketDeadline& operator=(const SocketDeadline&) = delete;
    bool timed_out() const { return state_->timed_out; }

  private:
    struct State {
        bool timed_out = false;
        bool over = false;
    };
    std::shared_ptr<State> state_ = std::make_shared<State>();
    boost::asio::steady_timer timer_;
};

// Reads exactly the header's bytes (the protocol's greeting or TLS handshake follows) within
// `timeout`. need_more never comes back: a timeout, an early close or a read error are
// `invalid` with the reason (the socket is closed on a timeout).
inline boost::asio::awaitable<ProxyParse> async_read_proxy_header(
    boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout) {
    namespace asio = boost::asio;
    SocketDeadline deadline(socket, timeout);
    std::string data;
    for (;;) {
        auto parsed = parse_proxy_header(data);
        if (parsed.state != ProxyParse::State::need_more) co_return parsed;
        std::string chunk(parsed.want, '\0');
        boost::system::error_code ec;
        const std::size_t n = co_await asio::async_read(
            socket, asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
        data.append(chunk, 0, n);
        if (!ec) continue;
        ProxyParse failed;
        failed.state = ProxyParse::State::invalid;
        failed.error = ec.message();
        if (deadline.timed_out())
            failed.error =
                "no complete PROXY header within " + std::to_string(timeout.count()) + " ms";
        else if (ec == asio::error::eof && data.empty())
            failed.error = "closed before sending a PROXY header";
        else if (ec == asio::error::eof)
            failed.error = "closed in the middle of a PROXY header";
        co_return failed;
    }
}

// Waits until the peer has sent something (or closed) within `timeout`; false when it timed
// out (the socket is then closed) or the wait failed. What arrived is left in the socket.
inline boost::asio::awaitable<bool> async_wait_first_bytes(boost::asio::ip::tcp::socket& socket,
                                                           std::chrono::milliseconds timeout) {
    namespace asio = boost::asio;
    SocketDeadline deadline(socket, timeout);
    boost::system::error_code ec;
    co_await socket.async_wait(asio::ip::tcp::socket::wait_read,
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec && !deadline.timed_out();
}

}  // namespace drawbridge::core
