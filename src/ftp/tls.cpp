#include "ftp/tls.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>

namespace drawbridge::ftp {
namespace fs = std::filesystem;
namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 suites with forward secrecy and AEAD; TLS 1.3's defaults are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Ciphers =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr unsigned char kSessionContext[] = "drawbridge-ftp";

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("tls: " + what);
}

int token_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

int on_generate_ticket(SSL* s, void*) {
    const auto* token = static_cast<const std::string*>(SSL_get_ex_data(s, token_index()));
    if (token) SSL_SESSION_set1_ticket_appdata(SSL_get_session(s), token->data(), token->size());
    return 1;
}

SSL_TICKET_RETURN on_decrypt_ticket(SSL*, SSL_SESSION*, const unsigned char*, size_t,
                                    SSL_TICKET_STATUS status, void*) {
    switch (status) {
        case SSL_TICKET_SUCCESS:
            return SSL_TICKET_RETURN_USE;
        case SSL_TICKET_SUCCESS_RENEW:
            return SSL_TICKET_RETURN_USE_RENEW;
        case SSL_TICKET_EMPTY:
        case SSL_TICKET_NO_DECRYPT:
            return SSL_TICKET_RETURN_IGNORE_RENEW;
        default:
            return SSL_TICKET_RETURN_ABORT;
    }
}

}  // namespace

ssl::context make_server_context(const CertificatePaths& paths) {
    ssl::context ctx(ssl::context::tls_server);
    SSL_CTX* native = ctx.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(
        native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    if (!SSL_CTX_set_cipher_list(native, kTls12Ciphers) ||
        !SSL_CTX_set_ciphersuites(native, kTls13Ciphers))
        fail("cannot set the cipher list");
    // Idle control connections keep no TLS buffers.
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
    // A data connection may come hours after the login on a long session.
    SSL_CTX_set_timeout(native, 24 * 3600);
    SSL_CTX_set_session_ticket_cb(native, on_generate_ticket, on_decrypt_ticket, nullptr);
    if (SSL_CTX_use_certificate_chain_file(native, paths.cert.c_str()) != 1)
        fail("cannot use the certificate " + paths.cert.string());
    if (SSL_CTX_use_PrivateKey_file(native, paths.key.c_str(), SSL_FILETYPE_PEM) != 1)
        fail("cannot use the private key " + paths.key.string());
    if (SSL_CTX_check_private_key(native) != 1)
        fail(paths.key.string() + " does not match " + paths.cert.string());
    return ctx;
}

void bind_session_token(SSL* ssl, const std::string* token) {
    SSL_set_ex_data(ssl, token_index(), const_cast<std::string*>(token));
    SSL_set_num_tickets(ssl, 0);
}

void issue_login_tickets(SSL* ssl) {
    // Two, as OpenSSL gives at a handshake by default: a client that uses each ticket only once
    // (RFC 8446 advises it) can resume two data connections, and one that keeps the latest
    // ticket resumes it again and again. They go out with the next write, the 230 reply, so the
    // client has them before it can open a data connection.
    if (SSL_version(ssl) != TLS1_3_VERSION) return;
    for (int i = 0; i < 2; ++i)
        if (SSL_new_session_ticket(ssl) != 1) {
            spdlog::warn("ftp: cannot issue a TLS session ticket after the login");
            return;
        }
}

void mark_session(SSL* ssl, const std::string& token) {
    if (SSL_SESSION* session = SSL_get_session(ssl))
        SSL_SESSION_set1_ticket_appdata(session, token.data(), token.size());
}

std::optional<std::string> resumed_token(SSL* data) {
    if (!SSL_session_reused(data)) return std::nullopt;
    SSL_SESSION* session = SSL_get_session(data);
    void* appdata = nullptr;
    size_t len = 0;
    if (!session || SSL_SESSION_get0_ticket_appdata(session, &appdata, &len) != 1 || len == 0)
        return std::nullopt;
    return std::string(static_cast<const char*>(appdata), len);
}

void SessionOwners::add(const std::string& token, std::int64_t user_id) {
    std::lock_guard lock(mutex_);
    owners_[token] = user_id;
}

void SessionOwners::remove(const std::string& token) {
    std::lock_guard lock(mutex_);
    owners_.erase(token);
}

std::optional<std::int64_t> SessionOwners::user_of(const std::string& token) const {
    std::lock_guard lock(mutex_);
    const auto it = owners_.find(token);
    if (it == owners_.end()) return std::nullopt;
    return it->second;
}

}  // namespace drawbridge::ftp
