#include "core/user.h"

#include <charconv>

namespace drawbridge::core {

std::optional<PasswordValidity> PasswordValidity::parse(std::string_view s) {
    if (s == "site") return PasswordValidity{};
    if (s == "never") return PasswordValidity{Mode::never, 0};
    int days = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), days);
    if (ec != std::errc{} || p != s.data() + s.size() || days < 1 || days > 36500)
        return std::nullopt;
    return PasswordValidity{Mode::days, days};
}

std::string PasswordValidity::to_string() const {
    switch (mode) {
        case Mode::site:
            return "site";
        case Mode::never:
            return "never";
        case Mode::days:
            return std::to_string(days);
    }
    return "site";
}

bool User::permitted(Interface i) const {
    switch (i) {
        case Interface::sftp:
            return sftp_permission;
        case Interface::ftp:
            return ftp_permission;
        case Interface::dav:
            return dav_permission;
        case Interface::restapi:
            return restapi_permission;
        case Interface::web:
            return web_permission;
        case Interface::cli:
            return true;  // the administrator's own console
    }
    return false;
}

std::optional<UnixTime>* User::last_login_field(Interface i) {
    switch (i) {
        case Interface::sftp:
            return &last_sftp_login_at;
        case Interface::ftp:
            return &last_ftp_login_at;
        case Interface::dav:
            return &last_dav_login_at;
        case Interface::restapi:
            return &last_restapi_login_at;
        case Interface::web:
            return &last_web_login_at;
        case Interface::cli:
            return nullptr;
    }
    return nullptr;
}

std::optional<std::string> validate_username(std::string_view name) {
    if (name.empty()) return "username must not be empty";
    if (name.size() > 128) return "username must be at most 128 characters";
    if (name.starts_with("@api-"))
        return "username must not start with '@api-' (that prefix names API-key logins)";
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@' ||
                        c == '+';
        if (!ok)
            return std::string("username may contain only letters, digits and . _ - @ + (found '") +
                   c + "')";
    }
    const char first = name.front();
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') ||
          (first >= '0' && first <= '9')))
        return "username must start with a letter or a digit";
    return std::nullopt;
}

}  // namespace drawbridge::core
