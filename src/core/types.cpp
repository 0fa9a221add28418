#include "core/types.h"

#include <cstdio>
#include <ctime>

namespace drawbridge::core {
namespace {

template <typename E, std::size_t N>
std::optional<E> parse_enum(std::string_view s, const std::array<E, N>& all) {
    for (E e : all)
        if (to_string(e) == s) return e;
    return std::nullopt;
}

}  // namespace

std::string_view to_string(Interface i) {
    switch (i) {
        case Interface::sftp:
            return "sftp";
        case Interface::ftp:
            return "ftp";
        case Interface::dav:
            return "dav";
        case Interface::restapi:
            return "restapi";
        case Interface::web:
            return "web";
        case Interface::cli:
            return "cli";
    }
    return "cli";
}

std::string_view to_string(AuthMethod m) {
    switch (m) {
        case AuthMethod::password:
            return "password";
        case AuthMethod::sso:
            return "sso";
        case AuthMethod::none:
            return "none";
        case AuthMethod::email_signup:
            return "email_signup";
        case AuthMethod::password_with_imported_hash:
            return "password_with_imported_hash";
        case AuthMethod::password_and_ssh_key:
            return "password_and_ssh_key";
    }
    return "password";
}

std::string_view to_string(SiteDefault d) {
    switch (d) {
        case SiteDefault::use_system_setting:
            return "use_system_setting";
        case SiteDefault::always_require:
            return "always_require";
        case SiteDefault::never_require:
            return "never_require";
    }
    return "use_system_setting";
}

std::optional<Interface> parse_interface(std::string_view s) {
    return parse_enum(s, kInterfaces);
}
std::optional<AuthMethod> parse_auth_method(std::string_view s) {
    return parse_enum(s, kAuthMethods);
}
std::optional<SiteDefault> parse_site_default(std::string_view s) {
    return parse_enum(s, kSiteDefaults);
}

std::optional<bool> parse_bool(std::string_view v) {
    if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "0" || v == "no" || v == "off") return false;
    return std::nullopt;
}

std::string format_utc(UnixTime t, const char* strftime_format) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    const std::size_t n = std::strftime(buf, sizeof buf, strftime_format, &tm);
    return std::string(buf, n);
}

std::string format_time(UnixTime t) {
    return format_utc(t, "%Y-%m-%dT%H:%M:%SZ");
}

std::optional<UnixTime> parse_time(std::string_view s) {
    if (s.empty()) return std::nullopt;
    const bool all_digits = s.find_first_not_of("0123456789") == std::string_view::npos;
    if (all_digits && s.size() <= 12) return std::stoll(std::string(s));
    std::tm tm{};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    char tail[8] = {};
    const std::string str(s);
    int n =
        std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &sec, tail);
    if (n < 6) {
        sec = 0;
        n = std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d%7s", &y, &mo, &d, &h, &mi, tail);
        if (n < 5) {
            h = mi = 0;
            n = std::sscanf(str.c_str(), "%4d-%2d-%2d%7s", &y, &mo, &d, tail);
            if (n != 3) return std::nullopt;
        }
    }
    const std::string_view t(tail);
    if (!t.empty() && t != "Z") return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || h < 0 || mi < 0 ||
        sec < 0)
        return std::nullopt;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    const std::time_t r = timegm(&tm);
    // timegm normalises 2026-02-31 into March; refuse such dates instead.
    std::tm back{};
    gmtime_r(&r, &back);
    if (back.tm_mday != d || back.tm_mon != mo - 1) return std::nullopt;
    return static_cast<UnixTime>(r);
}

}  // namespace drawbridge::core
