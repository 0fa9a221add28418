// Accounts and their credentials, as stored. Field names follow Files.com's (docs/rest-api.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"

namespace drawbridge::core {

// Per-user password expiry override: the site's interval, a custom one, or never.
struct PasswordValidity {
    enum class Mode { site, days, never } mode = Mode::site;
    int days = 0;  // meaningful with Mode::days, > 0

    static std::optional<PasswordValidity> parse(std::string_view s);  // "site", "never", "N"
    std::string to_string() const;
    bool operator==(const PasswordValidity&) const = default;
};

struct User {
    std::int64_t id = 0;
    std::string username;  // unique, compared case-insensitively
    std::string email;
    AuthMethod authentication_method = AuthMethod::password;
    bool site_admin = false;
    bool disabled = false;
    std::optional<UnixTime> authenticate_until;  // access expiry
    bool require_password_change = false;
    // Native PBKDF2 string, or an imported hash while the method is password_with_imported_hash.
    std::string password_hash;
    std::optional<UnixTime> password_set_at;
    PasswordValidity password_validity;
    bool password_breached = false;  // flagged, never forces a change by itself
    bool self_managed = true;        // false: shared or bot user, exempt from expiry
    bool sftp_permission = true;
    bool ftp_permission = true;
    bool dav_permission = true;
    bool restapi_permission = true;
    bool web_permission = true;
    std::vector<std::string> allowed_ips;  // CIDRs
    bool bypass_site_allowed_ips = false;
    std::string user_root;  // empty: <data>/files/users/<id> (auth/user_roots.h)
    SiteDefault ssl_required = SiteDefault::use_system_setting;
    SiteDefault require_2fa = SiteDefault::use_system_setting;
    std::optional<UnixTime> lockout_expires;
    std::optional<UnixTime> last_login_at;
    std::optional<UnixTime> last_sftp_login_at;
    std::optional<UnixTime> last_ftp_login_at;
    std::optional<UnixTime> last_dav_login_at;
    std::optional<UnixTime> last_restapi_login_at;
    std::optional<UnixTime> last_web_login_at;
    UnixTime created_at = 0;
    // Read only, from the store: the user has an authenticator app or a security key
    // (docs/two-factor.md).
    bool active_2fa = false;

    bool permitted(Interface i) const;
    std::optional<UnixTime>* last_login_field(Interface i);
};

struct ApiKey {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string name;
    std::string description;
    std::string digest_hex;  // SHA-256 of the secret; the secret itself is never stored
    UnixTime created_at = 0;
    std::optional<UnixTime> expires_at;
    std::optional<UnixTime> last_use_at;
};

struct SshKey {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string title;
    std::string key_type;            // "ssh-ed25519", "ssh-rsa", ...
    std::string public_key_base64;   // the key blob as in authorized_keys
    std::string fingerprint_sha256;  // "SHA256:..." as ssh-keygen -l prints it
    UnixTime created_at = 0;
    std::optional<UnixTime> last_login_at;
};

// Usernames: 1-128 characters of letters, digits and . _ - @ +, starting with a letter or digit
// (so never "@api-...", the prefix of API-key logins). Returns an error message, or nullopt when
// valid.
std::optional<std::string> validate_username(std::string_view name);

}  // namespace drawbridge::core
