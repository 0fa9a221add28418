// Password rules, the common-password list, the generator and expiry (docs/password-policy.md).
// Complements policy_rules_test.cpp: the suites here are named apart from its suites.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/password_hash.h"
#include "core/password_policy.h"

namespace drawbridge::core {
namespace {

using R = PasswordRule;

std::vector<R> rules(std::string_view pw, const SiteSettings& s,
                     std::span<const std::string> prior = {}) {
    std::vector<R> out;
    for (const auto& v : check_password(pw, s, prior)) out.push_back(v.rule);
    return out;
}

SiteSettings nothing_required() {
    SiteSettings s;
    s.password_min_length = 1;
    s.password_require_letter = s.password_require_number = s.password_require_special =
        s.password_require_mixed = s.password_require_unbreached = false;
    s.max_prior_passwords = 0;
    return s;
}

// ---- rules ----------------------------------------------------------------------------------

TEST(PasswordPolicyRules, TheDefaultsAreTheSeeds) {
    const SiteSettings s;
    EXPECT_EQ(s.password_min_length, 10);
    EXPECT_TRUE(s.password_require_letter && s.password_require_number &&
                s.password_require_special && s.password_require_mixed &&
                s.password_require_unbreached);
    EXPECT_EQ(s.password_validity_days, 0);
    EXPECT_EQ(s.max_prior_passwords, 10);
}

TEST(PasswordPolicyRules, EachRuleAloneOnlyReportsItself) {
    // Each setting turned on by itself, with one password that fails it and one that passes.
    struct Case {
        bool SiteSettings::*flag;
        R rule;
        std::string_view fails;
        std::string_view passes;
    };
    const Case cases[] = {
        {&SiteSettings::password_require_letter, R::letter, "1234-5678", "1234-5678a"},
        {&SiteSettings::password_require_number, R::number, "abcd-EFGH", "abcd-EFGH7"},
        {&SiteSettings::password_require_special, R::special, "abcdEFGH12", "abcdEFGH12 "},
        {&SiteSettings::password_require_mixed, R::mixed_case, "abcd-1234", "abcD-1234"},
        {&SiteSettings::password_require_unbreached, R::unbreached, "letmein", "letmein-Xq7"},
    };
    for (const auto& c : cases) {
        SiteSettings s = nothing_required();
        s.*c.flag = true;
        EXPECT_EQ(rules(c.fails, s), std::vector<R>{c.rule}) << c.fails;
        EXPECT_TRUE(rules(c.passes, s).empty()) << c.passes;
    }
    SiteSettings s = nothing_required();
    s.password_min_length = 6;
    EXPECT_EQ(rules("abcde", s), std::vector<R>{R::min_length});
    EXPECT_TRUE(rules("abcdef", s).empty());
}

TEST(PasswordPolicyRules, AllRulesTogetherInRuleOrder) {
    SiteSettings s;
    std::vector<std::string> prior = {hash_password("password", 1000),
                                      hash_password("123456", 1000)};
    // Only the empty string lacks letters, numbers and symbols at once, and it is not common, so
    // no one string fails all seven rules: the order is checked on large sets that co-occur.
    EXPECT_EQ(rules("", s, prior),
              (std::vector<R>{R::min_length, R::letter, R::number, R::special, R::mixed_case}));
    EXPECT_EQ(rules("password", s, prior),
              (std::vector<R>{R::min_length, R::number, R::special, R::mixed_case, R::unbreached,
                              R::reused}));
    EXPECT_EQ(rules("123456", s, prior), (std::vector<R>{R::min_length, R::letter, R::special,
                                                         R::mixed_case, R::unbreached, R::reused}));
    EXPECT_EQ(rules("!!!!!!!!!!", s), (std::vector<R>{R::letter, R::number, R::mixed_case}));
    EXPECT_TRUE(rules("Tr0ub4dor&3x", s, prior).empty());
}

// The web UI's checklist (docs/web-ui.md#password-change) lists what check_password reports.
TEST(PasswordPolicyRules, TheSitesRulesAreWhatCheckPasswordReports) {
    SiteSettings s;
    std::vector<std::string> prior = {hash_password("password", 1000)};
    const auto all = password_rules(s);
    std::vector<std::string> names;
    for (const auto& r : all) names.emplace_back(to_string(r.rule));
    EXPECT_EQ(names, (std::vector<std::string>{"min_length", "letter", "number", "special",
                                               "mixed_case", "unbreached", "reused"}));
    for (const auto& unmet : check_password("password", s, prior)) {
        const auto it = std::find_if(all.begin(), all.end(),
                                     [&](const auto& r) { return r.rule == unmet.rule; });
        ASSERT_NE(it, all.end());
        EXPECT_EQ(it->message, unmet.message);
    }
    EXPECT_EQ(password_rules(nothing_required()).size(), 1u);  // a length is always asked
    EXPECT_TRUE(meets_rule("abc", R::letter));
    EXPECT_FALSE(meets_rule("abc", R::mixed_case));
    EXPECT_FALSE(meets_rule("letmein", R::unbreached));
}

TEST(PasswordPolicyRules, OneMessageListsEveryUnmetRule) {
    SiteSettings s;
    std::vector<std::string> prior = {hash_password("password", 1000)};
    EXPECT_EQ(describe_violations(check_password("password", s, prior)),
              "The password must have: at least 10 characters; a number; a symbol (a character "
              "other than a letter or a number); both upper- and lower-case letters; not one of "
              "the commonly used (breachable) passwords; not one of the last 10 passwords.");
    EXPECT_EQ(describe_violations(check_password("Tr0ub4dor&3", s)), "");
    EXPECT_EQ(describe_violations({{R::number, "a number"}}), "The password must have: a number.");
}

TEST(PasswordPolicyRules, MinimumLengthAtTheEdgesOfItsRange) {
    SiteSettings s = nothing_required();
    s.password_min_length = 1;
    EXPECT_EQ(rules("", s), std::vector<R>{R::min_length});
    EXPECT_EQ(check_password("", s)[0].message, "at least 1 character");
    EXPECT_TRUE(rules("x", s).empty());
    s.password_min_length = 512;
    EXPECT_EQ(rules(std::string(511, 'x'), s), std::vector<R>{R::min_length});
    EXPECT_EQ(check_password("x", s)[0].message, "at least 512 characters");
    EXPECT_TRUE(rules(std::string(512, 'x'), s).empty());
    EXPECT_TRUE(rules(std::string(4096, 'x'), s).empty());  // no maximum of its own
    // Out-of-range settings (refused by site settings) are read as the nearest edge.
    s.password_min_length = 0;
    EXPECT_EQ(rules("", s), std::vector<R>{R::min_length});
    s.password_min_length = 100000;
    EXPECT_TRUE(rules(std::string(512, 'x'), s).empty());
}

TEST(PasswordPolicyRules, LengthCountsCharactersNotBytes) {
    SiteSettings s = nothing_required();
    s.password_min_length = 4;
    EXPECT_EQ(rules("\xC3\xA9\xC3\xA9\xC3\xA9", s), std::vector<R>{R::min_length});     // ééé
    EXPECT_TRUE(rules("\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", s).empty());  // €€€€
    EXPECT_TRUE(rules("\xF0\x9F\x94\x91\xF0\x9F\x94\x91\xF0\x9F\x94\x91xy", s).empty());  // 🔑🔑🔑xy
    // Bytes that are not UTF-8 count one character each rather than vanishing.
    EXPECT_TRUE(rules("\xFF\xFE\xFD\xFC", s).empty());
    EXPECT_EQ(rules("\xE2\x82", s), std::vector<R>{R::min_length});  // truncated: 2 characters
}

TEST(PasswordPolicyRules, WhatCountsAsLetterNumberAndSymbol) {
    auto only = [](bool SiteSettings::*flag) {
        SiteSettings s = nothing_required();
        s.*flag = true;
        return s;
    };
    const auto letter = only(&SiteSettings::password_require_letter);
    const auto number = only(&SiteSettings::password_require_number);
    const auto symbol = only(&SiteSettings::password_require_special);
    const auto mixed = only(&SiteSettings::password_require_mixed);

    // Letters: ASCII, and other scripts.
    for (auto pw : {"a", "Z", "\xC3\xA9" /* é */, "\xD0\xB6" /* ж */, "\xE4\xB8\xAD" /* 中 */,
                    "\xD8\xB3" /* س */})
        EXPECT_TRUE(rules(pw, letter).empty()) << pw;
    for (auto pw : {"1", "-", " ", "\xE2\x82\xAC" /* € */, "\xC2\xA7" /* § */, "\xFF"})
        EXPECT_EQ(rules(pw, letter), std::vector<R>{R::letter}) << pw;

    // Numbers: 0-9 only.
    for (char d = '0'; d <= '9'; ++d) EXPECT_TRUE(rules(std::string(1, d), number).empty());
    for (auto pw : {"a", "\xC2\xB2" /* ² */, "\xD9\xA3" /* Arabic-Indic 3 */})
        EXPECT_EQ(rules(pw, number), std::vector<R>{R::number}) << pw;

    // Symbols: anything not a letter or 0-9, including space, non-ASCII punctuation, currency,
    // emoji and undecodable bytes.
    for (auto pw : {"!", " ", "~", "\t", "\xE2\x82\xAC", "\xC2\xBF" /* ¿ */, "\xC3\x97" /* × */,
                    "\xE2\x80\x94" /* — */, "\xE3\x80\x82" /* 。 */, "\xF0\x9F\x94\x91" /* 🔑 */,
                    "\xFF", "\xC0\xAF" /* overlong / */})
        EXPECT_TRUE(rules(pw, symbol).empty()) << pw;
    for (auto pw : {"a", "7", "\xC3\xA9", "\xE4\xB8\xAD"})
        EXPECT_EQ(rules(pw, symbol), std::vector<R>{R::special}) << pw;

    // Mixed case: one upper and one lower, in any cased script.
    for (auto pw : {"aB", "\xC3\x89t\xC3\xA9" /* Été */, "\xD0\x9F\xD0\xB0" /* Па */,
                    "\xCE\xA9\xCF\x89" /* Ωω */,
                    "\xC5\x81\xC3\xB3"
                    "d\xC5\xBA" /* Łódź */,
                    "x\xC4\xB0" /* xİ */})
        EXPECT_TRUE(rules(pw, mixed).empty()) << pw;
    for (auto pw : {"ab", "AB", "a1!", "\xC3\xA9\xC3\xA8" /* éè */, "\xD0\x9F\xD0\x90" /* ПА */,
                    "\xE4\xB8\xAD\xE6\x96\x87" /* 中文: caseless */, "\xC3\x9F" /* ß */})
        EXPECT_EQ(rules(pw, mixed), std::vector<R>{R::mixed_case}) << pw;

    // A whole password in another script meets the default policy.
    EXPECT_TRUE(rules("\xD0\x9F\xD0\xB0\xD1\x80\xD0\xBE\xD0\xBB\xD1\x8C-2024!", SiteSettings{})
                    .empty());  // Пароль-2024!
}

// ---- common passwords -----------------------------------------------------------------------

TEST(CommonPasswordList, ZxcvbnsListCaseInsensitively) {
    EXPECT_GE(common_password_count(), 29000u);
    EXPECT_LE(common_password_count(), 30000u);
    for (auto pw : {"password", "PASSWORD", "PassWord", "123456", "qwerty", "iloveyou", "trustno1",
                    "kl?benhavn"})
        EXPECT_TRUE(is_common_password(pw)) << pw;
    for (auto pw : {"", "Tr0ub4dor&3", "password ", " password", "password-Xq7", "correct horse",
                    "password\xC3\xA9"})
        EXPECT_FALSE(is_common_password(pw)) << pw;
    EXPECT_FALSE(is_common_password(std::string(100000, 'a')));
    EXPECT_FALSE(is_common_password(std::string_view("password\0", 9)));
}

TEST(CommonPasswordList, OnlyCheckedWhenTheSettingIsOn) {
    SiteSettings s = nothing_required();
    EXPECT_TRUE(rules("123456", s).empty());
    s.password_require_unbreached = true;
    EXPECT_EQ(rules("123456", s), std::vector<R>{R::unbreached});
    EXPECT_EQ(rules("QWERTY", s), std::vector<R>{R::unbreached});
}

// ---- reuse ----------------------------------------------------------------------------------

class PasswordPolicyReuse : public ::testing::Test {
  protected:
    void SetUp() override {
        // Newest first: "Prior-Pass-0" is the current password.
        for (int i = 0; i < 12; ++i) prior_.push_back(hash_password(pw(i), 1000));
        s_ = nothing_required();
    }
    static std::string pw(int i) { return "Prior-Pass-" + std::to_string(i); }
    std::vector<std::string> prior_;
    SiteSettings s_;
};

TEST_F(PasswordPolicyReuse, NoneRememberedAllowsImmediateReuse) {
    s_.max_prior_passwords = 0;
    for (int i = 0; i < 12; ++i) EXPECT_TRUE(rules(pw(i), s_, prior_).empty()) << i;
}

TEST_F(PasswordPolicyReuse, OneRememberedRefusesOnlyTheCurrentPassword) {
    s_.max_prior_passwords = 1;
    EXPECT_EQ(rules(pw(0), s_, prior_), std::vector<R>{R::reused});
    EXPECT_EQ(check_password(pw(0), s_, prior_)[0].message, "not the previous password");
    EXPECT_TRUE(rules(pw(1), s_, prior_).empty());
}

TEST_F(PasswordPolicyReuse, TenRememberedRefusesTheLastTen) {
    s_.max_prior_passwords = 10;
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(rules(pw(i), s_, prior_), std::vector<R>{R::reused}) << i;
    EXPECT_TRUE(rules(pw(10), s_, prior_).empty());  // the eleventh newest is allowed again
    EXPECT_TRUE(rules(pw(11), s_, prior_).empty());
    EXPECT_TRUE(rules("prior-pass-0", s_, prior_).empty());  // case matters for hashes
    EXPECT_EQ(check_password(pw(3), s_, prior_)[0].message, "not one of the last 10 passwords");
}

TEST_F(PasswordPolicyReuse, ShortHistoriesAndOtherHashFormats) {
    s_.max_prior_passwords = 30;
    EXPECT_TRUE(rules(pw(0), s_, {}).empty());
    EXPECT_EQ(rules(pw(11), s_, prior_), std::vector<R>{R::reused});
    // An imported hash in the history (raw SHA-256) is compared like any other,
    // and a damaged entry matches nothing and breaks nothing.
    const std::vector<std::string> mixed = {
        "not a hash", crypto::to_hex(crypto::sha256("Imported-Pass-1")), hash_password("x", 1000)};
    EXPECT_EQ(rules("Imported-Pass-1", s_, mixed), std::vector<R>{R::reused});
    EXPECT_TRUE(rules("not a hash", s_, mixed).empty());
}

TEST_F(PasswordPolicyReuse, VerifiesTheHistoryInParallel) {
    // 8 hashes at a cost where one after another would take clearly longer than one.
    constexpr std::uint32_t kIterations = 100000;
    std::vector<std::string> slow;
    for (int i = 0; i < 8; ++i) slow.push_back(hash_password(pw(i), kIterations));
    s_.max_prior_passwords = 8;
    auto time = [&](auto&& f) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        return std::chrono::steady_clock::now() - t0;
    };
    const auto one = time([&] { (void)verify_password("other", slow[0], kIterations); });
    std::vector<R> r;
    const auto all = time([&] { r = rules(pw(7), s_, slow); });
    EXPECT_EQ(r, std::vector<R>{R::reused});
    // Only where there are cores to spare, or the bound would measure the machine's load.
    if (std::thread::hardware_concurrency() >= 4) {
        EXPECT_LT(all, one * 6);
    }
}

// ---- generator ------------------------------------------------------------------------------

bool in_generator_alphabet(char c) {
    static constexpr std::string_view kAll =
        "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789#%*+-.:=?@^_~";
    return kAll.find(c) != std::string_view::npos;
}

TEST(PasswordGeneration, AlwaysMeetsRandomPolicies) {
    std::mt19937 rng(20261123);  // fixed: a failure must be reproducible
    auto coin = [&] { return (rng() & 1) != 0; };
    for (int i = 0; i < 200; ++i) {
        SiteSettings s;
        // Mostly short minimums, where classes are scarce, and now and then up to the maximum.
        s.password_min_length = 1 + static_cast<int>(rng() % (i % 10 == 0 ? 512 : 24));
        s.password_require_letter = coin();
        s.password_require_number = coin();
        s.password_require_special = coin();
        s.password_require_mixed = coin();
        s.password_require_unbreached = coin();
        const std::size_t asked = coin() ? 0 : rng() % 600;
        const auto pw = generate_password(s, asked);
        EXPECT_TRUE(check_password(pw, s).empty())
            << pw << ": " << describe_violations(check_password(pw, s));
        EXPECT_FALSE(is_common_password(pw)) << pw;
        const std::size_t min = static_cast<std::size_t>(s.password_min_length);
        const std::size_t want = asked == 0 ? std::max<std::size_t>(16, min)
                                            : std::clamp<std::size_t>(std::max(asked, min), 4, 512);
        EXPECT_EQ(pw.size(), want) << "min " << min << ", asked " << asked;
        EXPECT_TRUE(std::all_of(pw.begin(), pw.end(), in_generator_alphabet)) << pw;
    }
}

TEST(PasswordGeneration, LengthsAndClamps) {
    SiteSettings s;
    EXPECT_EQ(generate_password(s).size(), 16u);
    EXPECT_EQ(generate_password(s, 24).size(), 24u);
    EXPECT_EQ(generate_password(s, 3).size(), 10u);  // raised to the policy's minimum
    EXPECT_EQ(generate_password(s, 100000).size(), 512u);
    s.password_min_length = 40;
    EXPECT_EQ(generate_password(s).size(), 40u);
    s.password_min_length = 512;
    EXPECT_EQ(generate_password(s).size(), 512u);
    s = nothing_required();
    EXPECT_EQ(generate_password(s, 1).size(), 4u);  // one of each class at least
    // Settings outside their range must not make the generator loop forever.
    s.password_min_length = 100000;
    EXPECT_EQ(generate_password(s).size(), 512u);
    s.password_min_length = -5;
    EXPECT_EQ(generate_password(s).size(), 16u);
}

TEST(PasswordGeneration, ShuffledAndNeverRepeated) {
    std::set<std::string> seen;
    // The guaranteed characters are drawn first; the shuffle must move them anywhere.
    std::array<int, 16> lower_at{};
    for (int i = 0; i < 200; ++i) {
        const auto pw = generate_password(SiteSettings{}, 16);
        EXPECT_TRUE(seen.insert(pw).second) << pw;
        for (std::size_t p = 0; p < 16; ++p) lower_at[p] += pw[p] >= 'a' && pw[p] <= 'z' ? 1 : 0;
    }
    EXPECT_TRUE(std::all_of(lower_at.begin(), lower_at.end(), [](int n) { return n > 0; }));
}

// ---- expiry ---------------------------------------------------------------------------------

constexpr UnixTime kSetAt = 1800000000;
constexpr UnixTime kDay = kSecondsPerDay;

User with_password(AuthMethod m = AuthMethod::password) {
    User u;
    u.authentication_method = m;
    u.password_set_at = kSetAt;
    u.created_at = kSetAt - 400 * kDay;
    return u;
}

SiteSettings expiring_after(int days) {
    SiteSettings s;
    s.password_validity_days = days;
    return s;
}

TEST(PasswordExpiryRules, DisabledSiteWideByDefault) {
    const auto e = password_expiry(with_password(), SiteSettings{}, kSetAt + 10000 * kDay);
    EXPECT_FALSE(e.validity_days);
    EXPECT_FALSE(e.expire_at);
    EXPECT_FALSE(e.days_remaining);
    EXPECT_FALSE(e.expired);
}

TEST(PasswordExpiryRules, SiteDaysAndDaysRemaining) {
    const auto s = expiring_after(30);
    const User u = with_password();
    auto at = [&](UnixTime now) { return password_expiry(u, s, now); };
    EXPECT_EQ(at(kSetAt).validity_days, 30);
    EXPECT_EQ(at(kSetAt).expire_at, kSetAt + 30 * kDay);
    EXPECT_EQ(at(kSetAt).days_remaining, 30);
    EXPECT_EQ(at(kSetAt + 1).days_remaining, 30);  // 29 days and a bit: rounded up
    EXPECT_EQ(at(kSetAt + kDay).days_remaining, 29);
    EXPECT_EQ(at(kSetAt + 30 * kDay - 1).days_remaining, 1);
    EXPECT_FALSE(at(kSetAt + 30 * kDay - 1).expired);
    EXPECT_TRUE(at(kSetAt + 30 * kDay).expired);  // expired when now reaches expire_at
    EXPECT_EQ(at(kSetAt + 30 * kDay).days_remaining, 0);
    EXPECT_EQ(at(kSetAt + 30 * kDay + 1).days_remaining, 0);
    EXPECT_EQ(at(kSetAt + 31 * kDay).days_remaining, -1);
    EXPECT_EQ(at(kSetAt + 31 * kDay + 1).days_remaining, -1);
    // The reminder days of docs/password-policy.md are reachable exactly.
    for (int d : {28, 14, 7, 1}) EXPECT_EQ(at(kSetAt + (30 - d) * kDay).days_remaining, d);
}

TEST(PasswordExpiryRules, PerUserOverride) {
    const auto s = expiring_after(90);
    User u = with_password();
    u.password_validity = {PasswordValidity::Mode::days, 7};
    EXPECT_EQ(password_expiry(u, s, kSetAt).validity_days, 7);
    EXPECT_TRUE(password_expiry(u, s, kSetAt + 7 * kDay).expired);
    // A custom interval applies even where the site has none.
    EXPECT_TRUE(password_expiry(u, SiteSettings{}, kSetAt + 7 * kDay).expired);
    u.password_validity = {PasswordValidity::Mode::days, 365};
    EXPECT_FALSE(password_expiry(u, s, kSetAt + 200 * kDay).expired);
    u.password_validity = {PasswordValidity::Mode::never, 0};
    const auto never = password_expiry(u, expiring_after(1), kSetAt + 10000 * kDay);
    EXPECT_FALSE(never.expired);
    EXPECT_FALSE(never.validity_days);
    u.password_validity = {PasswordValidity::Mode::site, 0};
    EXPECT_TRUE(password_expiry(u, s, kSetAt + 90 * kDay).expired);
    // Invalid custom days (parse refuses them) fall back to the site's interval.
    u.password_validity = {PasswordValidity::Mode::days, 0};
    EXPECT_EQ(password_expiry(u, s, kSetAt).validity_days, 90);
    u.password_validity = {PasswordValidity::Mode::days, -3};
    EXPECT_FALSE(password_expiry(u, SiteSettings{}, kSetAt + 10000 * kDay).validity_days);
}

TEST(PasswordExpiryRules, SharedAndBotUsersAreExempt) {
    User u = with_password();
    u.self_managed = false;
    EXPECT_FALSE(password_expiry(u, expiring_after(1), kSetAt + 10000 * kDay).validity_days);
    u.password_validity = {PasswordValidity::Mode::days, 1};  // even with their own interval
    EXPECT_FALSE(password_expiry(u, expiring_after(1), kSetAt + 10000 * kDay).expired);
}

TEST(PasswordExpiryRules, ShorteningTheIntervalExpiresAtOnce) {
    // Seed 003: set 120 days ago, interval changed to 90: expired immediately.
    const User u = with_password();
    const UnixTime now = kSetAt + 120 * kDay;
    EXPECT_FALSE(password_expiry(u, expiring_after(180), now).expired);
    const auto e = password_expiry(u, expiring_after(90), now);
    EXPECT_TRUE(e.expired);
    EXPECT_EQ(e.days_remaining, -30);
    EXPECT_EQ(e.expire_at, kSetAt + 90 * kDay);
}

TEST(PasswordExpiryRules, OnlyMethodsWithPasswords) {
    for (auto m : {AuthMethod::password, AuthMethod::password_with_imported_hash,
                   AuthMethod::password_and_ssh_key})
        EXPECT_TRUE(
            password_expiry(with_password(m), expiring_after(30), kSetAt + 30 * kDay).expired)
            << to_string(m);
    for (auto m : {AuthMethod::none, AuthMethod::sso, AuthMethod::email_signup}) {
        const auto e = password_expiry(with_password(m), expiring_after(30), kSetAt + 99 * kDay);
        EXPECT_FALSE(e.expired) << to_string(m);
        EXPECT_FALSE(e.validity_days) << to_string(m);
    }
}

TEST(PasswordExpiryRules, UnknownSettingTimeCountsFromTheAccountOrTheEpoch) {
    User u = with_password();
    u.password_set_at.reset();
    const auto s = expiring_after(500);
    EXPECT_EQ(password_expiry(u, s, kSetAt).expire_at, u.created_at + 500 * kDay);
    EXPECT_FALSE(password_expiry(u, s, kSetAt).expired);
    EXPECT_TRUE(password_expiry(u, s, u.created_at + 500 * kDay).expired);
    u.created_at = 0;
    EXPECT_TRUE(password_expiry(u, s, kSetAt).expired);
    EXPECT_EQ(password_expiry(u, s, kSetAt).expire_at, 500 * kDay);
}

}  // namespace
}  // namespace drawbridge::core
