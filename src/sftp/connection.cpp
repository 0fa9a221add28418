#include "sftp/connection.h"

#include <libssh/server.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "core/crypto.h"

namespace drawbridge::sftp {
namespace fs = std::filesystem;

namespace {

// Secure algorithms only, unless the site opts in to legacy ones (SPEC §4).
constexpr const char* kKex =
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group18-sha512,diffie-hellman-group16-sha512,"
    "diffie-hellman-group14-sha256";
constexpr const char* kCiphers =
    "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,"
    "aes192-ctr,aes128-ctr";
constexpr const char* kMacs =
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512";
constexpr const char* kHostKeyAlgorithms =
    "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256";

// What `sftp_insecure_ciphers` adds, after the secure ones so that a modern client still
// negotiates those: SHA-1 key exchanges and MACs, CBC ciphers, SHA-1 RSA signatures.
constexpr const char* kLegacyKex = ",diffie-hellman-group14-sha1,diffie-hellman-group1-sha1";
constexpr const char* kLegacyCiphers = ",aes256-cbc,aes192-cbc,aes128-cbc,3des-cbc";
constexpr const char* kLegacyMacs = ",hmac-sha1-etm@openssh.com,hmac-sha1";
constexpr const char* kLegacyHostKeyAlgorithms = ",ssh-rsa";

constexpr int kAllAuthMethods =
    SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_INTERACTIVE;

// A client that has not logged in by then is cut off, as OpenSSH's LoginGraceTime does.
constexpr auto kLoginGrace = std::chrono::seconds(120);
// After our EOF and close, how long the client has to close its side.
constexpr auto kCloseLinger = std::chrono::seconds(1);

void set_algorithms(ssh_session session, bool legacy) {
    const auto list = [legacy](const char* secure, const char* extra) {
        return std::string(secure) + (legacy ? extra : "");
    };
    ssh_options_set(session, SSH_OPTIONS_KEY_EXCHANGE, list(kKex, kLegacyKex).c_str());
    ssh_options_set(session, SSH_OPTIONS_CIPHERS_C_S, list(kCiphers, kLegacyCiphers).c_str());
    ssh_options_set(session, SSH_OPTIONS_CIPHERS_S_C, list(kCiphers, kLegacyCiphers).c_str());
    ssh_options_set(session, SSH_OPTIONS_HMAC_C_S, list(kMacs, kLegacyMacs).c_str());
    ssh_options_set(session, SSH_OPTIONS_HMAC_S_C, list(kMacs, kLegacyMacs).c_str());
    ssh_options_set(session, SSH_OPTIONS_HOSTKEYS,
                    list(kHostKeyAlgorithms, kLegacyHostKeyAlgorithms).c_str());
}

// The text of the authentication banner for a refusal a client may be told about.
std::string banner_for(const core::LoginOutcome& outcome) {
    const auto& info = core::info(outcome.reason);
    // The region refusal's detail names the server to use; the others' public text is enough.
    const std::string text = outcome.reason == core::FailureReason::region_mismatch
                                 ? outcome.detail
                                 : std::string(info.public_message);
    return "drawbridge: " + std::string(info.title) + ": " + text + "\r\n";
}

}  // namespace

// libssh's C callbacks, each forwarding to the Connection in its userdata.
struct Callbacks {
    static Connection& of(void* userdata) { return *static_cast<Connection*>(userdata); }

    static int auth_password(ssh_session, const char* user, const char* password, void* ud) {
        auto& c = of(ud);
        return c.decide({user, core::Interface::sftp, c.ip_, core::PasswordCredential{password},
                         c.verified_, c.verified_user_id_});
    }

    static int auth_pubkey(ssh_session, const char* user, ssh_key_struct* pubkey,
                           char signature_state, void* ud) {
        auto& c = of(ud);
        char* b64 = nullptr;
        if (ssh_pki_export_pubkey_base64(pubkey, &b64) != SSH_OK) return SSH_AUTH_DENIED;
        const auto decoded = core::crypto::base64_decode(b64);
        ssh_string_free_char(b64);
        if (!decoded) return SSH_AUTH_DENIED;
        // A probe ("would you take this key?") is answered without counting as an attempt.
        c.attempted_ = true;
        if (signature_state == SSH_PUBLICKEY_STATE_NONE)
            return c.gate_.accepts_key_probe(user, *decoded) ? SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
        if (signature_state != SSH_PUBLICKEY_STATE_VALID) return SSH_AUTH_DENIED;
        const std::string type = ssh_key_type_to_char(ssh_key_type(pubkey));
        return c.decide({user, core::Interface::sftp, c.ip_,
                         core::PublicKeyCredential{type, *decoded}, c.verified_,
                         c.verified_user_id_});
    }

    // Keyboard-interactive, as clients use it for passwords: one prompt, its answer to the gate.
    // libssh 0.10 has no server callback for it, so it comes as a message.
    static int message(ssh_session session, ssh_message msg, void* ud) {
        auto& c = of(ud);
        if (ssh_message_type(msg) != SSH_REQUEST_AUTH ||
            ssh_message_subtype(msg) != SSH_AUTH_METHOD_INTERACTIVE)
            return 1;  // not ours: libssh answers with its default
        if (!ssh_message_auth_kbdint_is_response(msg)) {
            c.kbdint_user_ = ssh_message_auth_user(msg);
            const char* prompts[] = {"Password: "};
            char echo[] = {0};
            ssh_message_auth_interactive_request(msg, "", "", 1, prompts, echo);
            return 0;
        }
        if (ssh_userauth_kbdint_getnanswers(session) != 1) {
            ssh_message_reply_default(msg);
            return 0;
        }
        const char* answer = ssh_userauth_kbdint_getanswer(session, 0);
        const int result = c.decide({c.kbdint_user_, core::Interface::sftp, c.ip_,
                                     core::PasswordCredential{answer ? answer : ""}, c.verified_,
                                     c.verified_user_id_});
        if (result == SSH_AUTH_SUCCESS) {
            ssh_message_auth_reply_success(msg, 0);
        } else if (result == SSH_AUTH_PARTIAL) {
            ssh_message_auth_set_methods(msg, SSH_AUTH_METHOD_PUBLICKEY);
            ssh_message_auth_reply_success(msg, 1);
        } else {
            ssh_message_auth_set_methods(msg, kAllAuthMethods);
            ssh_message_reply_default(msg);
        }
        return 0;
    }

    static ssh_channel channel_open(ssh_session session, void* ud) {
        auto& c = of(ud);
        if (c.channel_ || !c.user_) return nullptr;  // one SFTP channel per logged-in connection
        c.channel_ = ssh_channel_new(session);
        c.channel_cb_ = {};
        c.channel_cb_.userdata = &c;
        c.channel_cb_.channel_data_function = channel_data;
        c.channel_cb_.channel_eof_function = channel_eof;
        c.channel_cb_.channel_close_function = channel_close;
        c.channel_cb_.channel_subsystem_request_function = subsystem;
        c.channel_cb_.channel_write_wontblock_function = write_wontblock;
        ssh_callbacks_init(&c.channel_cb_);
        ssh_set_channel_callbacks(c.channel_, &c.channel_cb_);
        return c.channel_;
    }

    static int channel_data(ssh_session, ssh_channel, void* data, uint32_t len, int is_stderr,
                            void* ud) {
        auto& c = of(ud);
        if (is_stderr || !c.sftp_) return static_cast<int>(len);
        if (!c.sftp_->feed(std::string_view(static_cast<const char*>(data), len))) {
            spdlog::warn("sftp: closing the session of '{}' from {}: malformed SFTP stream",
                         c.user_ ? c.user_->username : "", c.ip_);
            c.close_channel();
        }
        return static_cast<int>(len);
    }

    // The client has sent all it will; step() finishes its requests, then closes.
    static void channel_eof(ssh_session, ssh_channel, void* ud) { of(ud).peer_eof_ = true; }

    static void channel_close(ssh_session, ssh_channel, void* ud) { of(ud).channel_closed_ = true; }

    static int subsystem(ssh_session, ssh_channel, const char* name, void* ud) {
        auto& c = of(ud);
        if (std::strcmp(name, "sftp") != 0 || !c.user_ || c.sftp_) return SSH_ERROR;
        return c.open_sftp() ? SSH_OK : SSH_ERROR;
    }

    static int write_wontblock(ssh_session, ssh_channel, uint32_t, void* ud) {
        of(ud).flush();
        return 0;
    }
};

Connection::Connection(ssh_session session, std::string ip, auth::LoginGate& gate,
                       audit::ActionLog& log, const ServerOptions& options,
                       const core::SiteSettings& site)
    : session_(session),
      ip_(std::move(ip)),
      gate_(gate),
      log_(log),
      options_(options),
      show_failure_reasons_(site.sftp_show_failure_reasons),
      accepted_at_(std::chrono::steady_clock::now()),
      last_activity_(accepted_at_) {
    set_algorithms(session_, site.sftp_insecure_ciphers || options_.legacy_algorithms);
    server_cb_.userdata = this;
    server_cb_.auth_password_function = Callbacks::auth_password;
    server_cb_.auth_pubkey_function = Callbacks::auth_pubkey;
    server_cb_.channel_open_request_session_function = Callbacks::channel_open;
    ssh_callbacks_init(&server_cb_);
    ssh_set_server_callbacks(session_, &server_cb_);
    ssh_set_message_callback(session_, Callbacks::message, this);
    ssh_set_auth_methods(session_, kAllAuthMethods);
    // Every packet the client sends, keepalives and null packets included, counts as activity.
    ssh_set_counters(session_, &sent_, &received_);
}

Connection::~Connection() {
    // A connection that never tried to log in scores its address a little (scanners).
    if (!user_ && !attempted_ && report_abandoned_) {
        try {
            gate_.connection_abandoned(core::Interface::sftp, ip_);
        } catch (const std::exception& e) {
            spdlog::error("sftp: {}: cannot record an abandoned connection: {}", ip_, e.what());
        }
    }
    sftp_.reset();  // aborts uploads that were not closed
    files_.reset();
    if (event_) {
        ssh_event_remove_session(event_, session_);
        ssh_event_free(event_);
    }
    ssh_disconnect(session_);
    ssh_free(session_);
}

bool Connection::start() {
    ssh_set_blocking(session_, 0);
    // Non-blocking, this sends our banner, sets up the key exchange and returns SSH_AGAIN;
    // poll() carries the exchange on from there.
    if (ssh_handle_key_exchange(session_) == SSH_ERROR) {
        spdlog::info("sftp: {}: key exchange failed: {}", ip_, ssh_get_error(session_));
        return false;
    }
    event_ = ssh_event_new();
    return event_ && ssh_event_add_session(event_, session_) == SSH_OK;
}

int Connection::fd() const {
    return ssh_get_fd(session_);
}

void Connection::poll() {
    ssh_event_dopoll(event_, 0);
}

bool Connection::wants_write() const {
    return (ssh_get_status(session_) & SSH_WRITE_PENDING) != 0;
}

int Connection::decide(const core::LoginAttempt& attempt) {
    attempted_ = true;
    last_activity_ = std::chrono::steady_clock::now();
    const auto outcome = gate_.attempt(attempt);
    switch (outcome.kind) {
        case core::LoginOutcome::Kind::success:
            user_ = outcome.user;
            return SSH_AUTH_SUCCESS;
        case core::LoginOutcome::Kind::partial:
            verified_ = outcome.verified;
            verified_user_id_ = outcome.user->id;
            ssh_set_auth_methods(session_,
                                 *outcome.missing == core::Factor::password
                                     ? SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE
                                     : SSH_AUTH_METHOD_PUBLICKEY);
            return SSH_AUTH_PARTIAL;
        case core::LoginOutcome::Kind::failure:
            // A ban that began during this connection ends it: more guesses would only be
            // refused, and the client may as well learn it now.
            if (outcome.reason == core::FailureReason::rate_limited) banned_ = true;
            break;
    }
    // SSH carries only a generic failure; a site may choose to say more about safe reasons.
    if (show_failure_reasons_ && core::info(outcome.reason).safe_to_disclose) {
        const std::string text = banner_for(outcome);
        ssh_string banner = ssh_string_from_char(text.c_str());
        ssh_send_issue_banner(session_, banner);
        ssh_string_free(banner);
    }
    return SSH_AUTH_DENIED;
}

bool Connection::open_sftp() {
    const fs::path root = user_->user_root.empty() ? options_.files_dir / user_->username
                                                   : fs::path(user_->user_root);
    try {
        auto rules = options_.file_rules ? options_.file_rules(*user_) : vfs::FileRules{};
        files_ = std::make_unique<vfs::FileSession>(vfs::LocalRoot::open(root, true), log_, *user_,
                                                    core::Interface::sftp, ip_, std::move(rules));
    } catch (const std::exception& e) {
        spdlog::error("sftp: cannot open the root folder of '{}': {}", user_->username, e.what());
        return false;
    }
    sftp_ = std::make_unique<Session>(*files_, [this](std::string packet) {
        out_bytes_ += packet.size();
        outbox_.push_back(std::move(packet));
        flush();
    });
    // Stop handling requests while replies pile up; step() resumes it as they drain.
    sftp_->set_backpressure([this] { return out_bytes_ < kOutboxLimit; });
    return true;
}

void Connection::flush() {
    // libssh may call back into flush() from inside ssh_channel_write (window adjusts); the
    // outer call owns the outbox's front and carries on.
    if (flushing_) return;
    flushing_ = true;
    flush_outbox();
    flushing_ = false;
}

void Connection::flush_outbox() {
    while (channel_ && !outbox_.empty()) {
        const std::uint32_t window = ssh_channel_window_size(channel_);
        if (window == 0) return;
        const std::string& front = outbox_.front();
        const auto len = static_cast<std::uint32_t>(
            std::min<std::size_t>({front.size() - out_offset_, window, 1u << 20}));
        const int n = ssh_channel_write(channel_, front.data() + out_offset_, len);
        if (n <= 0) return;
        out_offset_ += static_cast<std::size_t>(n);
        out_bytes_ -= static_cast<std::size_t>(n);
        if (out_offset_ == front.size()) {
            outbox_.pop_front();
            out_offset_ = 0;
        }
    }
}

void Connection::close_channel() {
    if (channel_ && !close_deadline_) ssh_channel_close(channel_);
    if (!close_deadline_) close_deadline_ = std::chrono::steady_clock::now() + kCloseLinger;
}

bool Connection::step(TimePoint now, bool stopping) {
    if (stopping) return false;
    if (!ssh_is_connected(session_)) {
        // Say why a connection died before logging in (a bad banner, such as a PROXY header
        // from a peer not in proxy.trusted that arrived after accept, shows up here).
        const char* error = ssh_get_error(session_);
        if (!user_ && error && *error)
            spdlog::info("sftp: {}: closed before login: {}", ip_, error);
        return false;
    }
    // Our side is closed: let the client close its own after our EOF, as OpenSSH's server
    // does, rather than cut the connection under it.
    if (close_deadline_) return now < *close_deadline_;
    if (channel_closed_) {
        close_deadline_ = now + kCloseLinger;
        return true;
    }
    if (received_.in_packets != packets_seen_) {
        packets_seen_ = received_.in_packets;
        last_activity_ = now;
    }
    flush();
    if (sftp_ && out_bytes_ < kOutboxLimit && !sftp_->feed({})) {
        close_channel();
        return true;
    }
    if (peer_eof_ && outbox_.empty() && out_bytes_ < kOutboxLimit) {
        // Close the SFTP session first: files still open are settled before the client hears
        // that the channel is done.
        sftp_.reset();
        if (channel_) {
            ssh_channel_request_send_exit_status(channel_, 0);
            ssh_channel_send_eof(channel_);
        }
        close_channel();
        return true;
    }
    if (banned_) {
        spdlog::info("sftp: {}: closed: the address is banned", ip_);
        return false;
    }
    if (!user_ && now - accepted_at_ > kLoginGrace) {
        spdlog::info("sftp: {}: no login within {} s; closing", ip_, kLoginGrace.count());
        return false;
    }
    if (now - last_activity_ > std::chrono::seconds(options_.idle_timeout_seconds)) {
        spdlog::info(
            "sftp: closing idle session of '{}' from {} ({} replies, {} bytes unsent; "
            "window {})",
            user_ ? user_->username : "", ip_, outbox_.size(), out_bytes_,
            channel_ ? ssh_channel_window_size(channel_) : 0);
        return false;
    }
    return true;
}

}  // namespace drawbridge::sftp
