// Enumerations shared by every module, with their Files.com identifiers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drawbridge::core {

// Seconds since the Unix epoch, UTC. The store keeps times in this form.
using UnixTime = std::int64_t;

// The `interface` of an action-log entry: where an attempt came from.
enum class Interface { sftp, ftp, dav, restapi, web, cli };
inline constexpr std::array kInterfaces = {Interface::sftp,    Interface::ftp, Interface::dav,
                                           Interface::restapi, Interface::web, Interface::cli};

enum class AuthMethod {
    password,
    sso,
    none,
    email_signup,
    password_with_imported_hash,
    password_and_ssh_key,
};
inline constexpr std::array kAuthMethods = {AuthMethod::password,
                                            AuthMethod::sso,
                                            AuthMethod::none,
                                            AuthMethod::email_signup,
                                            AuthMethod::password_with_imported_hash,
                                            AuthMethod::password_and_ssh_key};

// Per-user tri-state used by `ssl_required` and `require_2fa`.
enum class SiteDefault { use_system_setting, always_require, never_require };
inline constexpr std::array kSiteDefaults = {
    SiteDefault::use_system_setting, SiteDefault::always_require, SiteDefault::never_require};

std::string_view to_string(Interface i);
std::string_view to_string(AuthMethod m);
std::string_view to_string(SiteDefault d);
std::optional<Interface> parse_interface(std::string_view s);
std::optional<AuthMethod> parse_auth_method(std::string_view s);
std::optional<SiteDefault> parse_site_default(std::string_view s);

// "true"/"false" (also 1/0, yes/no, on/off), as settings and user fields are written.
std::optional<bool> parse_bool(std::string_view s);

// ISO-8601 UTC ("2026-11-23T01:02:03Z") for logs, JSON and the CLI.
// `t` in UTC with a strftime format, e.g. HTTP's "%a, %d %b %Y %H:%M:%S GMT".
std::string format_utc(UnixTime t, const char* strftime_format);
std::string format_time(UnixTime t);
// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC) or a number of epoch seconds.
std::optional<UnixTime> parse_time(std::string_view s);

}  // namespace drawbridge::core
