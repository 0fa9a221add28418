// TLS for FTPS: the server context (TLS 1.2+, AEAD ciphers only, one session cache shared by
// the control and data connections), the self-signed certificate made on first start, and the
// check that a data connection resumed its own control connection's session.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <string>

namespace drawbridge::ftp {

struct CertificatePaths {
    std::filesystem::path cert;
    std::filesystem::path key;
};

// Writes an ECDSA P-256 key (mode 0600) and a ten-year self-signed certificate for localhost and
// the loopback addresses when `paths` do not exist yet. Throws std::runtime_error on failure.
void ensure_certificate(const CertificatePaths& paths, const std::string& hostname);

// Throws std::runtime_error naming the file when the certificate or key cannot be used.
boost::asio::ssl::context make_server_context(const CertificatePaths& paths);

// Each control connection has a random token; tickets issued on it (and on its data
// connections) carry it, so that a data connection proves it resumed this control's session
// and not one that another client obtained.
void bind_session_token(SSL* ssl, const std::string* token);
bool resumed_session_of(SSL* data, SSL* control, const std::string& token);

}  // namespace drawbridge::ftp
