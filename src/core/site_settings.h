// Site-wide settings (README.md#configuration, docs/login-gate.md). One struct, and one table of
// fields that drives validation, the CLI's `site show|set`, JSON, and the store's columns.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace drawbridge::core {

struct SiteSettings {
    // password policy (seed 003 defaults)
    int password_min_length = 10;
    bool password_require_letter = true;
    bool password_require_mixed = true;
    bool password_require_number = true;
    bool password_require_special = true;
    bool password_require_unbreached = true;
    int password_validity_days = 0;  // 0: passwords do not expire
    int max_prior_passwords = 10;
    bool disable_password_reset = false;
    bool welcome_email_enabled = true;
    // network
    std::string allowed_ips;           // comma-separated CIDRs; empty: every address
    std::string allowed_countries;     // comma-separated ISO 3166 codes
    std::string disallowed_countries;  // comma-separated ISO 3166 codes
    // user lockout
    bool user_lockout = true;
    int user_lockout_tries = 6;
    int user_lockout_within = 6;              // hours
    int user_lockout_lock_period = 6;         // hours
    std::string user_lockout_scope = "user";  // "user" (everywhere) or "address"
    // brute-force protection (policy: auth::BruteForcePolicy)
    bool brute_force_protection = true;
    // sessions and protocols
    int session_expiry_minutes = 360;
    bool sftp_enabled = true;
    bool ftp_enabled = true;
    bool dav_enabled = true;
    bool ssl_required = true;  // plain FTP and plain-HTTP logins refused unless false
    bool sftp_insecure_ciphers = false;
    bool sftp_show_failure_reasons = false;     // safe refusal reasons in an SSH auth banner
    bool ftp_require_tls_session_reuse = true;  // FTPS data connections resume the control's
    bool atomic_uploads = true;  // uploads appear under their final name only when complete
    bool users_can_create_api_keys = false;
    bool users_can_create_ssh_keys = false;
    bool require_2fa = false;
    // regions (ours)
    std::string allowed_region = "all";
    bool hipaa = false;
    std::string site_hostname = "localhost";
    // mail (docs/mail.md): the relay, with Files.com's names, then ours
    std::string smtp_address;  // empty: no relay, mail waits in the outbox
    int smtp_port = 587;
    std::string smtp_authentication = "none";  // none, plain, login
    std::string smtp_username;
    std::string smtp_password;               // secret: never shown back, never logged
    std::string smtp_from;                   // empty: no-reply@<site_hostname>
    std::string smtp_security = "starttls";  // none, starttls, tls (implicit)
    bool smtp_tls_verify = true;
    std::string web_base_url;  // empty: https://<site_hostname>; links in mail point here

    bool operator==(const SiteSettings&) const = default;
};

struct SettingField {
    using Member =
        std::variant<bool SiteSettings::*, int SiteSettings::*, std::string SiteSettings::*>;
    std::string_view name;
    Member member;
    int min = 0;  // integer fields: inclusive range
    int max = 0;
    // text fields: returns an error message for a bad value, or nullopt
    std::optional<std::string> (*validate_text)(std::string_view) = nullptr;
    std::string_view help;
    // Non-empty: the server does not act on this setting yet (what is missing), so that only
    // its default is accepted until the feature lands: a stored value must never promise
    // what nothing enforces.
    std::string_view not_implemented = {};
    // A secret (smtp_password): shown back only as whether it is set, never logged.
    bool secret = false;
};

std::span<const SettingField> site_setting_fields();
const SettingField* find_site_setting(std::string_view name);
// A text setting that holds a comma-separated list (allowed_ips, the country lists).
bool is_list_setting(const SettingField& f);
// The values an enumerated text setting takes (user_lockout_scope, smtp_*), or none.
std::span<const std::string_view> setting_choices(const SettingField& f);

// The settings as an administrator meets them, grouped as Files.com's documentation groups them
// (password policy, expiry, brute force, IP allow list, countries, region, protocols, ...):
// the web UI's site page and `GET /site/schema` (src/core/site_setting_groups.cpp). Every
// setting is in exactly one group.
struct SettingGroup {
    std::string_view name;   // identifier: password_policy, ip_allow_list, ...
    std::string_view title;  // heading: "Password policy"
    std::span<const std::string_view> settings;
};
std::span<const SettingGroup> site_setting_groups();

// The value as text: "true"/"false", a decimal number, or the string itself.
std::string setting_value(const SiteSettings& s, const SettingField& f);
// What may be shown of the value: for a secret "(set)" or "", otherwise setting_value.
std::string displayed_setting_value(const SiteSettings& s, const SettingField& f);
// "name=value" for the action log and messages, with a secret's value hidden.
std::string displayed_assignment(std::string_view name, std::string_view value);
// The sender address of mail: smtp_from, or no-reply@<site_hostname without a port>.
std::string mail_from_address(const SiteSettings& s);
// The base of links in mail: web_base_url, or https://<site_hostname>, without a final '/'.
std::string web_base_url(const SiteSettings& s);
// Parses and range-checks `value` into `s`; returns an error naming the field and the range.
std::optional<std::string> set_setting(SiteSettings& s, std::string_view name,
                                       std::string_view value);
// Sets several at once; rules across fields apply to the result. On error `s` is unchanged.
std::optional<std::string> set_settings(
    SiteSettings& s, const std::vector<std::pair<std::string, std::string>>& values);
// Rules across fields (for example: a HIPAA site cannot allow every region).
std::optional<std::string> validate_site_settings(const SiteSettings& s);
// The settings of `s` that hold a value other than their default although the server does not
// act on them yet (stored before they were refused), as "name=value" texts.
std::vector<std::string> unimplemented_settings_in_use(const SiteSettings& s);

}  // namespace drawbridge::core
