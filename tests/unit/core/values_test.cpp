// CIDR lists, times, the failure-reason table, site settings and user fields.
#include <gtest/gtest.h>

#include <map>

#include "core/cidr.h"
#include "core/failure_reason.h"
#include "core/site_settings.h"
#include "core/types.h"
#include "core/user_fields.h"

namespace drawbridge::core {
namespace {

TEST(Cidr, MatchesIpv4AndIpv6) {
    const auto net = *Cidr::parse("10.1.2.3/8");
    EXPECT_EQ(net.to_string(), "10.0.0.0/8");
    EXPECT_TRUE(net.contains(*IpAddress::parse("10.255.0.1")));
    EXPECT_FALSE(net.contains(*IpAddress::parse("11.0.0.1")));
    EXPECT_TRUE(net.contains(*IpAddress::parse("::ffff:10.0.0.1")));  // v4-mapped
    const auto v6 = *Cidr::parse("2001:db8::/32");
    EXPECT_TRUE(v6.contains(*IpAddress::parse("2001:db8:1::5")));
    EXPECT_FALSE(v6.contains(*IpAddress::parse("2001:db9::1")));
    EXPECT_FALSE(v6.contains(*IpAddress::parse("10.0.0.1")));
    EXPECT_TRUE(Cidr::parse("192.0.2.7")->contains(*IpAddress::parse("192.0.2.7")));
    EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains(*IpAddress::parse("8.8.8.8")));
    EXPECT_TRUE(Cidr::parse("10.0.0.0/9")->contains(*IpAddress::parse("10.127.0.1")));
    EXPECT_FALSE(Cidr::parse("10.0.0.0/9")->contains(*IpAddress::parse("10.128.0.1")));
}

TEST(Cidr, RefusesMalformedEntries) {
    for (auto bad : {"10.0.0.0/33", "10.0.0/8", "::1/129", "10.0.0.0/", "10.0.0.0/x", "host", ""})
        EXPECT_FALSE(Cidr::parse(bad)) << bad;
    std::string error;
    EXPECT_FALSE(parse_cidr_list({"10.0.0.0/8", "nope"}, &error));
    EXPECT_EQ(error, "'nope' is not an IP address or CIDR block");
}

TEST(Cidr, PrivateAndLoopback) {
    for (auto a :
         {"127.0.0.1", "10.1.1.1", "172.16.0.1", "192.168.1.1", "::1", "fd00::1", "fe80::1"})
        EXPECT_TRUE(IpAddress::parse(a)->is_private()) << a;
    for (auto a : {"8.8.8.8", "172.32.0.1", "2001:db8::1"})
        EXPECT_FALSE(IpAddress::parse(a)->is_private()) << a;
    EXPECT_EQ(IpAddress::parse("[::1]")->to_string(), "::1");
}

TEST(Lists, SplitAndJoin) {
    EXPECT_EQ(split_list(" a, b ,,c\n d"), (std::vector<std::string>{"a", "b", "c", "d"}));
    EXPECT_EQ(join_list({"a", "b"}), "a,b");
}

TEST(Time, FormatsAndParsesUtc) {
    EXPECT_EQ(format_time(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(parse_time("2026-11-23"), 1795392000);
    EXPECT_EQ(parse_time("2026-11-23T01:02:03Z"), 1795392000 + 3723);
    EXPECT_EQ(parse_time("2026-11-23T01:02"), 1795392000 + 3720);
    EXPECT_EQ(parse_time("1795392000"), 1795392000);
    for (auto bad : {"", "2026-02-31", "2026-13-01", "yesterday", "2026-11-23T01:02:03+02:00"})
        EXPECT_FALSE(parse_time(bad)) << bad;
}

TEST(FailureReasons, TableCoversEveryReasonWithItsFilesComName) {
    EXPECT_EQ(to_string(FailureReason::region_mismatch), "region_mismatch");
    EXPECT_EQ(info(FailureReason::region_mismatch).title, "Lockout Region Mismatch");
    EXPECT_EQ(info(FailureReason::locked_out).title, "Locked Out");
    for (const auto& row : all_failure_reasons()) {
        EXPECT_EQ(parse_failure_reason(row.failure_type), row.reason);
        if (row.reason != FailureReason::none) {
            EXPECT_FALSE(row.title.empty());
        }
    }
    // A client cannot tell an unknown username from a wrong password.
    EXPECT_EQ(info(FailureReason::username_not_found).title,
              info(FailureReason::password_mismatch).title);
    EXPECT_EQ(info(FailureReason::username_not_found).public_message,
              info(FailureReason::password_mismatch).public_message);
    // The reasons later issues fill are reserved already.
    for (auto name : {"locked_out", "rate_limited", "country_mismatch", "region_mismatch",
                      "insecure_ftp", "insecure_cipher", "second_factor_required",
                      "second_factor_mismatch", "directory_unavailable"})
        EXPECT_TRUE(parse_failure_reason(name)) << name;
    // Ours, where Files.com has no type: plain HTTP is refused apart from plain FTP.
    EXPECT_EQ(parse_failure_reason("insecure_http"), FailureReason::insecure_http);
    EXPECT_EQ(info(FailureReason::insecure_http).title, "Insecure HTTP");
}

TEST(SiteSettings, DefaultsFollowTheSeeds) {
    const SiteSettings s;
    EXPECT_EQ(s.password_min_length, 10);
    EXPECT_EQ(s.max_prior_passwords, 10);
    EXPECT_TRUE(s.password_require_letter && s.password_require_number &&
                s.password_require_special && s.password_require_mixed &&
                s.password_require_unbreached);
    EXPECT_EQ(s.password_validity_days, 0);
    EXPECT_FALSE(s.disable_password_reset);
    EXPECT_TRUE(s.user_lockout);
}

// Two-factor authentication (docs/two-factor.md) made require_2fa act: it takes any value now.
TEST(SiteSettings, RequireTwoFactorIsAccepted) {
    SiteSettings s;
    EXPECT_FALSE(set_settings(s, {{"require_2fa", "true"}}));
    EXPECT_TRUE(s.require_2fa);
    EXPECT_TRUE(unimplemented_settings_in_use(s).empty());
}

// Mail (docs/mail.md) made these act: they take any value now.
TEST(SiteSettings, MailSettingsAreAccepted) {
    SiteSettings s;
    EXPECT_FALSE(
        set_settings(s, {{"welcome_email_enabled", "false"}, {"disable_password_reset", "true"}}));
    EXPECT_FALSE(s.welcome_email_enabled);
    EXPECT_TRUE(s.disable_password_reset);
}

TEST(SiteSettings, SmtpSettingsAreCheckedTogether) {
    SiteSettings s;
    // AUTH needs a user name, and never goes in clear.
    EXPECT_TRUE(set_settings(s, {{"smtp_authentication", "plain"}}));
    EXPECT_TRUE(set_settings(
        s,
        {{"smtp_authentication", "login"}, {"smtp_username", "relay"}, {"smtp_security", "none"}}));
    EXPECT_FALSE(set_settings(s, {{"smtp_authentication", "login"},
                                  {"smtp_username", "relay"},
                                  {"smtp_password", "s3cret"}}));
    EXPECT_TRUE(set_settings(s, {{"smtp_authentication", "cram"}}));
    EXPECT_TRUE(set_settings(s, {{"smtp_security", "ssl"}}));
    EXPECT_TRUE(set_settings(s, {{"smtp_address", "relay.example.com:25"}}));
    EXPECT_TRUE(set_settings(s, {{"smtp_from", "a\r\nBcc: x@y"}}));
    EXPECT_TRUE(set_settings(s, {{"smtp_port", "0"}}));
    EXPECT_TRUE(set_settings(s, {{"web_base_url", "ftp://x"}}));
    EXPECT_FALSE(set_settings(s, {{"web_base_url", "https://files.example.com/"}}));
    EXPECT_EQ(web_base_url(s), "https://files.example.com");
}

TEST(SiteSettings, TheRelayPasswordIsNeverShown) {
    SiteSettings s;
    const auto* f = find_site_setting("smtp_password");
    ASSERT_TRUE(f && f->secret);
    EXPECT_EQ(displayed_setting_value(s, *f), "");
    s.smtp_password = "s3cret";
    EXPECT_EQ(displayed_setting_value(s, *f), "(set)");
    EXPECT_EQ(displayed_assignment("smtp_password", "s3cret"), "smtp_password=(hidden)");
    EXPECT_EQ(displayed_assignment("smtp_port", "25"), "smtp_port=25");
}

// The site page shows every setting once: a setting added to the table without a group would
// be missing from it, and one in two groups shown twice.
TEST(SiteSettings, EverySettingIsInExactlyOneGroup) {
    std::map<std::string, int> seen;
    for (const auto& g : site_setting_groups())
        for (auto name : g.settings) {
            EXPECT_TRUE(find_site_setting(name)) << name << " in group " << g.name;
            ++seen[std::string(name)];
        }
    for (const auto& f : site_setting_fields()) EXPECT_EQ(seen[std::string(f.name)], 1) << f.name;
}

TEST(SiteSettings, ListsAndChoicesAreKnown) {
    EXPECT_TRUE(is_list_setting(*find_site_setting("allowed_ips")));
    EXPECT_TRUE(is_list_setting(*find_site_setting("disallowed_countries")));
    EXPECT_FALSE(is_list_setting(*find_site_setting("site_hostname")));
    const auto scopes = setting_choices(*find_site_setting("user_lockout_scope"));
    ASSERT_EQ(scopes.size(), 2u);
    SiteSettings s;
    for (auto v : scopes) EXPECT_FALSE(set_setting(s, "user_lockout_scope", v)) << v;
    for (auto v : setting_choices(*find_site_setting("smtp_security")))
        EXPECT_FALSE(set_setting(s, "smtp_security", v)) << v;
    EXPECT_TRUE(setting_choices(*find_site_setting("allowed_region")).empty());
}

TEST(SiteSettings, MailComesFromTheSiteHostByDefault) {
    SiteSettings s;
    s.site_hostname = "files.example.com:8443";
    EXPECT_EQ(mail_from_address(s), "no-reply@files.example.com");
    EXPECT_EQ(web_base_url(s), "https://files.example.com:8443");
    s.smtp_from = "ops@example.com";
    EXPECT_EQ(mail_from_address(s), "ops@example.com");
}

TEST(UserFields, Require2faTakesItsThreeValues) {
    User u;
    for (auto [text, value] : {std::pair{"always_require", SiteDefault::always_require},
                               std::pair{"never_require", SiteDefault::never_require},
                               std::pair{"use_system_setting", SiteDefault::use_system_setting}}) {
        EXPECT_FALSE(set_user_field(u, "require_2fa", text)) << text;
        EXPECT_EQ(u.require_2fa, value);
    }
    EXPECT_TRUE(set_user_field(u, "require_2fa", "sometimes"));
}

TEST(SiteSettings, SetChecksTypesAndRanges) {
    SiteSettings s;
    EXPECT_FALSE(set_setting(s, "password_min_length", "512"));
    EXPECT_EQ(s.password_min_length, 512);
    EXPECT_EQ(*set_setting(s, "password_min_length", "513"),
              "password_min_length: expected a whole number from 1 to 512, got '513'");
    EXPECT_TRUE(set_setting(s, "password_min_length", "0"));
    EXPECT_TRUE(set_setting(s, "max_prior_passwords", "31"));
    EXPECT_FALSE(set_setting(s, "max_prior_passwords", "0"));
    EXPECT_EQ(*set_setting(s, "ssl_required", "maybe"),
              "ssl_required: expected true or false, got 'maybe'");
    EXPECT_EQ(*set_setting(s, "no_such", "1"), "unknown site setting 'no_such'");
    EXPECT_FALSE(set_setting(s, "allowed_ips", "10.0.0.0/8 , 192.0.2.1"));
    EXPECT_EQ(s.allowed_ips, "10.0.0.0/8,192.0.2.1");
    EXPECT_TRUE(set_setting(s, "allowed_ips", "10.0.0.0/8,bogus"));
    EXPECT_TRUE(set_setting(s, "allowed_countries", "usa"));
    EXPECT_FALSE(set_setting(s, "disallowed_countries", "RU, KP"));
}

TEST(SiteSettings, HipaaSiteCannotAllowEveryRegion) {
    SiteSettings s;
    const auto e = set_setting(s, "hipaa", "true");
    ASSERT_TRUE(e);
    EXPECT_NE(e->find("HIPAA"), std::string::npos);
    EXPECT_FALSE(s.hipaa);
    EXPECT_FALSE(set_setting(s, "allowed_region", "us-east"));
    EXPECT_FALSE(set_setting(s, "hipaa", "true"));
    EXPECT_TRUE(set_setting(s, "allowed_region", "all"));
}

TEST(UserFields, SetAndValidate) {
    User u;
    EXPECT_FALSE(set_user_field(u, "allowed_ips", "10.1.0.0/16, 192.0.2.9"));
    EXPECT_EQ(u.allowed_ips, (std::vector<std::string>{"10.1.0.0/16", "192.0.2.9/32"}));
    EXPECT_FALSE(set_user_field(u, "password_validity_days", "90"));
    EXPECT_EQ(u.password_validity.mode, PasswordValidity::Mode::days);
    EXPECT_FALSE(set_user_field(u, "password_validity_days", "never"));
    EXPECT_TRUE(set_user_field(u, "password_validity_days", "0"));
    EXPECT_FALSE(set_user_field(u, "authenticate_until", "2027-01-01"));
    EXPECT_EQ(u.authenticate_until, parse_time("2027-01-01"));
    EXPECT_EQ(*set_user_field(u, "last_login_at", "2027-01-01"), "last_login_at is read-only");
    EXPECT_EQ(*set_user_field(u, "ssl_required", "sometimes"),
              "ssl_required: expected use_system_setting, always_require or never_require");
    EXPECT_TRUE(set_user_field(u, "email", "not-an-address"));
    EXPECT_TRUE(set_user_field(u, "authentication_method", "password_with_imported_hash"));
    EXPECT_EQ(*set_user_field(u, "nope", "1"), "unknown user field 'nope'");
}

TEST(Usernames, Validation) {
    for (auto good : {"alice", "a", "bob.smith", "x_y-z", "partner@corp", "A1+tag"})
        EXPECT_FALSE(validate_username(good)) << good;
    for (auto bad : {"", "@api-x", ".hidden", "..", "has space", "sl/ash", "-dash", "ünï"})
        EXPECT_TRUE(validate_username(bad)) << bad;
    EXPECT_TRUE(validate_username(std::string(129, 'a')));
}

}  // namespace
}  // namespace drawbridge::core
