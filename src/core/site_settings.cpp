#include "core/site_settings.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "core/cidr.h"
#include "core/types.h"

namespace drawbridge::core {
namespace {

using S = SiteSettings;

std::optional<std::string> validate_cidrs(std::string_view v) {
    std::string error;
    if (!parse_cidr_list(split_list(v), &error)) return error;
    return std::nullopt;
}

std::optional<std::string> validate_countries(std::string_view v) {
    for (const auto& code : split_list(v)) {
        const bool ok = code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' &&
                        code[1] <= 'Z';
        if (!ok) return "'" + code + "' is not a two-letter upper-case ISO 3166 country code";
    }
    return std::nullopt;
}

std::optional<std::string> validate_region(std::string_view v) {
    if (v.empty()) return "must be 'all' or a region name";
    for (char c : v)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return "region names use lower-case letters, digits, '-' and '_'";
    return std::nullopt;
}

constexpr std::array<std::string_view, 2> kLockoutScopes = {"user", "address"};
constexpr std::array<std::string_view, 3> kSmtpAuthentications = {"none", "plain", "login"};
constexpr std::array<std::string_view, 3> kSmtpSecurities = {"starttls", "tls", "none"};

bool one_of(std::span<const std::string_view> choices, std::string_view v) {
    return std::find(choices.begin(), choices.end(), v) != choices.end();
}

std::optional<std::string> validate_lockout_scope(std::string_view v) {
    if (one_of(kLockoutScopes, v)) return std::nullopt;
    return "must be 'user' (the account is locked everywhere) or 'address' (only from the "
           "addresses that guessed)";
}

std::optional<std::string> validate_hostname(std::string_view v) {
    if (v.empty() || v.size() > 253) return "must be a host name of 1 to 253 characters";
    for (char c : v)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == ':'))
            return "a host name uses letters, digits, '-', '.' (and ':' before a port)";
    return std::nullopt;
}

std::optional<std::string> validate_smtp_address(std::string_view v) {
    if (v.empty()) return std::nullopt;
    if (v.find(':') != std::string_view::npos) return "a host name only: the port is smtp_port";
    return validate_hostname(v);
}

std::optional<std::string> validate_smtp_authentication(std::string_view v) {
    if (one_of(kSmtpAuthentications, v)) return std::nullopt;
    return "must be 'none', 'plain' or 'login'";
}

std::optional<std::string> validate_smtp_security(std::string_view v) {
    if (one_of(kSmtpSecurities, v)) return std::nullopt;
    return "must be 'starttls' (upgrade with STARTTLS, required), 'tls' (implicit TLS, as on "
           "port 465) or 'none' (plain SMTP, loopback relays only)";
}

// One line of printable text: a value that reaches an SMTP command or a mail header must not
// be able to start another one.
std::optional<std::string> validate_one_line(std::string_view v) {
    if (v.size() > 512) return "at most 512 characters";
    for (unsigned char c : v)
        if (c < 0x20 || c == 0x7f) return "no control characters";
    return std::nullopt;
}

std::optional<std::string> validate_mail_address(std::string_view v) {
    if (v.empty()) return std::nullopt;
    if (auto e = validate_one_line(v)) return e;
    const auto at = v.find('@');
    if (at == 0 || at == std::string_view::npos || at + 1 == v.size() ||
        v.find_first_of(" <>,;\"") != std::string_view::npos)
        return "must be a mail address such as no-reply@example.com (empty: "
               "no-reply@<site_hostname>)";
    return std::nullopt;
}

std::optional<std::string> validate_base_url(std::string_view v) {
    if (v.empty()) return std::nullopt;
    if (auto e = validate_one_line(v)) return e;
    if (!(v.starts_with("https://") || v.starts_with("http://")) ||
        v.find_first_of(" \"<>?#") != std::string_view::npos)
        return "must be an http(s):// URL without query or fragment (empty: "
               "https://<site_hostname>)";
    return std::nullopt;
}

const std::array kFields = {
    SettingField{"password_min_length", &S::password_min_length, 1, 512, nullptr,
                 "minimum password length"},
    SettingField{"password_require_letter", &S::password_require_letter, 0, 0, nullptr,
                 "passwords need a letter"},
    SettingField{"password_require_mixed", &S::password_require_mixed, 0, 0, nullptr,
                 "passwords need upper- and lower-case letters"},
    SettingField{"password_require_number", &S::password_require_number, 0, 0, nullptr,
                 "passwords need a digit"},
    SettingField{"password_require_special", &S::password_require_special, 0, 0, nullptr,
                 "passwords need a symbol"},
    SettingField{"password_require_unbreached", &S::password_require_unbreached, 0, 0, nullptr,
                 "refuse common (breachable) passwords"},
    SettingField{"password_validity_days", &S::password_validity_days, 0, 36500, nullptr,
                 "days before a password expires (0: never)"},
    SettingField{"max_prior_passwords", &S::max_prior_passwords, 0, 30, nullptr,
                 "how many previous passwords may not be reused"},
    SettingField{"disable_password_reset", &S::disable_password_reset, 0, 0, nullptr,
                 "turn off password recovery by email"},
    SettingField{"welcome_email_enabled", &S::welcome_email_enabled, 0, 0, nullptr,
                 "send new users a welcome email (a sign-up link to email_signup users)"},
    SettingField{"allowed_ips", &S::allowed_ips, 0, 0, validate_cidrs,
                 "site IP allow list, comma-separated CIDRs (empty: every address)"},
    SettingField{"allowed_countries", &S::allowed_countries, 0, 0, validate_countries,
                 "only these countries may log in (ISO codes)"},
    SettingField{"disallowed_countries", &S::disallowed_countries, 0, 0, validate_countries,
                 "these countries may not log in (ISO codes)"},
    SettingField{"user_lockout", &S::user_lockout, 0, 0, nullptr,
                 "lock users out after repeated failed logins"},
    SettingField{"user_lockout_tries", &S::user_lockout_tries, 1, 100, nullptr,
                 "failed logins that lock a user"},
    SettingField{"user_lockout_within", &S::user_lockout_within, 1, 720, nullptr,
                 "hours in which those failures count"},
    SettingField{"user_lockout_lock_period", &S::user_lockout_lock_period, 1, 8760, nullptr,
                 "hours a lock lasts"},
    SettingField{"user_lockout_scope", &S::user_lockout_scope, 0, 0, validate_lockout_scope,
                 "'user': a lock holds on every address (anyone who guesses can lock a user "
                 "out); 'address': only on the addresses whose failures caused it"},
    SettingField{"brute_force_protection", &S::brute_force_protection, 0, 0, nullptr,
                 "score failed logins per address and ban addresses that keep guessing (the "
                 "block list applies either way)"},
    SettingField{"session_expiry_minutes", &S::session_expiry_minutes, 5, 525600, nullptr,
                 "minutes before an idle web or API session expires"},
    SettingField{"sftp_enabled", &S::sftp_enabled, 0, 0, nullptr, "serve SFTP"},
    SettingField{"ftp_enabled", &S::ftp_enabled, 0, 0, nullptr, "serve FTP and FTPS"},
    SettingField{"dav_enabled", &S::dav_enabled, 0, 0, nullptr, "serve WebDAV"},
    SettingField{"ssl_required", &S::ssl_required, 0, 0, nullptr,
                 "require TLS for logins on FTP and on the plain HTTP port (false allows them in "
                 "clear)"},
    SettingField{"sftp_insecure_ciphers", &S::sftp_insecure_ciphers, 0, 0, nullptr,
                 "offer legacy SSH algorithms"},
    SettingField{"sftp_show_failure_reasons", &S::sftp_show_failure_reasons, 0, 0, nullptr,
                 "tell SSH clients safe refusal reasons (password expired, change required, "
                 "region mismatch, IP not allowed) in an authentication banner"},
    SettingField{"ftp_require_tls_session_reuse", &S::ftp_require_tls_session_reuse, 0, 0, nullptr,
                 "FTPS data connections must resume the control connection's TLS session "
                 "(false admits clients that cannot, such as Python's ftplib)"},
    SettingField{"atomic_uploads", &S::atomic_uploads, 0, 0, nullptr,
                 "write uploads under a temporary name and rename them when complete"},
    SettingField{"users_can_create_api_keys", &S::users_can_create_api_keys, 0, 0, nullptr,
                 "users may manage their own API keys"},
    SettingField{"users_can_create_ssh_keys", &S::users_can_create_ssh_keys, 0, 0, nullptr,
                 "users may manage their own SSH keys"},
    SettingField{"require_2fa", &S::require_2fa, 0, 0, nullptr,
                 "require a second factor of every user whose require_2fa is use_system_setting"},
    SettingField{"allowed_region", &S::allowed_region, 0, 0, validate_region,
                 "'all' or the one region whose servers may accept logins"},
    SettingField{"hipaa", &S::hipaa, 0, 0, nullptr,
                 "the site is under a HIPAA agreement (cannot allow every region)"},
    SettingField{"site_hostname", &S::site_hostname, 0, 0, validate_hostname,
                 "the host name users must connect to"},
    SettingField{"smtp_address", &S::smtp_address, 0, 0, validate_smtp_address,
                 "host name of the SMTP relay (empty: none, mail waits in the outbox)"},
    SettingField{"smtp_port", &S::smtp_port, 1, 65535, nullptr, "port of the SMTP relay"},
    SettingField{"smtp_authentication", &S::smtp_authentication, 0, 0, validate_smtp_authentication,
                 "'none', 'plain' or 'login' (SMTP AUTH)"},
    SettingField{"smtp_username", &S::smtp_username, 0, 0, validate_one_line,
                 "user name for SMTP AUTH"},
    SettingField{"smtp_password",
                 &S::smtp_password,
                 0,
                 0,
                 validate_one_line,
                 "password for SMTP AUTH (never shown back)",
                 {},
                 true},
    SettingField{"smtp_from", &S::smtp_from, 0, 0, validate_mail_address,
                 "sender address (empty: no-reply@<site_hostname>)"},
    SettingField{"smtp_security", &S::smtp_security, 0, 0, validate_smtp_security,
                 "'starttls', 'tls' (implicit) or 'none'"},
    SettingField{"smtp_tls_verify", &S::smtp_tls_verify, 0, 0, nullptr,
                 "verify the relay's TLS certificate and host name"},
    SettingField{"web_base_url", &S::web_base_url, 0, 0, validate_base_url,
                 "base of the links in mail (empty: https://<site_hostname>)"},
};

struct ValueWriter {
    SiteSettings& s;
    const SettingField& f;
    std::string_view v;

    std::optional<std::string> operator()(bool S::*m) const {
        const auto b = parse_bool(v);
        if (!b)
            return std::string(f.name) + ": expected true or false, got '" + std::string(v) + "'";
        s.*m = *b;
        return std::nullopt;
    }
    std::optional<std::string> operator()(int S::*m) const {
        int n = 0;
        const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || n < f.min || n > f.max)
            return std::string(f.name) + ": expected a whole number from " + std::to_string(f.min) +
                   " to " + std::to_string(f.max) + ", got '" + std::string(v) + "'";
        s.*m = n;
        return std::nullopt;
    }
    std::optional<std::string> operator()(std::string S::*m) const {
        if (f.validate_text)
            if (auto e = f.validate_text(v)) return std::string(f.name) + ": " + *e;
        // Lists are stored normalised so that "a , b" and "a,b" compare equal.
        s.*m = is_list_setting(f) ? join_list(split_list(v)) : std::string(v);
        return std::nullopt;
    }
};

}  // namespace

std::span<const SettingField> site_setting_fields() {
    return kFields;
}

const SettingField* find_site_setting(std::string_view name) {
    for (const auto& f : kFields)
        if (f.name == name) return &f;
    return nullptr;
}

bool is_list_setting(const SettingField& f) {
    return f.validate_text == validate_cidrs || f.validate_text == validate_countries;
}

std::span<const std::string_view> setting_choices(const SettingField& f) {
    if (f.validate_text == validate_lockout_scope) return kLockoutScopes;
    if (f.validate_text == validate_smtp_authentication) return kSmtpAuthentications;
    if (f.validate_text == validate_smtp_security) return kSmtpSecurities;
    return {};
}

std::string setting_value(const SiteSettings& s, const SettingField& f) {
    return std::visit(
        [&](auto m) -> std::string {
            using T = std::decay_t<decltype(s.*m)>;
            if constexpr (std::is_same_v<T, bool>)
                return s.*m ? "true" : "false";
            else if constexpr (std::is_same_v<T, int>)
                return std::to_string(s.*m);
            else
                return s.*m;
        },
        f.member);
}

namespace {
// A setting the server does not act on yet keeps its default (see SettingField::not_implemented).
std::optional<std::string> refuse_unimplemented(const SiteSettings& candidate,
                                                const SettingField& f) {
    if (f.not_implemented.empty()) return std::nullopt;
    const std::string fallback = setting_value(SiteSettings{}, f);
    if (setting_value(candidate, f) == fallback) return std::nullopt;
    return std::string(f.name) + ": not implemented yet: " + std::string(f.not_implemented) +
           ", so only the default '" + fallback + "' is accepted until it is";
}
}  // namespace

std::optional<std::string> set_setting(SiteSettings& s, std::string_view name,
                                       std::string_view value) {
    const SettingField* f = find_site_setting(name);
    if (!f) return "unknown site setting '" + std::string(name) + "'";
    SiteSettings candidate = s;
    if (auto e = std::visit(ValueWriter{candidate, *f, value}, f->member)) return e;
    if (auto e = refuse_unimplemented(candidate, *f)) return e;
    if (auto e = validate_site_settings(candidate)) return e;
    s = candidate;
    return std::nullopt;
}

std::optional<std::string> set_settings(
    SiteSettings& s, const std::vector<std::pair<std::string, std::string>>& values) {
    SiteSettings candidate = s;
    for (const auto& [name, value] : values) {
        const SettingField* f = find_site_setting(name);
        if (!f) return "unknown site setting '" + name + "'";
        if (auto e = std::visit(ValueWriter{candidate, *f, value}, f->member)) return e;
        if (auto e = refuse_unimplemented(candidate, *f)) return e;
    }
    // Rules across fields are checked on the result, so that their order does not matter
    // (hipaa=true allowed_region=us-east is as good as the other way round).
    if (auto e = validate_site_settings(candidate)) return e;
    s = candidate;
    return std::nullopt;
}

std::vector<std::string> unimplemented_settings_in_use(const SiteSettings& s) {
    std::vector<std::string> out;
    for (const auto& f : kFields)
        if (!f.not_implemented.empty() && setting_value(s, f) != setting_value(SiteSettings{}, f))
            out.push_back(std::string(f.name) + "=" + setting_value(s, f));
    return out;
}

std::string displayed_setting_value(const SiteSettings& s, const SettingField& f) {
    if (!f.secret) return setting_value(s, f);
    return setting_value(s, f).empty() ? "" : "(set)";
}

std::string displayed_assignment(std::string_view name, std::string_view value) {
    const SettingField* f = find_site_setting(name);
    if (f && f->secret) return std::string(name) + "=(hidden)";
    return std::string(name) + "=" + std::string(value);
}

std::string mail_from_address(const SiteSettings& s) {
    if (!s.smtp_from.empty()) return s.smtp_from;
    const auto colon = s.site_hostname.find(':');
    return "no-reply@" + s.site_hostname.substr(0, colon);
}

std::string web_base_url(const SiteSettings& s) {
    std::string base = s.web_base_url.empty() ? "https://" + s.site_hostname : s.web_base_url;
    while (base.ends_with('/')) base.pop_back();
    return base;
}

std::optional<std::string> validate_site_settings(const SiteSettings& s) {
    if (s.hipaa && s.allowed_region == "all")
        return "allowed_region: a site under a HIPAA agreement must name one region, not 'all'";
    if (s.smtp_authentication != "none" && s.smtp_username.empty())
        return "smtp_username: SMTP AUTH (smtp_authentication=" + s.smtp_authentication +
               ") needs a user name";
    // A relay password is never sent in clear: AUTH needs STARTTLS or implicit TLS.
    if (s.smtp_authentication != "none" && s.smtp_security == "none")
        return "smtp_security: SMTP AUTH sends the password, so it needs 'starttls' or 'tls', "
               "not 'none'";
    return std::nullopt;
}

}  // namespace drawbridge::core
