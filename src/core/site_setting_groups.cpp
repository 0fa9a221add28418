// The site settings grouped as an administrator meets them (Files.com's documentation: password
// policy with its defaults, expiry, brute force, IP allow list, countries, region and HIPAA,
// protocols). Presentation only: what a setting accepts stays in site_settings.cpp.
#include <array>
#include <string_view>

#include "core/site_settings.h"

namespace drawbridge::core {
namespace {

using namespace std::string_view_literals;

constexpr std::array kPasswordPolicy = {
    "password_min_length"sv,         "password_require_letter"sv, "password_require_number"sv,
    "password_require_special"sv,    "password_require_mixed"sv,  "max_prior_passwords"sv,
    "password_require_unbreached"sv, "disable_password_reset"sv,
};
constexpr std::array kPasswordExpiry = {"password_validity_days"sv};
constexpr std::array kBruteForce = {
    "brute_force_protection"sv,   "user_lockout"sv,
    "user_lockout_tries"sv,       "user_lockout_within"sv,
    "user_lockout_lock_period"sv, "user_lockout_scope"sv,
};
constexpr std::array kIpAllowList = {"allowed_ips"sv};
constexpr std::array kCountries = {"allowed_countries"sv, "disallowed_countries"sv};
constexpr std::array kRegion = {"allowed_region"sv, "hipaa"sv, "site_hostname"sv};
constexpr std::array kProtocols = {
    "sftp_enabled"sv,
    "ftp_enabled"sv,
    "dav_enabled"sv,
    "ssl_required"sv,
    "sftp_insecure_ciphers"sv,
    "sftp_show_failure_reasons"sv,
    "ftp_require_tls_session_reuse"sv,
    "atomic_uploads"sv,
};
constexpr std::array kSessions = {
    "session_expiry_minutes"sv,
    "users_can_create_api_keys"sv,
    "users_can_create_ssh_keys"sv,
    "require_2fa"sv,
};
constexpr std::array kMail = {
    "welcome_email_enabled"sv, "smtp_address"sv,    "smtp_port"sv,
    "smtp_security"sv,         "smtp_tls_verify"sv, "smtp_authentication"sv,
    "smtp_username"sv,         "smtp_password"sv,   "smtp_from"sv,
    "web_base_url"sv,
};

constexpr std::array kGroups = {
    SettingGroup{"password_policy", "Password policy", kPasswordPolicy},
    SettingGroup{"password_expiry", "Password expiration", kPasswordExpiry},
    SettingGroup{"brute_force", "Brute force protection and lockout", kBruteForce},
    SettingGroup{"ip_allow_list", "IP allow list", kIpAllowList},
    SettingGroup{"countries", "Countries", kCountries},
    SettingGroup{"region", "Region and HIPAA", kRegion},
    SettingGroup{"protocols", "Protocols", kProtocols},
    SettingGroup{"sessions", "Sessions, keys and second factor", kSessions},
    SettingGroup{"mail", "Mail", kMail},
};

}  // namespace

std::span<const SettingGroup> site_setting_groups() {
    return kGroups;
}

}  // namespace drawbridge::core
