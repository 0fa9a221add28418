#include <gtest/gtest.h>

#include <algorithm>

#include "core/clock.h"
#include "core/password_hash.h"
#include "core/password_policy.h"

namespace drawbridge::core {
namespace {

std::vector<PasswordRule> rules(std::string_view pw, const SiteSettings& s,
                                std::span<const std::string> prior = {}) {
    std::vector<PasswordRule> out;
    for (const auto& v : check_password(pw, s, prior)) out.push_back(v.rule);
    return out;
}

using R = PasswordRule;

TEST(PasswordPolicy, EachRuleAlone) {
    const SiteSettings s;  // the seed's defaults: 10 characters, every class, unbreached
    EXPECT_TRUE(rules("Correct-Horse-9", s).empty());
    EXPECT_EQ(rules("Cor-9-hors", s), std::vector<R>{});
    EXPECT_EQ(rules("Cor-9-hor", s), std::vector<R>{R::min_length});
    EXPECT_EQ(rules("1234-5678-90", s), (std::vector<R>{R::letter, R::mixed_case}));
    EXPECT_EQ(rules("Correct-Horse", s), std::vector<R>{R::number});
    EXPECT_EQ(rules("CorrectHorse9", s), std::vector<R>{R::special});
    EXPECT_EQ(rules("correct-horse-9", s), std::vector<R>{R::mixed_case});
    EXPECT_EQ(rules("CORRECT-HORSE-9", s), std::vector<R>{R::mixed_case});
    EXPECT_EQ(rules("P030710p$E4o", s), std::vector<R>{R::unbreached});  // zxcvbn, any case
}

TEST(PasswordPolicy, EveryUnmetRuleInOneMessage) {
    const SiteSettings s;
    const auto v = check_password("abc", s);
    EXPECT_EQ(v.size(), 4u);  // length, number, symbol, mixed case
    EXPECT_EQ(describe_violations(v),
              "The password must have: at least 10 characters; a number; a symbol (a character "
              "other than a letter or a number); both upper- and lower-case letters.");
    EXPECT_EQ(describe_violations({}), "");
}

TEST(PasswordPolicy, RulesCanBeTurnedOffAndLengthRangeEdges) {
    SiteSettings s;
    s.password_require_letter = s.password_require_number = s.password_require_special =
        s.password_require_mixed = s.password_require_unbreached = false;
    s.password_min_length = 1;
    EXPECT_TRUE(rules("x", s).empty());
    EXPECT_EQ(rules("", s), std::vector<R>{R::min_length});
    EXPECT_TRUE(rules("password", s).empty());  // breach check off
    s.password_min_length = 512;
    EXPECT_EQ(rules(std::string(511, 'a'), s), std::vector<R>{R::min_length});
    EXPECT_TRUE(rules(std::string(512, 'a'), s).empty());
    // Characters, not bytes: eight two-byte letters are eight characters.
    s.password_min_length = 8;
    EXPECT_TRUE(
        rules("\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4", s).empty());
    EXPECT_EQ(rules("\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4", s), std::vector<R>{R::min_length});
}

TEST(CommonPasswords, TheZxcvbnListIsCompiledIn) {
    EXPECT_GE(common_password_count(), 29000u);
    for (auto pw : {"password", "PASSWORD", "123456", "qwerty", "letmein", "dragon"})
        EXPECT_TRUE(is_common_password(pw)) << pw;
    EXPECT_FALSE(is_common_password("Correct-Horse-9-Battery"));
    EXPECT_FALSE(is_common_password(""));
}

TEST(PasswordPolicy, NoReuseOfTheLastN) {
    SiteSettings s;
    std::vector<std::string> prior;  // newest first
    for (auto pw : {"Newest-Pass-1", "Middle-Pass-2", "Oldest-Pass-3"})
        prior.push_back(hash_password(pw, 1000));
    s.max_prior_passwords = 0;
    EXPECT_TRUE(rules("Newest-Pass-1", s, prior).empty());
    s.max_prior_passwords = 1;
    EXPECT_EQ(rules("Newest-Pass-1", s, prior), std::vector<R>{R::reused});
    EXPECT_TRUE(rules("Middle-Pass-2", s, prior).empty());
    s.max_prior_passwords = 10;
    EXPECT_EQ(rules("Oldest-Pass-3", s, prior), std::vector<R>{R::reused});
    EXPECT_NE(describe_violations(check_password("Oldest-Pass-3", s, prior)).find("last 10"),
              std::string::npos);
    EXPECT_TRUE(rules("Brand-New-Pass-4", s, prior).empty());
}

TEST(PasswordGenerator, AlwaysMeetsThePolicy) {
    for (int i = 0; i < 200; ++i) {
        SiteSettings s;
        s.password_min_length = 1 + (i * 37) % 64;
        s.password_require_letter = i & 1;
        s.password_require_number = i & 2;
        s.password_require_special = i & 4;
        s.password_require_mixed = i & 8;
        const auto pw = generate_password(s);
        EXPECT_TRUE(check_password(pw, s).empty()) << pw;
        EXPECT_GE(pw.size(), std::max<std::size_t>(16, s.password_min_length));
    }
    SiteSettings s;
    EXPECT_EQ(generate_password(s, 40).size(), 40u);
    EXPECT_EQ(generate_password(s, 4).size(), 10u);  // never shorter than the policy
    s.password_min_length = 512;
    EXPECT_EQ(generate_password(s).size(), 512u);
    EXPECT_NE(generate_password(SiteSettings{}), generate_password(SiteSettings{}));
}

constexpr UnixTime kSet = 1790000000;

User user_with_password() {
    User u;
    u.authentication_method = AuthMethod::password;
    u.password_set_at = kSet;
    return u;
}

TEST(PasswordExpiry, SiteIntervalAndDaysRemaining) {
    SiteSettings s;
    User u = user_with_password();
    EXPECT_FALSE(password_expiry(u, s, kSet + 1000 * kSecondsPerDay).validity_days);  // disabled
    s.password_validity_days = 90;
    auto e = password_expiry(u, s, kSet + 10 * kSecondsPerDay + 1);
    EXPECT_EQ(e.validity_days, 90);
    EXPECT_EQ(e.expire_at, kSet + 90 * kSecondsPerDay);
    EXPECT_EQ(e.days_remaining, 80);  // 79 days and almost a whole one: rounded up
    EXPECT_FALSE(e.expired);
    e = password_expiry(u, s, kSet + 90 * kSecondsPerDay);
    EXPECT_TRUE(e.expired);
    EXPECT_EQ(e.days_remaining, 0);
}

TEST(PasswordExpiry, PerUserOverrideAndExemptions) {
    SiteSettings s;
    s.password_validity_days = 90;
    User u = user_with_password();
    u.password_validity = {PasswordValidity::Mode::days, 30};
    EXPECT_TRUE(password_expiry(u, s, kSet + 31 * kSecondsPerDay).expired);
    u.password_validity = {PasswordValidity::Mode::never, 0};
    EXPECT_FALSE(password_expiry(u, s, kSet + 9999 * kSecondsPerDay).expired);
    u.password_validity = {};
    u.self_managed = false;  // shared or bot user
    EXPECT_FALSE(password_expiry(u, s, kSet + 9999 * kSecondsPerDay).expired);
    u.self_managed = true;
    for (auto m : {AuthMethod::none, AuthMethod::sso, AuthMethod::email_signup}) {
        u.authentication_method = m;
        EXPECT_FALSE(password_expiry(u, s, kSet + 9999 * kSecondsPerDay).validity_days);
    }
}

TEST(PasswordExpiry, ShorteningTheIntervalExpiresAtOnce) {
    SiteSettings s;
    s.password_validity_days = 180;
    const User u = user_with_password();
    const UnixTime now = kSet + 120 * kSecondsPerDay;
    EXPECT_FALSE(password_expiry(u, s, now).expired);
    s.password_validity_days = 90;
    const auto e = password_expiry(u, s, now);
    EXPECT_TRUE(e.expired);
    EXPECT_EQ(e.days_remaining, -30);
}

}  // namespace
}  // namespace drawbridge::core
