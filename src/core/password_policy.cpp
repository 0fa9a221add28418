// Password rules. Character classes are ASCII: a letter is A-Z or a-z, a number 0-9, and a
// symbol any other character (punctuation, space, or any non-ASCII character), so a password in
// another script still counts towards length and symbols.
#include "core/password_policy.h"

#include <algorithm>
#include <future>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/password_hash.h"

namespace drawbridge::core {
namespace {

bool is_lower(unsigned char c) {
    return c >= 'a' && c <= 'z';
}
bool is_upper(unsigned char c) {
    return c >= 'A' && c <= 'Z';
}
bool is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}
bool is_symbol(unsigned char c) {
    return !is_lower(c) && !is_upper(c) && !is_digit(c);
}

template <typename Pred>
bool any(std::string_view s, Pred p) {
    return std::any_of(s.begin(), s.end(),
                       [&](char c) { return p(static_cast<unsigned char>(c)); });
}

// Length in characters, not bytes, so a UTF-8 password is measured as a person would.
std::size_t characters(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool reuses(std::string_view password, std::span<const std::string> prior) {
    // Each verification is a full PBKDF2; run them side by side.
    std::vector<std::future<bool>> checks;
    for (const auto& h : prior)
        checks.push_back(std::async(
            std::launch::async, [password, &h] { return verify_password(password, h, 1).match; }));
    bool found = false;
    for (auto& c : checks) found |= c.get();
    return found;
}

}  // namespace

std::vector<PolicyViolation> check_password(std::string_view password, const SiteSettings& s,
                                            std::span<const std::string> prior_hashes) {
    std::vector<PolicyViolation> out;
    const auto min = static_cast<std::size_t>(std::max(1, s.password_min_length));
    if (characters(password) < min)
        out.push_back(
            {PasswordRule::min_length, "at least " + std::to_string(min) + " characters"});
    if (s.password_require_letter &&
        !any(password, [](unsigned char c) { return is_lower(c) || is_upper(c); }))
        out.push_back({PasswordRule::letter, "a letter"});
    if (s.password_require_number && !any(password, is_digit))
        out.push_back({PasswordRule::number, "a number"});
    if (s.password_require_special && !any(password, is_symbol))
        out.push_back(
            {PasswordRule::special, "a symbol (a character other than a letter or a number)"});
    if (s.password_require_mixed && !(any(password, is_upper) && any(password, is_lower)))
        out.push_back({PasswordRule::mixed_case, "both upper- and lower-case letters"});
    if (s.password_require_unbreached && is_common_password(password))
        out.push_back(
            {PasswordRule::unbreached, "not one of the commonly used (breachable) passwords"});
    const auto n = std::min<std::size_t>(
        prior_hashes.size(), static_cast<std::size_t>(std::max(0, s.max_prior_passwords)));
    if (n > 0 && reuses(password, prior_hashes.first(n)))
        out.push_back(
            {PasswordRule::reused,
             "not one of the last " + std::to_string(s.max_prior_passwords) + " passwords"});
    return out;
}

std::string describe_violations(const std::vector<PolicyViolation>& violations) {
    if (violations.empty()) return {};
    std::string s = "The password must have: ";
    for (std::size_t i = 0; i < violations.size(); ++i) {
        if (i) s += "; ";
        s += violations[i].message;
    }
    return s + ".";
}

std::string generate_password(const SiteSettings& s, std::size_t length) {
    static constexpr std::string_view kLower = "abcdefghijkmnopqrstuvwxyz";  // no l: reads as 1
    static constexpr std::string_view kUpper = "ABCDEFGHJKLMNPQRSTUVWXYZ";   // no I, O
    static constexpr std::string_view kDigits = "23456789";                  // no 0, 1
    static constexpr std::string_view kSymbols = "!#$%&*+-.:=?@^_~";
    if (length == 0)
        length = std::max<std::size_t>(16, static_cast<std::size_t>(s.password_min_length));
    // Never shorter than the policy allows, or no candidate could pass.
    length = std::clamp<std::size_t>(
        std::max(length, static_cast<std::size_t>(s.password_min_length)), 4, 512);
    const std::string all =
        std::string(kLower) + std::string(kUpper) + std::string(kDigits) + std::string(kSymbols);
    auto pick = [](std::string_view from) {
        return from[crypto::random_below(static_cast<std::uint32_t>(from.size()))];
    };
    for (;;) {
        // One of each class whatever the policy, so that a later, stricter policy still holds.
        std::string pw = {pick(kLower), pick(kUpper), pick(kDigits), pick(kSymbols)};
        while (pw.size() < length) pw += pick(all);
        for (std::size_t i = pw.size() - 1; i > 0; --i)  // Fisher-Yates with the CSPRNG
            std::swap(pw[i], pw[crypto::random_below(static_cast<std::uint32_t>(i + 1))]);
        if (check_password(pw, s).empty()) return pw;
    }
}

PasswordExpiry password_expiry(const User& user, const SiteSettings& s, UnixTime now) {
    PasswordExpiry e;
    const auto m = user.authentication_method;
    const bool has_password = m == AuthMethod::password || m == AuthMethod::password_and_ssh_key ||
                              m == AuthMethod::password_with_imported_hash;
    // Shared and bot accounts are exempt: a forced change would break their integrations.
    if (!has_password || !user.self_managed) return e;
    switch (user.password_validity.mode) {
        case PasswordValidity::Mode::never:
            return e;
        case PasswordValidity::Mode::days:
            e.validity_days = user.password_validity.days;
            break;
        case PasswordValidity::Mode::site:
            if (s.password_validity_days > 0) e.validity_days = s.password_validity_days;
            break;
    }
    // A password whose setting time is unknown is treated as set at the epoch: it is expired as
    // soon as any interval applies, which errs on the side of a forced change.
    if (!e.validity_days) return e;
    const UnixTime set_at = user.password_set_at.value_or(0);
    e.expire_at = set_at + static_cast<UnixTime>(*e.validity_days) * kSecondsPerDay;
    const UnixTime left = *e.expire_at - now;
    e.expired = left <= 0;
    e.days_remaining =
        left <= 0 ? -((-left) / kSecondsPerDay) : (left + kSecondsPerDay - 1) / kSecondsPerDay;
    return e;
}

}  // namespace drawbridge::core
