// SSH user authentication for a Connection: requests taken from libssh's message queue, decided by
// the LoginGate on another thread, answered when the decision comes back.
#include <libssh/server.h>
#include <spdlog/spdlog.h>

#include "core/crypto.h"
#include "sftp/connection.h"

// libssh 0.10 marks the message accessors deprecated in favour of the auth callbacks, which must
// answer synchronously; the accessors are the only way to answer later.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace drawbridge::sftp {
namespace {

// The text of the authentication banner for a refusal a client may be told about.
std::string banner_for(const core::LoginOutcome& outcome) {
    const auto& info = core::info(outcome.shown);
    // The region refusal's detail names the server to use; the others' public text is enough.
    const std::string text = outcome.shown == core::FailureReason::region_mismatch
                                 ? outcome.detail
                                 : std::string(info.public_message);
    return "drawbridge: " + std::string(info.title) + ": " + text + "\r\n";
}

std::optional<std::string> key_blob(ssh_key key) {
    char* b64 = nullptr;
    if (!key || ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) return std::nullopt;
    auto decoded = core::crypto::base64_decode(b64);
    ssh_string_free_char(b64);
    return decoded;
}

}  // namespace

void Connection::take_messages() {
    // One request at a time: the next waits until the gate has answered this one, as a client
    // waits for our answer before it tries another method.
    while (!pending_auth_) {
        Message msg(ssh_message_get(session_));
        if (!msg) return;
        switch (ssh_message_type(msg.get())) {
            case SSH_REQUEST_AUTH:
                on_auth_request(std::move(msg));
                break;
            case SSH_REQUEST_CHANNEL_OPEN:
                on_channel_open(std::move(msg));
                break;
            case SSH_REQUEST_CHANNEL:
                on_channel_request(std::move(msg));
                break;
            default:  // service requests, global requests (keepalives): libssh's answer
                ssh_message_reply_default(msg.get());
        }
    }
}

void Connection::on_auth_request(Message msg) {
    ssh_message m = msg.get();
    // Anything past "none" (a password, a key, even a key probe) is an attempt to log in; a
    // connection that closes without one is reported to brute-force protection as abandoned.
    if (ssh_message_subtype(m) != SSH_AUTH_METHOD_NONE) attempted_ = true;
    const char* user = ssh_message_auth_user(m);
    const std::string username = user ? user : "";
    switch (ssh_message_subtype(m)) {
        case SSH_AUTH_METHOD_PASSWORD: {
            const char* password = ssh_message_auth_password(m);
            return decide(std::move(msg), core::PasswordCredential{password ? password : ""},
                          username);
        }
        case SSH_AUTH_METHOD_PUBLICKEY: {
            ssh_key key = ssh_message_auth_pubkey(m);
            const auto blob = key_blob(key);
            const auto state = ssh_message_auth_publickey_state(m);
            if (!blob) break;
            // A probe ("would you take this key?") is answered without counting as an attempt.
            if (state == SSH_PUBLICKEY_STATE_NONE) {
                if (gate_.accepts_key_probe(username, *blob)) {
                    ssh_message_auth_reply_pk_ok_simple(m);
                    return;
                }
                break;
            }
            if (state != SSH_PUBLICKEY_STATE_VALID) break;
            return decide(std::move(msg),
                          core::PublicKeyCredential{ssh_key_type_to_char(ssh_key_type(key)), *blob},
                          username);
        }
        case SSH_AUTH_METHOD_INTERACTIVE: {
            // As clients use it for passwords: one prompt, its answer to the gate; after a
            // password that was right, the prompt asks for the second factor's code.
            if (!ssh_message_auth_kbdint_is_response(m)) {
                kbdint_user_ = username;
                kbdint_code_ = partial_ && partial_->missing == core::Factor::second_factor;
                const char* prompts[] = {kbdint_code_ ? "Verification code: " : "Password: "};
                char echo[] = {0};
                ssh_message_auth_interactive_request(
                    m, "", kbdint_code_ ? "Two-factor authentication" : "", 1, prompts, echo);
                return;
            }
            if (ssh_userauth_kbdint_getnanswers(session_) != 1) break;
            const char* answer = ssh_userauth_kbdint_getanswer(session_, 0);
            std::string text = answer ? answer : "";
            if (kbdint_code_)
                return decide(std::move(msg), core::OneTimeCodeCredential{std::move(text)},
                              kbdint_user_);
            return decide(std::move(msg), core::PasswordCredential{std::move(text)}, kbdint_user_);
        }
        default:  // "none", host-based, GSSAPI: the list of what we take
            break;
    }
    ssh_message_auth_set_methods(m, auth_methods_);
    ssh_message_reply_default(m);
}

void Connection::decide(Message msg, core::Credential credential, std::string username) {
    last_activity_ = std::chrono::steady_clock::now();
    pending_auth_ = std::move(msg);
    deciding_username_ = username;
    core::LoginAttempt attempt{
        std::move(username), core::Interface::sftp, ip_, std::move(credential),
        verified_,           verified_user_id_};
    attempt.guesses = guesses_;
    attempt.multi_step = true;  // SSH's partial success asks for the missing factor
    // For clients without keyboard-interactive, the code may follow the password.
    attempt.code_may_follow_password = true;
    decider_(*this, std::move(attempt));
}

void Connection::on_decided(const core::LoginOutcome& outcome) {
    Message msg = std::move(pending_auth_);
    if (!msg) return;
    last_activity_ = std::chrono::steady_clock::now();
    ssh_message m = msg.get();
    partial_.reset();
    switch (outcome.kind) {
        case core::LoginOutcome::Kind::success:
            user_ = outcome.user;
            grant_ = outcome.grant;
            readmitted_at_ = last_activity_;
            ssh_message_auth_reply_success(m, 0);
            break;
        case core::LoginOutcome::Kind::partial:
            verified_ = outcome.verified;
            verified_user_id_ = outcome.user->id;
            partial_ = outcome;
            partial_username_ = deciding_username_;
            // The code is asked for by keyboard-interactive only (docs/two-factor.md).
            auth_methods_ = *outcome.missing == core::Factor::password
                                ? SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE
                            : *outcome.missing == core::Factor::second_factor
                                ? SSH_AUTH_METHOD_INTERACTIVE
                                : SSH_AUTH_METHOD_PUBLICKEY;
            ssh_message_auth_set_methods(m, auth_methods_);
            ssh_message_auth_reply_success(m, 1);
            break;
        case core::LoginOutcome::Kind::failure:
            // A ban that began during this connection ends it: more guesses would only be
            // refused, and the client may as well learn it now. So does the per-connection cap
            // on failed logins (docs/login-gate.md#per-connection-cap).
            if (outcome.reason == core::FailureReason::rate_limited)
                ended_because_ = "the address is banned";
            else if (outcome.end_connection)
                ended_because_ = "too many failed logins on this connection";
            // SSH carries only a generic failure; a site may choose to say more about safe
            // reasons.
            if (show_failure_reasons_ && core::info(outcome.shown).safe_to_disclose) {
                const std::string text = banner_for(outcome);
                ssh_string banner = ssh_string_from_char(text.c_str());
                ssh_send_issue_banner(session_, banner);
                ssh_string_free(banner);
            }
            ssh_message_auth_set_methods(m, auth_methods_);
            ssh_message_reply_default(m);
            break;
    }
}

}  // namespace drawbridge::sftp
