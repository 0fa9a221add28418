#include "core/failure_reason.h"

#include <array>
#include <cassert>

namespace drawbridge::core {
namespace {

using R = FailureReason;
constexpr std::string_view kBadLogin = "Invalid username or password.";

// Order matches the enum; a static_assert below keeps them in step.
constexpr std::array kTable = {
    FailureInfo{R::none, "none", "", "", false},
    FailureInfo{R::username_not_found, "username_not_found", "Invalid Username Or Password",
                kBadLogin, false},
    FailureInfo{R::password_mismatch, "password_mismatch", "Invalid Username Or Password",
                kBadLogin, false},
    FailureInfo{R::key_mismatch, "key_mismatch", "Invalid Username Or Password", kBadLogin, false},
    FailureInfo{R::api_key_mismatch, "api_key_mismatch", "Invalid Username Or Password", kBadLogin,
                false},
    FailureInfo{R::api_key_expired, "api_key_expired", "Invalid Username Or Password", kBadLogin,
                false},
    FailureInfo{R::disabled, "disabled", "User Disabled", "This user is disabled.", false},
    FailureInfo{R::expired_access, "expired_access", "User Access Expired",
                "This user's access has expired.", false},
    FailureInfo{R::password_expired, "password_expired", "Password Expired",
                "Your password has expired; set a new one to log in.", true},
    FailureInfo{R::password_change_required, "password_change_required", "Password Change Required",
                "You must change your password before you can log in.", true},
    FailureInfo{R::signup_incomplete, "signup_incomplete", "Signup Incomplete",
                "Finish signing up through the link in your welcome email.", false},
    FailureInfo{R::method_not_allowed, "method_not_allowed", "Authentication Method Not Allowed",
                "This login method is not allowed for this user on this protocol.", false},
    FailureInfo{R::no_sftp_permission, "no_sftp_permission", "SFTP Not Permitted",
                "This user may not use SFTP.", false},
    FailureInfo{R::no_ftp_permission, "no_ftp_permission", "FTP Not Permitted",
                "This user may not use FTP.", false},
    FailureInfo{R::no_dav_permission, "no_dav_permission", "WebDAV Not Permitted",
                "This user may not use WebDAV.", false},
    FailureInfo{R::no_restapi_permission, "no_restapi_permission", "REST API Not Permitted",
                "This user may not use the REST API.", false},
    FailureInfo{R::no_web_permission, "no_web_permission", "Web Not Permitted",
                "This user may not use the web interface.", false},
    FailureInfo{R::ip_mismatch, "ip_mismatch", "IP Not Allowed",
                "Logins are not allowed from your IP address.", true},
    FailureInfo{R::locked_out, "locked_out", "Locked Out",
                "This user is locked out after too many failed logins.", false},
    FailureInfo{R::rate_limited, "rate_limited", "Too Many Login Attempts",
                "Too many login attempts from your address; try again later.", false},
    FailureInfo{R::country_mismatch, "country_mismatch", "Lockout Country Mismatch",
                "Logins are not allowed from your country.", false},
    FailureInfo{R::region_mismatch, "region_mismatch", "Lockout Region Mismatch",
                "Your account must login using a different server.", true},
    FailureInfo{R::insecure_ftp, "insecure_ftp", "Insecure FTP",
                "Plain FTP is not allowed; use FTPS (AUTH TLS).", false},
    FailureInfo{R::insecure_cipher, "insecure_cipher", "Insecure Cipher",
                "Your client negotiated a cipher this site does not allow.", false},
    // Reached only by whoever proved the password (docs/two-factor.md), so safe to tell.
    FailureInfo{R::second_factor_required, "second_factor_required",
                "Two Factor Authentication Required",
                "This account uses two-factor authentication: give a code from the authenticator "
                "app too.",
                true},
    FailureInfo{R::second_factor_mismatch, "second_factor_mismatch",
                "Two Factor Authentication Error", "The code was not accepted.", true},
    // Reached only by whoever proved the first factor, so safe to tell.
    FailureInfo{R::password_missing, "password_missing", "Password Required",
                "This user logs in with an SSH key and a password together; give the password "
                "too.",
                true},
    FailureInfo{R::ssh_key_missing, "ssh_key_missing", "SSH Key Required",
                "This user logs in with a password and an SSH key together, over SFTP only; "
                "offer the key too.",
                true},
    FailureInfo{R::directory_unavailable, "directory_unavailable", "Directory Unavailable",
                "The directory service could not be reached; try again later.", false},
    FailureInfo{R::protocol_disabled, "protocol_disabled", "Protocol Disabled",
                "This protocol is turned off on this site.", true},
    FailureInfo{R::geoip_unavailable, "geoip_unavailable", "Country Check Unavailable",
                "Your location cannot be checked right now; try again later.", false},
    FailureInfo{R::insecure_http, "insecure_http", "Insecure HTTP",
                "Logging in over plain HTTP is not allowed; use HTTPS.", false},
};
static_assert(kTable.size() == static_cast<std::size_t>(R::insecure_http) + 1);

constexpr bool table_in_enum_order() {
    for (std::size_t i = 0; i < kTable.size(); ++i)
        if (static_cast<std::size_t>(kTable[i].reason) != i) return false;
    return true;
}
static_assert(table_in_enum_order(), "kTable rows must follow the enum order");

}  // namespace

const FailureInfo& info(FailureReason r) {
    return kTable[static_cast<std::size_t>(r)];
}

std::span<const FailureInfo> all_failure_reasons() {
    return kTable;
}

std::string_view to_string(FailureReason r) {
    return info(r).failure_type;
}

std::optional<FailureReason> parse_failure_reason(std::string_view failure_type) {
    for (const auto& row : kTable)
        if (row.failure_type == failure_type) return row.reason;
    return std::nullopt;
}

}  // namespace drawbridge::core
