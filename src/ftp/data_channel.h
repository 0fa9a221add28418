// Where one FTP session's next data connection comes from (PASV, EPSV, PORT, EPRT) and how it
// is protected (PBSZ, PROT, and its TLS, which must resume a session of this user's: docs/ftp.md,
// "Session reuse"). The transfer over it is ftp/transfer.h's.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>

#include "ftp/control_channel.h"
#include "ftp/login.h"
#include "ftp/session_context.h"
#include "ftp/stream.h"
#include "ftp/wire.h"

namespace drawbridge::ftp {

// Hands out passive ports from the configured range, round robin, shared by every session.
class PassivePorts {
  public:
    PassivePorts(int min, int max) : min_(min), max_(max) {}
    // Opens a listening socket on `address`, on a free port of the range.
    std::unique_ptr<tcp::acceptor> open(const asio::any_io_executor& ex,
                                        const asio::ip::address& address);

  private:
    int min_, max_;
    std::atomic<unsigned> next_{0};
};

class DataChannel {
  public:
    DataChannel(SessionContext& ctx, ControlChannel& control, const Login& login, const Peer& peer);

    asio::awaitable<void> cmd_pasv(std::string);
    asio::awaitable<void> cmd_epsv(std::string arg);
    asio::awaitable<void> cmd_port(std::string arg);
    asio::awaitable<void> cmd_eprt(std::string arg);
    asio::awaitable<void> cmd_pbsz(std::string);
    asio::awaitable<void> cmd_prot(std::string arg);

    // Implicit FTPS: data connections are protected from the start (PROT P).
    void protect_from_start() { protect_ = true; }
    bool protects() const { return protect_; }

    // Whether a transfer may start: a data connection was asked for, and is protected when the
    // control connection is. Replies when not.
    asio::awaitable<bool> ready();
    // The data connection the last PASV, EPSV, PORT or EPRT asked for; nullptr when it did not
    // come (or came from someone else) within the timeout.
    asio::awaitable<std::unique_ptr<Stream>> open();
    // With PROT P, TLS on `data`, handshake included; false when the session it resumed does
    // not count (ftp_require_tls_session_reuse).
    asio::awaitable<bool> protect(Stream& data);
    // Closes a passive port still waiting (ABOR, the session's end).
    void close();

  private:
    asio::awaitable<void> set_active(const HostPort& hp);
    bool session_acceptable(SSL* data) const;
    asio::awaitable<bool> data_from_client(tcp::socket& s, const asio::ip::address& peer,
                                           const asio::ip::address& client);

    SessionContext& ctx_;
    ControlChannel& control_;
    const Login& login_;
    const Peer& peer_;
    bool protect_ = false;  // PROT P
    bool epsv_all_ = false;
    std::unique_ptr<tcp::acceptor> passive_;
    std::optional<tcp::endpoint> active_;
};

}  // namespace drawbridge::ftp
