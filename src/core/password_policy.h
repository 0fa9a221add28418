// The site's password rules (docs/password-policy.md), the generator that always satisfies them,
// and password expiry.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/site_settings.h"
#include "core/types.h"
#include "core/user.h"

namespace drawbridge::core {

enum class PasswordRule { min_length, letter, number, special, mixed_case, unbreached, reused };

struct PolicyViolation {
    PasswordRule rule;
    std::string message;  // "at least 10 characters", "not one of the last 10 passwords", ...
};

// True when `password` (compared case-insensitively for A-Z) is in the 30,000 common passwords
// of zxcvbn, compiled into the binary.
bool is_common_password(std::string_view password);
std::size_t common_password_count();

// Every rule the site applies, in the order of PasswordRule, with the message a person is shown
// (the web UI's checklist lists them: docs/web-ui.md#password-change).
std::vector<PolicyViolation> password_rules(const SiteSettings& settings);
// Whether `password` meets one rule that needs nothing but the password (letter, number,
// special, mixed_case, unbreached); min_length and reused are decided by check_password().
bool meets_rule(std::string_view password, PasswordRule rule);
// The rule's name in the API ("min_length", "mixed_case", ...).
std::string_view to_string(PasswordRule rule);

// Every unmet rule, in the order of PasswordRule. `prior_hashes` are the user's previous
// password hashes, newest first; only the first settings.max_prior_passwords are checked.
std::vector<PolicyViolation> check_password(std::string_view password, const SiteSettings& settings,
                                            std::span<const std::string> prior_hashes = {});
// One message listing every unmet rule: "The password must have: at least 10 characters; a
// number." Empty when there is none.
std::string describe_violations(const std::vector<PolicyViolation>& violations);

// A random password (OpenSSL CSPRNG) that meets the policy; `length` 0 means
// max(16, min_length).
std::string generate_password(const SiteSettings& settings, std::size_t length = 0);

struct PasswordExpiry {
    std::optional<int> validity_days;  // effective interval; nullopt: never expires
    std::optional<UnixTime> expire_at;
    std::optional<long> days_remaining;  // rounded up; 0 or less once expired
    bool expired = false;
};
// Site days, per-user override (site / N days / never), bot (self_managed=false) exempt,
// only for methods that have a password. A shortened interval can expire at once.
PasswordExpiry password_expiry(const User& user, const SiteSettings& settings, UnixTime now);

}  // namespace drawbridge::core
