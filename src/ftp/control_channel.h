// The control connection of one FTP session: command lines in, replies out, its TLS (AUTH TLS,
// or implicit FTPS from the start), the check that an untrusted peer sends no PROXY header, and
// the time of the session's last activity, which the idle timeout counts from.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "ftp/stream.h"
#include "vfs/listing.h"

namespace drawbridge::ftp {

using Clock = std::chrono::steady_clock;

class ControlChannel {
  public:
    struct Line {
        std::string text;
        bool too_long = false;
        bool eof = false;
    };

    explicit ControlChannel(tcp::socket socket);

    tcp::socket& socket() { return stream_.socket(); }
    bool secure() const { return stream_.secure(); }
    SSL* ssl() { return stream_.ssl(); }
    // Ties data connections' TLS sessions to this control connection (see ftp/tls.h).
    const std::string& tls_token() const { return tls_token_; }

    // A peer not in proxy.trusted: a PROXY header as its first bytes is refused (then
    // forged_proxy_header() says so, and the line read or the wait ends as a close).
    void refuse_proxy_header() { check_first_bytes_ = true; }
    bool forged_proxy_header() const { return forged_proxy_header_; }
    // Implicit FTPS: waits for the client's first bytes; false when the connection closed first
    // or they are a PROXY header.
    asio::awaitable<bool> first_bytes_acceptable();
    // TLS on the control connection, handshake included. What the client sent before it in
    // plain text is dropped: nothing is injected into the TLS session (RFC 4217).
    asio::awaitable<void> start_tls(asio::ssl::context& tls);

    asio::awaitable<Line> read_line();
    asio::awaitable<void> send_raw(std::string text);
    // One reply line: a control character in it (a file name's CR or LF) is escaped, so that a
    // name never ends the reply early or forges another.
    asio::awaitable<void> reply(std::string text) {
        co_await send_raw(vfs::escape_controls(text) + "\r\n");
    }
    // A last reply, unless a reply is being written (it would interleave), then close().
    asio::awaitable<void> say_and_close(const std::string& text);
    // Ends the session: closes this connection, wakes the watchdog, and runs the session's hook
    // that closes its data connections. Safe to call more than once.
    void close();
    bool closed() const { return closed_; }
    void on_close(std::function<void()> hook) { on_close_ = std::move(hook); }
    // Whether the client has closed this connection; waits up to `grace` for its FIN to arrive.
    asio::awaitable<bool> gone(Clock::duration grace);

    // Activity (a command, or a transfer's progress) puts off the idle timeout.
    void touch() { last_activity_ = Clock::now(); }
    Clock::time_point last_activity() const { return last_activity_; }
    // The watchdog's sleep; wake() and close() end it early.
    asio::awaitable<void> sleep_until(Clock::time_point when);
    void wake() { idle_timer_.cancel(); }

  private:
    Stream stream_;
    std::string tls_token_;
    std::string in_;   // received bytes not yet split into lines
    std::string out_;  // replies waiting for the writer
    bool writing_ = false;
    bool closed_ = false;
    bool check_first_bytes_ = false;
    bool forged_proxy_header_ = false;
    Clock::time_point last_activity_ = Clock::now();
    asio::steady_timer idle_timer_;
    std::function<void()> on_close_;
};

}  // namespace drawbridge::ftp
