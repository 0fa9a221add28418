// TLS for FTPS: the server context (TLS 1.2+, AEAD ciphers only, one session cache shared by
// the control and data connections), the self-signed certificate made on first start, and the
// check that a data connection resumed its own control connection's session.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace drawbridge::ftp {

struct CertificatePaths {
    std::filesystem::path cert;
    std::filesystem::path key;
};

// Throws std::runtime_error naming the file when the certificate or key cannot be used.
boost::asio::ssl::context make_server_context(const CertificatePaths& paths);

// Each control connection has a random token. Every session ticket issued on it carries the
// token (bind before the handshake), and so does its own cached session (mark after it), so that
// a data connection shows which control connection's session it resumed.
//
// TLS 1.3 tickets are held back until the login (bind sets none for the handshake;
// issue_login_tickets sends two with the 230): a client that shares one ticket cache over
// several control connections (rclone) may resume on a data connection whatever ticket came
// last, and a ticket of a connection still logging in names no user yet. TLS 1.2 tickets are
// part of the handshake and cannot wait; see docs/ftp.md, "Session reuse".
void bind_session_token(SSL* ssl, const std::string* token);
void mark_session(SSL* ssl, const std::string& token);
void issue_login_tickets(SSL* ssl);
// The token of the session a data connection resumed; nullopt when it did not resume one of
// ours.
std::optional<std::string> resumed_token(SSL* data);

// The tokens of the logged-in control connections and their users, shared by every session: a
// client may resume the session of another of its own control connections (rclone keeps one
// session cache for its pool of connections), never one of another user's.
class SessionOwners {
  public:
    void add(const std::string& token, std::int64_t user_id);
    void remove(const std::string& token);
    std::optional<std::int64_t> user_of(const std::string& token) const;

  private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::int64_t> owners_;
};

}  // namespace drawbridge::ftp
