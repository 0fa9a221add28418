#include "ftp/stream.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace drawbridge::ftp {

using asio::use_awaitable;

asio::awaitable<void> Stream::handshake() {
    co_await tls_->async_handshake(asio::ssl::stream_base::server, use_awaitable);
}

asio::awaitable<std::size_t> Stream::read_some(asio::mutable_buffer buffer) {
    if (tls_) co_return co_await tls_->async_read_some(buffer, use_awaitable);
    co_return co_await socket_.async_read_some(buffer, use_awaitable);
}

asio::awaitable<void> Stream::write(asio::const_buffer buffer) {
    if (tls_)
        co_await asio::async_write(*tls_, buffer, use_awaitable);
    else
        co_await asio::async_write(socket_, buffer, use_awaitable);
}

asio::awaitable<void> Stream::shutdown(std::chrono::milliseconds timeout) {
    if (tls_ && socket_.is_open()) {
        asio::steady_timer timer(socket_.get_executor());
        timer.expires_after(timeout);
        // A client that closes without answering close_notify must not hold the transfer open.
        timer.async_wait([this](boost::system::error_code ec) {
            if (!ec) close();
        });
        boost::system::error_code ec;
        co_await tls_->async_shutdown(asio::redirect_error(use_awaitable, ec));
        timer.cancel();
    }
    close();
}

void Stream::close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
}

}  // namespace drawbridge::ftp
