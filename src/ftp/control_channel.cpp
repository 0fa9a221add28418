#include "ftp/control_channel.h"

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>

#include "core/crypto.h"
#include "core/proxy_protocol.h"
#include "core/proxy_socket.h"
#include "ftp/tls.h"

namespace drawbridge::ftp {

using asio::use_awaitable;

namespace {

constexpr std::size_t kMaxLine = 4096;  // PATH_MAX plus a verb

}  // namespace

ControlChannel::ControlChannel(tcp::socket socket)
    : stream_(std::move(socket)),
      tls_token_(core::crypto::random_bytes(16)),
      idle_timer_(stream_.socket().get_executor()) {}

asio::awaitable<bool> ControlChannel::first_bytes_acceptable() {
    if (!check_first_bytes_) co_return true;
    check_first_bytes_ = false;
    // The watchdog closes the socket of a client that never sends anything.
    boost::system::error_code ec;
    co_await socket().async_wait(tcp::socket::wait_read, asio::redirect_error(use_awaitable, ec));
    if (ec || closed_) co_return false;
    // A TLS ClientHello never starts like a PROXY header, not even its first byte.
    if (core::peek_first_bytes(socket().native_handle()) == core::FirstBytes::proxy_header) {
        forged_proxy_header_ = true;
        co_return false;
    }
    co_return true;
}

asio::awaitable<void> ControlChannel::start_tls(asio::ssl::context& tls) {
    in_.clear();
    stream_.start_tls(tls);
    bind_session_token(stream_.ssl(), &tls_token_);
    co_await stream_.handshake();
    mark_session(stream_.ssl(), tls_token_);
}

asio::awaitable<ControlChannel::Line> ControlChannel::read_line() {
    Line out;
    bool discarding = false;
    char buf[2048];
    for (;;) {
        // FTP servers speak first, so a client not behind a trusted balancer shows what it is
        // with its first bytes: a PROXY header there is an attempt to forge its address.
        if (check_first_bytes_) {
            const auto opening = core::classify_opening(in_);
            if (opening == core::Opening::proxy_header) {
                forged_proxy_header_ = true;
                out.eof = true;
                co_return out;
            }
            if (opening == core::Opening::other) check_first_bytes_ = false;
        }
        const auto nl = check_first_bytes_ ? std::string::npos : in_.find('\n');
        if (nl != std::string::npos) {
            if (discarding || nl > kMaxLine) {
                out.too_long = true;
            } else {
                out.text = in_.substr(0, nl);
            }
            in_.erase(0, nl + 1);
            co_return out;
        }
        if (in_.size() > kMaxLine) {
            in_.clear();
            discarding = true;
        }
        try {
            const std::size_t n = co_await stream_.read_some(asio::buffer(buf));
            in_.append(buf, n);
        } catch (const boost::system::system_error&) {
            out.eof = true;
            co_return out;
        }
    }
}

asio::awaitable<void> ControlChannel::send_raw(std::string text) {
    out_ += text;
    // Replies come from the command loop and from a transfer's end: one writer at a time.
    if (writing_) co_return;
    writing_ = true;
    try {
        while (!out_.empty()) {
            std::string chunk;
            chunk.swap(out_);
            co_await stream_.write(asio::buffer(chunk));
        }
    } catch (...) {
        writing_ = false;
        throw;
    }
    writing_ = false;
}

asio::awaitable<void> ControlChannel::say_and_close(const std::string& text) {
    if (!writing_) {
        out_ += text + "\r\n";
        boost::system::error_code write_ec;
        if (stream_.secure())
            co_await asio::async_write(*stream_.tls(), asio::buffer(out_),
                                       asio::redirect_error(use_awaitable, write_ec));
        else
            co_await asio::async_write(socket(), asio::buffer(out_),
                                       asio::redirect_error(use_awaitable, write_ec));
    }
    close();
}

void ControlChannel::close() {
    closed_ = true;
    stream_.close();
    if (on_close_) on_close_();
    idle_timer_.cancel();
}

asio::awaitable<bool> ControlChannel::gone(Clock::duration grace) {
    const auto deadline = Clock::now() + grace;
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (;;) {
        // Let a completion already queued for this connection run first.
        co_await asio::post(co_await asio::this_coro::executor, use_awaitable);
        if (closed_) co_return true;
        char c = 0;
        const ssize_t n = ::recv(socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            co_return true;
        if (n > 0 || Clock::now() >= deadline) co_return false;
        pause.expires_after(std::chrono::milliseconds(5));
        co_await pause.async_wait(use_awaitable);
    }
}

asio::awaitable<void> ControlChannel::sleep_until(Clock::time_point when) {
    idle_timer_.expires_at(when);
    boost::system::error_code ec;
    co_await idle_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
}

}  // namespace drawbridge::ftp
