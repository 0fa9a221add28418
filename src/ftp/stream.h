// A TCP connection that may carry TLS (FTP's control after AUTH TLS, or a protected data
// connection): the same read and write calls either way.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>
#include <string_view>

namespace drawbridge::ftp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Stream {
  public:
    explicit Stream(tcp::socket socket) : socket_(std::move(socket)) {}

    tcp::socket& socket() { return socket_; }
    bool secure() const { return tls_ != nullptr; }
    asio::ssl::stream<tcp::socket&>* tls() { return tls_.get(); }
    SSL* ssl() { return tls_ ? tls_->native_handle() : nullptr; }

    // Creates the TLS layer (server side); handshake() then runs it.
    void start_tls(asio::ssl::context& ctx) {
        tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, ctx);
    }
    asio::awaitable<void> handshake();
    asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer);
    asio::awaitable<void> write(asio::const_buffer buffer);
    // Sends close_notify (when TLS) and waits for the peer's for at most `timeout`, then closes.
    asio::awaitable<void> shutdown(std::chrono::milliseconds timeout);
    void close();

  private:
    tcp::socket socket_;
    std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
};

}  // namespace drawbridge::ftp
