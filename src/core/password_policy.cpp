// Password rules, the generator and expiry (docs/password-policy.md).
//
// Character classes work on UTF-8 code points, without Unicode tables:
//  - a number is 0-9 only, as the seed defines it;
//  - a letter is A-Z, a-z, or any non-ASCII character outside the punctuation and symbol blocks
//    listed in kSymbolBlocks, so that a password in another script counts as having letters;
//  - a symbol is everything else: ASCII punctuation, space, controls, the listed non-ASCII
//    blocks (such as € or emoji), and bytes that are not valid UTF-8;
//  - case is known for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic; letters of other
//    scripts are caseless, so "mixed case" needs at least one upper and one lower letter from
//    those.
#include "core/password_policy.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <future>
#include <system_error>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/password_hash.h"

namespace drawbridge::core {
namespace {

// The same limits as the site setting's range (docs/password-policy.md).
constexpr std::size_t kMinLengthFloor = 1;
constexpr std::size_t kLengthCeiling = 512;
constexpr std::size_t kDefaultGeneratedLength = 16;

enum class Case { none, upper, lower };
struct CharClass {
    bool letter = false;
    bool number = false;
    bool symbol = false;
    Case letter_case = Case::none;
};

struct Block {
    char32_t first;
    char32_t last;
};
// Non-ASCII code points that are punctuation or symbols rather than letters.
constexpr std::array kSymbolBlocks = {
    Block{0x0080, 0x00BF},    // Latin-1 controls, no-break space, ¡ £ § « ° ± ¿ ...
    Block{0x00D7, 0x00D7},    // ×
    Block{0x00F7, 0x00F7},    // ÷
    Block{0x2000, 0x2BFF},    // general punctuation, currency (€), arrows, maths, box drawing,
                              // shapes, dingbats
    Block{0x3000, 0x303F},    // CJK symbols and punctuation
    Block{0xFE30, 0xFE6F},    // CJK compatibility forms, small form variants
    Block{0xFF01, 0xFF0F},    // fullwidth ASCII punctuation ...
    Block{0xFF1A, 0xFF20},    //
    Block{0xFF3B, 0xFF40},    //
    Block{0xFF5B, 0xFF65},    // ... and halfwidth CJK punctuation
    Block{0x1F000, 0x1FAFF},  // emoji, pictographs, playing cards
};

Case latin_extended_a_case(char32_t cp) {
    // Pairs of capital and small letters, except where the block shifts its parity by one.
    if (cp == 0x0138 || cp == 0x0149 || cp == 0x017F) return Case::lower;  // ĸ ŉ ſ
    if (cp == 0x0178) return Case::upper;                                  // Ÿ
    const bool odd_is_upper = (cp >= 0x0139 && cp <= 0x0148) || (cp >= 0x0179 && cp <= 0x017E);
    return ((cp & 1) != 0) == odd_is_upper ? Case::upper : Case::lower;
}

Case letter_case(char32_t cp) {
    if (cp >= 'A' && cp <= 'Z') return Case::upper;
    if (cp >= 'a' && cp <= 'z') return Case::lower;
    if (cp >= 0x00C0 && cp <= 0x00DE) return Case::upper;  // À-Þ (× is a symbol)
    if (cp >= 0x00DF && cp <= 0x00FF) return Case::lower;  // ß-ÿ (÷ is a symbol)
    if (cp >= 0x0100 && cp <= 0x017F) return latin_extended_a_case(cp);
    if (cp == 0x0386 || (cp >= 0x0388 && cp <= 0x038F) || (cp >= 0x0391 && cp <= 0x03AB))
        return Case::upper;  // Greek capitals, with and without accents
    if (cp >= 0x03AC && cp <= 0x03CE) return Case::lower;
    if (cp >= 0x0400 && cp <= 0x042F) return Case::upper;  // Cyrillic
    if (cp >= 0x0430 && cp <= 0x045F) return Case::lower;
    return Case::none;
}

CharClass classify(char32_t cp) {
    if (cp >= '0' && cp <= '9') return {.number = true};
    if (cp < 0x80) {
        const Case c = letter_case(cp);
        return c == Case::none ? CharClass{.symbol = true}
                               : CharClass{.letter = true, .letter_case = c};
    }
    for (const auto& b : kSymbolBlocks)
        if (cp >= b.first && cp <= b.last) return {.symbol = true};
    return {.letter = true, .letter_case = letter_case(cp)};
}

// Decodes one UTF-8 sequence at the front of `s` and drops it. An invalid or truncated sequence
// is consumed one byte at a time and reported as nullopt: it still counts as one character, so a
// password in some legacy encoding is neither rejected nor measured as shorter than it is.
std::optional<char32_t> next_code_point(std::string_view& s) {
    const auto b0 = static_cast<unsigned char>(s.front());
    std::size_t n = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
        s.remove_prefix(1);
        return b0;
    }
    if ((b0 & 0xE0) == 0xC0) {
        n = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        n = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        n = 4, cp = b0 & 0x07, min = 0x10000;
    }
    if (n == 0 || s.size() < n) {
        s.remove_prefix(1);
        return std::nullopt;
    }
    for (std::size_t i = 1; i < n; ++i) {
        const auto b = static_cast<unsigned char>(s[i]);
        if ((b & 0xC0) != 0x80) {
            s.remove_prefix(1);
            return std::nullopt;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not characters.
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        s.remove_prefix(1);
        return std::nullopt;
    }
    s.remove_prefix(n);
    return cp;
}

struct Composition {
    std::size_t characters = 0;
    bool letter = false, number = false, symbol = false, upper = false, lower = false;
};

Composition analyse(std::string_view password) {
    Composition c;
    while (!password.empty()) {
        const auto cp = next_code_point(password);
        const CharClass k = cp ? classify(*cp) : CharClass{.symbol = true};
        ++c.characters;
        c.letter |= k.letter;
        c.number |= k.number;
        c.symbol |= k.symbol;
        c.upper |= k.letter_case == Case::upper;
        c.lower |= k.letter_case == Case::lower;
    }
    return c;
}

bool matches_any(std::string_view password, std::span<const std::string> hashes) {
    // Each verification is a full PBKDF2 at the stored iteration count (~0.3 s at the default),
    // so up to 30 of them one after another would stall a password change for seconds.
    // The iteration argument only sets the re-hash advice, unused here, and the cost of the
    // dummy work done for a malformed entry, which 1 keeps negligible.
    auto verify = [password](const std::string& h) {
        return verify_password(password, h, 1).match;
    };
    std::vector<std::future<bool>> pending;
    pending.reserve(hashes.size());
    bool found = false;
    for (const auto& h : hashes) {
        try {
            pending.push_back(std::async(std::launch::async, verify, std::cref(h)));
        } catch (const std::system_error&) {
            // Out of threads: correctness first, check this one here.
            found |= verify(h);
        }
    }
    for (auto& f : pending) found |= f.get();
    return found;
}

std::size_t clamp_to_range(long v) {
    return static_cast<std::size_t>(
        std::clamp<long>(v, kMinLengthFloor, static_cast<long>(kLengthCeiling)));
}

}  // namespace

std::string_view to_string(PasswordRule rule) {
    switch (rule) {
        case PasswordRule::min_length:
            return "min_length";
        case PasswordRule::letter:
            return "letter";
        case PasswordRule::number:
            return "number";
        case PasswordRule::special:
            return "special";
        case PasswordRule::mixed_case:
            return "mixed_case";
        case PasswordRule::unbreached:
            return "unbreached";
        case PasswordRule::reused:
            return "reused";
    }
    return "unknown";
}

std::vector<PolicyViolation> password_rules(const SiteSettings& s) {
    std::vector<PolicyViolation> out;
    const std::size_t min = clamp_to_range(s.password_min_length);
    out.push_back({PasswordRule::min_length,
                   "at least " + std::to_string(min) + (min == 1 ? " character" : " characters")});
    if (s.password_require_letter) out.push_back({PasswordRule::letter, "a letter"});
    if (s.password_require_number) out.push_back({PasswordRule::number, "a number"});
    if (s.password_require_special)
        out.push_back(
            {PasswordRule::special, "a symbol (a character other than a letter or a number)"});
    if (s.password_require_mixed)
        out.push_back({PasswordRule::mixed_case, "both upper- and lower-case letters"});
    if (s.password_require_unbreached)
        out.push_back(
            {PasswordRule::unbreached, "not one of the commonly used (breachable) passwords"});
    const int remembered = std::max(0, s.max_prior_passwords);
    if (remembered > 0)
        out.push_back({PasswordRule::reused,
                       remembered == 1
                           ? std::string("not the previous password")
                           : "not one of the last " + std::to_string(remembered) + " passwords"});
    return out;
}

bool meets_rule(std::string_view password, PasswordRule rule) {
    const Composition c = analyse(password);
    switch (rule) {
        case PasswordRule::min_length:
            return false;  // needs the site's length: meets_rules() decides it
        case PasswordRule::letter:
            return c.letter;
        case PasswordRule::number:
            return c.number;
        case PasswordRule::special:
            return c.symbol;
        case PasswordRule::mixed_case:
            return c.upper && c.lower;
        case PasswordRule::unbreached:
            return !is_common_password(password);
        case PasswordRule::reused:
            return true;  // needs the user's history: check_password() decides it
    }
    return false;
}

std::vector<PolicyViolation> check_password(std::string_view password, const SiteSettings& s,
                                            std::span<const std::string> prior_hashes) {
    std::vector<PolicyViolation> out;
    // Lengths are counted in characters, as the person typing sees them, not in bytes.
    const std::size_t characters = analyse(password).characters;
    const auto remembered = static_cast<std::size_t>(std::max(0, s.max_prior_passwords));
    const auto n = std::min(prior_hashes.size(), remembered);
    for (auto& rule : password_rules(s)) {
        bool met = false;
        if (rule.rule == PasswordRule::min_length)
            met = characters >= clamp_to_range(s.password_min_length);
        else if (rule.rule == PasswordRule::reused)
            met = n == 0 || !matches_any(password, prior_hashes.first(n));
        else
            met = meets_rule(password, rule.rule);
        if (!met) out.push_back(std::move(rule));
    }
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
    // Characters that are easy to tell apart when read aloud or copied from a screen (no l/1/I,
    // O/0), and no symbol that needs escaping inside a double-quoted shell word, a JSON string
    // or a CSV cell (quotes, backslash, backtick, $, !, comma, space), so that a generated
    // password can be pasted into a script or a config file as it is.
    static constexpr std::string_view kLower = "abcdefghijkmnopqrstuvwxyz";
    static constexpr std::string_view kUpper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    static constexpr std::string_view kDigits = "23456789";
    static constexpr std::string_view kSymbols = "#%*+-.:=?@^_~";
    static constexpr std::array kClasses = {kLower, kUpper, kDigits, kSymbols};

    const std::size_t min = clamp_to_range(s.password_min_length);
    if (length == 0) length = std::max(kDefaultGeneratedLength, min);
    // Never shorter than the policy (or no candidate could pass), never shorter than one
    // character of each class, never longer than any password the site accepts.
    length = std::clamp(std::max(length, min), kClasses.size(), kLengthCeiling);

    std::string all;
    for (auto c : kClasses) all += c;
    auto pick = [](std::string_view from) {
        return from[crypto::random_below(static_cast<std::uint32_t>(from.size()))];
    };
    for (;;) {
        // One of each class whatever the policy, so that the password also survives a later,
        // stricter policy and a user can paste it into a form that has its own rules.
        std::string pw;
        for (auto c : kClasses) pw += pick(c);
        while (pw.size() < length) pw += pick(all);
        // Fisher-Yates with the CSPRNG: the guaranteed characters must not sit at known places.
        for (std::size_t i = pw.size() - 1; i > 0; --i)
            std::swap(pw[i], pw[crypto::random_below(static_cast<std::uint32_t>(i + 1))]);
        // A common password is refused whether or not the site checks for them: it is never a
        // good suggestion. With four classes mixed in, this practically never loops.
        if (!is_common_password(pw) && check_password(pw, s).empty()) return pw;
    }
}

PasswordExpiry password_expiry(const User& user, const SiteSettings& s, UnixTime now) {
    PasswordExpiry e;
    const auto m = user.authentication_method;
    const bool has_password = m == AuthMethod::password || m == AuthMethod::password_and_ssh_key ||
                              m == AuthMethod::password_with_imported_hash;
    // Shared and bot accounts are exempt: a forced change would break the integrations that
    // hold their credentials (seed 003).
    if (!has_password || !user.self_managed) return e;
    switch (user.password_validity.mode) {
        case PasswordValidity::Mode::never:
            return e;
        case PasswordValidity::Mode::days:
            // A non-positive custom interval is invalid data (parse refuses it); falling back to
            // the site's interval neither locks the user out nor silently exempts them.
            if (user.password_validity.days > 0) {
                e.validity_days = user.password_validity.days;
                break;
            }
            [[fallthrough]];
        case PasswordValidity::Mode::site:
            if (s.password_validity_days > 0) e.validity_days = s.password_validity_days;
            break;
    }
    if (!e.validity_days) return e;
    // Every way of setting a password records when. Without that time, the password is at most
    // as old as the account, and with no creation time either it is taken to be as old as can
    // be: when the age cannot be shown to be within the interval, a forced change is the
    // answer an administrator who enabled expiry asked for.
    const UnixTime set_at = user.password_set_at  ? *user.password_set_at
                            : user.created_at > 0 ? user.created_at
                                                  : 0;
    e.expire_at = set_at + static_cast<UnixTime>(*e.validity_days) * kSecondsPerDay;
    const UnixTime left = *e.expire_at - now;
    e.expired = left <= 0;
    // Rounded up (towards +infinity) on both sides of zero: 1 second left is 1 day, 1 second
    // past is 0 days, a day and a second past is -1.
    e.days_remaining =
        left > 0 ? (left + kSecondsPerDay - 1) / kSecondsPerDay : -(-left / kSecondsPerDay);
    return e;
}

}  // namespace drawbridge::core
