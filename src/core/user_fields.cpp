#include "core/user_fields.h"

#include <array>

#include "core/cidr.h"

namespace drawbridge::core {
namespace {

using K = UserField::Kind;
using Err = std::optional<std::string>;

std::string time_text(const std::optional<UnixTime>& t) {
    return t ? format_time(*t) : "";
}

Err parse_bool_into(std::string_view v, bool& out) {
    const auto b = parse_bool(v);
    if (!b) return "expected true or false, got '" + std::string(v) + "'";
    out = *b;
    return std::nullopt;
}

Err parse_optional_time(std::string_view v, std::optional<UnixTime>& out) {
    if (v.empty() || v == "never" || v == "null") {
        out.reset();
        return std::nullopt;
    }
    auto t = parse_time(v);
    if (!t) return "expected a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ) or 'never'";
    out = t;
    return std::nullopt;
}

Err parse_site_default_into(std::string_view v, SiteDefault& out) {
    auto d = parse_site_default(v);
    if (!d) return "expected use_system_setting, always_require or never_require";
    out = *d;
    return std::nullopt;
}

// The names of every value of an enumeration (kAuthMethods, kSiteDefaults).
template <const auto& values>
std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto v : values) out.emplace_back(to_string(v));
    return out;
}

#define BOOL_FIELD(member)                                                   \
    UserField {                                                              \
#member, K::boolean, [](const User& u) -> std::string {                    \
            return u.member ? "true" : "false";                                    \
        },                                                                         \
            [](User& u, std::string_view v) -> Err { return parse_bool_into(v, u.member); } \
    }
#define TIME_FIELD(member)                                                                       \
    UserField {                                                                                  \
#member, K::time, [](const User& u) -> std::string { return time_text(u.member); },      \
                                                                                         nullptr \
    }

const std::array kFields = {
    UserField{"id", K::text, [](const User& u) { return std::to_string(u.id); }},
    UserField{"username", K::text, [](const User& u) { return u.username; },
              [](User& u, std::string_view v) -> Err {
                  if (auto e = validate_username(v)) return e;
                  u.username = std::string(v);
                  return std::nullopt;
              }},
    UserField{"email", K::text, [](const User& u) { return u.email; },
              [](User& u, std::string_view v) -> Err {
                  const auto at = v.find('@');
                  if (!v.empty() &&
                      (at == 0 || at == std::string_view::npos || at + 1 == v.size() ||
                       v.find_first_of(" \t\r\n,;<>") != std::string_view::npos))
                      return "expected an email address like name@example.com (or empty)";
                  u.email = std::string(v);
                  return std::nullopt;
              }},
    // Changing the method to one with a password goes through `user password`, which sets one.
    UserField{"authentication_method", K::enumeration,
              [](const User& u) { return std::string(to_string(u.authentication_method)); },
              [](User& u, std::string_view v) -> Err {
                  auto m = parse_auth_method(v);
                  if (!m)
                      return "expected password, sso, none, email_signup, "
                             "password_with_imported_hash or password_and_ssh_key";
                  if (*m == AuthMethod::password_with_imported_hash)
                      return "set an imported hash with `user password --import-hash` instead";
                  u.authentication_method = *m;
                  return std::nullopt;
              },
              names<kAuthMethods>},
    BOOL_FIELD(site_admin),
    BOOL_FIELD(disabled),
    UserField{"authenticate_until", K::time,
              [](const User& u) { return time_text(u.authenticate_until); },
              [](User& u, std::string_view v) -> Err {
                  return parse_optional_time(v, u.authenticate_until);
              }},
    BOOL_FIELD(require_password_change),
    TIME_FIELD(password_set_at),
    UserField{"password_validity_days", K::text,
              [](const User& u) { return u.password_validity.to_string(); },
              [](User& u, std::string_view v) -> Err {
                  auto p = PasswordValidity::parse(v);
                  if (!p) return "expected 'site', 'never' or a number of days from 1 to 36500";
                  u.password_validity = *p;
                  return std::nullopt;
              }},
    UserField{"password_breached", K::boolean,
              [](const User& u) -> std::string { return u.password_breached ? "true" : "false"; }},
    BOOL_FIELD(self_managed),
    BOOL_FIELD(sftp_permission),
    BOOL_FIELD(ftp_permission),
    BOOL_FIELD(dav_permission),
    BOOL_FIELD(restapi_permission),
    BOOL_FIELD(web_permission),
    UserField{"allowed_ips", K::list, [](const User& u) { return join_list(u.allowed_ips); },
              [](User& u, std::string_view v) -> Err {
                  auto items = split_list(v);
                  std::string error;
                  auto list = parse_cidr_list(items, &error);
                  if (!list) return error;
                  u.allowed_ips.clear();
                  for (const auto& c : list->entries) u.allowed_ips.push_back(c.to_string());
                  return std::nullopt;
              }},
    BOOL_FIELD(bypass_site_allowed_ips),
    UserField{"user_root", K::text, [](const User& u) { return u.user_root; },
              [](User& u, std::string_view v) -> Err {
                  if (v.find('\0') != std::string_view::npos) return "must not contain NUL";
                  u.user_root = std::string(v);
                  return std::nullopt;
              }},
    UserField{
        "ssl_required", K::enumeration,
        [](const User& u) { return std::string(to_string(u.ssl_required)); },
        [](User& u, std::string_view v) { return parse_site_default_into(v, u.ssl_required); },
        names<kSiteDefaults>},
    UserField{
        "require_2fa", K::enumeration,
        [](const User& u) { return std::string(to_string(u.require_2fa)); },
        [](User& u, std::string_view v) { return parse_site_default_into(v, u.require_2fa); },
        names<kSiteDefaults>},
    TIME_FIELD(lockout_expires),
    TIME_FIELD(last_login_at),
    TIME_FIELD(last_sftp_login_at),
    TIME_FIELD(last_ftp_login_at),
    TIME_FIELD(last_dav_login_at),
    TIME_FIELD(last_restapi_login_at),
    TIME_FIELD(last_web_login_at),
    UserField{"created_at", K::time, [](const User& u) { return format_time(u.created_at); }},
};

#undef BOOL_FIELD
#undef TIME_FIELD

}  // namespace

std::span<const UserField> user_fields() {
    return kFields;
}

const UserField* find_user_field(std::string_view name) {
    for (const auto& f : kFields)
        if (f.name == name) return &f;
    return nullptr;
}

std::optional<std::string> set_user_field(User& u, std::string_view name, std::string_view value) {
    const UserField* f = find_user_field(name);
    if (!f) return "unknown user field '" + std::string(name) + "'";
    if (!f->set) return std::string(name) + " is read-only";
    if (auto e = f->set(u, value)) return std::string(name) + ": " + *e;
    return std::nullopt;
}

}  // namespace drawbridge::core
