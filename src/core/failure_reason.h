// Why a login was refused. One enum, one table: every protocol maps these rows to its wire form,
// and the action log stores `failure_type`.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace drawbridge::core {

enum class FailureReason {
    none,
    // credentials
    username_not_found,
    password_mismatch,
    key_mismatch,
    api_key_mismatch,
    api_key_expired,
    // account state
    disabled,
    expired_access,
    password_expired,
    password_change_required,
    signup_incomplete,
    method_not_allowed,
    // per-protocol permission
    no_sftp_permission,
    no_ftp_permission,
    no_dav_permission,
    no_restapi_permission,
    no_web_permission,
    // network
    ip_mismatch,
    // reserved: filled by the login-security, FTP, SFTP and 2FA issues
    locked_out,
    rate_limited,
    country_mismatch,
    region_mismatch,
    insecure_ftp,
    insecure_cipher,
    second_factor_required,
    second_factor_mismatch,
    // password_and_ssh_key: one factor proved, the other never came (the client left, or the
    // protocol has no second step)
    password_missing,
    ssh_key_missing,
    directory_unavailable,
    // site switches and node capabilities
    protocol_disabled,  // sftp_enabled, ftp_enabled or dav_enabled is false
    geoip_unavailable,  // country rules are set but this node has no usable GeoIP database
    // a login over plain HTTP (WebDAV, REST) where the site or the user requires TLS; plain FTP
    // keeps Files.com's insecure_ftp
    insecure_http,
};

struct FailureInfo {
    FailureReason reason;
    std::string_view failure_type;  // Files.com identifier, as in the action log
    std::string_view title;         // wire title ("Lockout Region Mismatch")
    // What a client may be told. Credential reasons share one text so that a client cannot
    // tell an unknown username from a wrong password.
    std::string_view public_message;
    // Whether the reason may be shown to an unauthenticated SSH client in a banner.
    bool safe_to_disclose;
};

const FailureInfo& info(FailureReason r);
std::span<const FailureInfo> all_failure_reasons();
std::string_view to_string(FailureReason r);  // failure_type
std::optional<FailureReason> parse_failure_reason(std::string_view failure_type);

}  // namespace drawbridge::core
