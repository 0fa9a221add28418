// The login decision as data: what a protocol asks (LoginAttempt) and what the gate answers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "core/failure_reason.h"
#include "core/types.h"
#include "core/user.h"

namespace drawbridge::core {

// second_factor: a code from an authenticator app, a recovery code or a security key
// (docs/two-factor.md); it is never a first factor.
enum class Factor { password, ssh_key, api_key, second_factor };

class GuessMemo;  // core/guess_memo.h

struct PasswordCredential {
    std::string secret;
};
// A public key whose possession the protocol has already proven (SSH signature checked).
struct PublicKeyCredential {
    std::string key_type;
    std::string blob;  // raw key blob (not base64)
};
// An API key presented on its own, as in an HTTP header.
struct ApiKeyCredential {
    std::string secret;
};
// The second step of a login whose first factor the gate accepted (a partial outcome): a code
// from the user's authenticator app, or one of its recovery codes.
struct OneTimeCodeCredential {
    std::string code;
};
// The second step by a security key (WebAuthn): navigator.credentials.get()'s answer (raw
// bytes), with what the server expects of it: the challenge it sent, its relying party id and
// the page's origin (docs/two-factor.md#security-keys).
struct WebAuthnCredential {
    std::string credential_id;
    std::string client_data_json;
    std::string authenticator_data;
    std::string signature;
    std::string expected_challenge;
    std::string rp_id;
    std::string origin;
};
using Credential = std::variant<PasswordCredential, PublicKeyCredential, ApiKeyCredential,
                                OneTimeCodeCredential, WebAuthnCredential>;

struct LoginAttempt {
    std::string username;  // as typed; "@api-<id or name>" for an API key used as a password
    Interface interface = Interface::cli;
    std::string client_ip;
    Credential credential;
    // Factors the gate already accepted earlier on this connection (from a partial outcome),
    // and for which user: they count only if the attempt resolves to that same user.
    std::set<Factor> verified;
    std::optional<std::int64_t> verified_user_id;
    // False when the credential crossed the network in clear (plain FTP, the plain HTTP port):
    // the site and the user decide whether that may log in (insecure_ftp, insecure_http).
    bool secure_transport = true;
    // The connection's memo of wrong guesses already counted (null: none kept): the same wrong
    // secret offered again on the connection is refused without being counted again.
    std::shared_ptr<GuessMemo> guesses = nullptr;
    // Whether the protocol can ask for a missing factor on the same connection (SSH's partial
    // success). When not, a partial outcome is refused and recorded by the gate at once.
    bool multi_step = false;
    // A second factor given with the first (REST's `otp`): a TOTP or recovery code.
    std::optional<std::string> one_time_code = std::nullopt;
    // The protocol has no second step, so a password may carry the code: its last six
    // characters, when they are digits and the user has an authenticator app (FTP, SFTP's
    // "password" method; docs/two-factor.md#per-interface).
    bool code_may_follow_password = false;
    // The password is proved again within a session that passed its second factor already
    // (changing one's own password): no code is asked for.
    bool second_factor_proven = false;
};

// What a successful login granted, kept by the protocol for as long as the session lasts: the
// gate re-admits the session from it (LoginGate::readmit), so that disabling, deleting or
// locking the user, changing its password or revoking the key it used ends the session too.
struct SessionGrant {
    std::int64_t user_id = 0;
    Interface interface = Interface::cli;
    std::string client_ip;
    std::set<Factor> factors;  // every credential that proved the login
    std::optional<std::int64_t> api_key_id;
    std::optional<std::int64_t> ssh_key_id;
    std::string password_digest;  // SHA-256 of the stored hash the password was checked against
    // A web sign-in with the right password whose password must be changed first (set by an
    // administrator, or expired): the session may only change it
    // (docs/login-gate.md#web-password-change).
    bool password_change_only = false;
    // A web sign-in of a user who must use two-factor authentication and has not set it up: the
    // session may only set it up (docs/two-factor.md).
    bool two_factor_setup_only = false;
    // The gate's memo of its last full check: nothing it rests on has changed since while the
    // store's rights version is the same and `recheck_by` (a time-based end: access expiry, a
    // key's expiry, or a minute) has not come.
    std::uint64_t checked_version = 0;
    UnixTime recheck_by = 0;
    // Counts the session among the node's open ones while any copy of the grant lives
    // (auth/open_sessions.h); a grant read back from the store has none.
    std::shared_ptr<const void> open_session;
};

// A REST session as the store keeps it (docs/rest-api.md#sessions): the grant, keyed by the
// SHA-256 of its token; the token itself is only ever in the client's hands.
struct StoredSession {
    std::int64_t id = 0;
    std::string token_digest;  // hex SHA-256 of the token
    SessionGrant grant;        // without the memo, which is per process
    // The offender key (auth::offender_key) of grant.client_ip: a lock of the user from that
    // address (user_lockout_scope=address) revokes the session.
    std::string address_key;
    UnixTime created_at = 0;
    UnixTime last_used_at = 0;  // recorded at most once a minute
    UnixTime expires_at = 0;    // the absolute end; idle time is counted from last_used_at
};

struct LoginOutcome {
    enum class Kind { success, partial, failure } kind = Kind::failure;
    std::optional<User> user;       // success and partial
    std::set<Factor> verified;      // partial: pass back in the next attempt
    std::optional<Factor> missing;  // partial: what is still needed
    FailureReason reason = FailureReason::none;
    std::string detail;  // failure: for the log (and safe wire use per table)
    // failure: the reason a client may be told, which is not always the real one: a locked-out
    // account answers a wrong password as a wrong password (docs/login-gate.md#lockout).
    FailureReason shown = FailureReason::none;
    // failure: the same wrong guess again on this connection (LoginAttempt::guesses): refused
    // as before, but not scored, counted toward a lock or logged again.
    bool repeated = false;
    // failure: this connection has had kMaxFailedLoginsPerConnection failures counted; its
    // protocol answers this one and closes it (docs/login-gate.md#per-connection-cap).
    bool end_connection = false;
    // success; and a failure of a web sign-in for password_change_required or password_expired,
    // whose grant is then password_change_only.
    std::optional<SessionGrant> grant;

    bool ok() const { return kind == Kind::success; }
};

}  // namespace drawbridge::core
