// Allowed and disallowed countries (Files.com's precedence) and region mismatch, through the
// gate, with MaxMind's test database.
#include <cstdlib>

#include "core/site_settings.h"
#include "gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::FailureReason;
using core::Interface;

constexpr const char* kGB = "81.2.69.142";
constexpr const char* kUS = "216.160.83.58";
constexpr const char* kSE = "89.160.20.115";
constexpr const char* kUnknown = "1.1.1.1";

class CountriesTest : public GateTest {
  protected:
    void SetUp() override {
        const char* src = std::getenv("DRAWBRIDGE_SOURCE_DIR");
        const auto db = std::filesystem::path(src ? src : ".") /
                        "../shared/testdata/geoip/GeoIP2-Country-Test.mmdb";
        if (!std::filesystem::exists(db)) GTEST_SKIP() << db << " is missing";
        countries_ = std::make_shared<core::CountryDatabaseFile>(db);
        GateTest::SetUp();
        add_user("alice");
    }
    void site(const std::string& name, const std::string& value) {
        auto s = store_->load_site_settings();
        ASSERT_FALSE(core::set_setting(s, name, value)) << name;
        store_->save_site_settings(s);
    }
    FailureReason from(const std::string& ip) {
        const auto out = password("alice", kGoodPassword, Interface::sftp, ip);
        return out.ok() ? FailureReason::none : out.reason;
    }
};

TEST_F(CountriesTest, NoListsNoChecks) {
    for (auto ip : {kGB, kUS, kSE, kUnknown}) EXPECT_EQ(from(ip), FailureReason::none) << ip;
}

TEST_F(CountriesTest, OnlyAnAllowListBlocksEveryOtherCountry) {
    site("allowed_countries", "GB,SE");
    EXPECT_EQ(from(kGB), FailureReason::none);
    EXPECT_EQ(from(kSE), FailureReason::none);
    EXPECT_EQ(from(kUS), FailureReason::country_mismatch);
    EXPECT_NE(last_entry().detail.find("is in US, not in allowed_countries"), std::string::npos)
        << last_entry().detail;
    EXPECT_EQ(from(kUnknown), FailureReason::country_mismatch);  // no country is not allowed
}

TEST_F(CountriesTest, OnlyADenyListBlocksThoseCountries) {
    site("disallowed_countries", "US");
    EXPECT_EQ(from(kUS), FailureReason::country_mismatch);
    EXPECT_EQ(from(kGB), FailureReason::none);
    EXPECT_EQ(from(kUnknown), FailureReason::none);
}

TEST_F(CountriesTest, BothListsTheAllowListAppliesAndTheDenyListWins) {
    site("allowed_countries", "GB,US");
    site("disallowed_countries", "US");
    EXPECT_EQ(from(kGB), FailureReason::none);
    EXPECT_EQ(from(kUS), FailureReason::country_mismatch);
    EXPECT_EQ(from(kSE), FailureReason::country_mismatch);
}

TEST_F(CountriesTest, AnIpAllowListDoesNotOverrideCountries) {
    site("allowed_countries", "GB");
    set("alice", "allowed_ips", "216.160.83.0/24");
    EXPECT_EQ(from(kUS), FailureReason::country_mismatch);
}

TEST_F(CountriesTest, PrivateAndLoopbackAddressesAreNotChecked) {
    site("allowed_countries", "GB");
    for (auto ip : {"127.0.0.1", "10.1.2.3", "192.168.0.9", "::1", "fd00::5"})
        EXPECT_EQ(from(ip), FailureReason::none) << ip;
}

TEST_F(CountriesTest, CountryIsCheckedBeforeTheAccountAndCostsNoHash) {
    site("disallowed_countries", "US");
    const auto out = password("nobody", "x", Interface::ftp, kUS);
    EXPECT_EQ(out.reason, FailureReason::country_mismatch);
    const auto why = gate_->explain("alice", Interface::sftp, kUS);
    ASSERT_FALSE(why.empty());
    EXPECT_EQ(why.front().refusal.reason, FailureReason::country_mismatch);
}

TEST_F(CountriesTest, RegionMismatchNamesTheSiteHostname) {
    site("site_hostname", "files.example.com");
    site("allowed_region", "us-east");  // this node is eu-west
    const auto out = password("alice", kGoodPassword, Interface::ftp, kGB);
    EXPECT_EQ(out.reason, FailureReason::region_mismatch);
    EXPECT_EQ(out.detail,
              "Your account must login using a different server, https://files.example.com.");
    site("allowed_region", "eu-west");
    EXPECT_EQ(from(kGB), FailureReason::none);
}

// Rights end at once (docs/login-gate.md#readmission): a country or region rule set while a
// session is open ends it at its next re-admission, as it would refuse its login.
TEST_F(CountriesTest, ANewCountryOrRegionRuleEndsOpenSessions) {
    auto out = password("alice", kGoodPassword, Interface::sftp, kGB);
    ASSERT_TRUE(out.ok() && out.grant) << out.detail;
    auto g = *out.grant;
    EXPECT_FALSE(gate_->readmit(g));
    site("disallowed_countries", "GB");
    auto r = gate_->readmit(g);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->reason, FailureReason::country_mismatch);
    site("disallowed_countries", "");
    EXPECT_FALSE(gate_->readmit(g));
    site("allowed_region", "us-east");  // this node is eu-west
    r = gate_->readmit(g);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->reason, FailureReason::region_mismatch);
}

TEST(SiteSettingsHipaa, AHipaaSiteCannotAllowEveryRegion) {
    core::SiteSettings s;  // allowed_region defaults to all
    const auto refused = core::set_setting(s, "hipaa", "true");
    ASSERT_TRUE(refused);
    EXPECT_NE(refused->find("HIPAA"), std::string::npos);
    EXPECT_FALSE(s.hipaa);
    core::SiteSettings t;
    ASSERT_FALSE(core::set_setting(t, "allowed_region", "us-east"));
    ASSERT_FALSE(core::set_setting(t, "hipaa", "true"));
    const auto e = core::set_setting(t, "allowed_region", "all");
    ASSERT_TRUE(e);
    EXPECT_NE(e->find("HIPAA"), std::string::npos);
}

}  // namespace
}  // namespace drawbridge::testing
