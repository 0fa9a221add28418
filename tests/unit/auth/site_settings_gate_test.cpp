// The site settings the gate enforces for a whole node: the protocol switches (login, explain
// and readmit), country rules that fail closed without a usable GeoIP database, and the review
// of a site change (countries without a database, a region that shuts this node out).
#include <cstdlib>
#include <fstream>

#include "core/site_settings.h"
#include "gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::FailureReason;
using core::Interface;

constexpr const char* kGB = "81.2.69.142";

class SiteSettingsGateTest : public GateTest {
  protected:
    void site(const std::string& name, const std::string& value) {
        auto s = store_->load_site_settings();
        ASSERT_FALSE(core::set_setting(s, name, value)) << name;
        store_->save_site_settings(s);
    }
    FailureReason login(Interface i, const std::string& ip = "198.51.100.7") {
        const auto out = password("alice", kGoodPassword, i, ip);
        return out.ok() ? FailureReason::none : out.reason;
    }
    static std::filesystem::path test_database() {
        const char* src = std::getenv("DRAWBRIDGE_SOURCE_DIR");
        return std::filesystem::path(src ? src : ".") /
               "../shared/testdata/geoip/GeoIP2-Country-Test.mmdb";
    }
};

TEST_F(SiteSettingsGateTest, ADisabledProtocolIsRefusedAndLoggedWithItsReason) {
    add_user("alice");
    for (auto [i, setting] :
         {std::pair{Interface::sftp, "sftp_enabled"}, std::pair{Interface::ftp, "ftp_enabled"},
          std::pair{Interface::dav, "dav_enabled"}}) {
        site(setting, "false");
        EXPECT_EQ(login(i), FailureReason::protocol_disabled) << setting;
        const auto e = last_entry();
        EXPECT_EQ(e.action, "failedlogin");
        EXPECT_EQ(e.failure_type, FailureReason::protocol_disabled);
        EXPECT_NE(e.detail.find("site setting " + std::string(setting) + "=false"),
                  std::string::npos)
            << e.detail;
        // Only that protocol: the others and the REST API go on.
        for (auto other : {Interface::sftp, Interface::ftp, Interface::dav, Interface::restapi}) {
            if (other != i) {
                EXPECT_EQ(login(other), FailureReason::none);
            }
        }
        site(setting, "true");
        EXPECT_EQ(login(i), FailureReason::none);
    }
}

TEST_F(SiteSettingsGateTest, ADisabledProtocolCostsNoHashAndScoresNothing) {
    add_user("alice");
    site("sftp_enabled", "false");
    // Not a guess: no lockout however often, and an unknown name is refused the same way.
    for (int n = 0; n < 10; ++n)
        EXPECT_EQ(login(Interface::sftp), FailureReason::protocol_disabled);
    EXPECT_EQ(password("nobody", "x", Interface::sftp).reason, FailureReason::protocol_disabled);
    site("sftp_enabled", "true");
    EXPECT_EQ(login(Interface::sftp), FailureReason::none);
}

TEST_F(SiteSettingsGateTest, ExplainAndReadmitKnowTheSwitch) {
    add_user("alice");
    auto out = password("alice", kGoodPassword, Interface::ftp);
    ASSERT_TRUE(out.ok());
    auto grant = *out.grant;
    EXPECT_FALSE(gate_->readmit(grant));
    site("ftp_enabled", "false");
    const auto ended = gate_->readmit(grant);
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->reason, FailureReason::protocol_disabled);
    const auto why = gate_->explain("alice", Interface::ftp, "198.51.100.7");
    ASSERT_FALSE(why.empty());
    EXPECT_EQ(why.front().refusal.reason, FailureReason::protocol_disabled);
    EXPECT_TRUE(gate_->explain("alice", Interface::sftp, "198.51.100.7").empty());
}

TEST_F(SiteSettingsGateTest, CountryRulesWithoutADatabaseFailClosed) {
    add_user("alice");  // this gate has no GeoIP database
    site("allowed_countries", "GB");
    EXPECT_EQ(login(Interface::sftp, kGB), FailureReason::geoip_unavailable);
    EXPECT_NE(last_entry().detail.find("no GeoIP database (node configuration geoip.database)"),
              std::string::npos)
        << last_entry().detail;
    // Private and loopback addresses are never country-checked, database or not.
    EXPECT_EQ(login(Interface::sftp, "127.0.0.1"), FailureReason::none);
    site("allowed_countries", "");
    site("disallowed_countries", "US");
    EXPECT_EQ(login(Interface::sftp, kGB), FailureReason::geoip_unavailable);
}

TEST_F(SiteSettingsGateTest, ADatabaseThatGoesMissingFailsClosedAndComesBack) {
    if (!std::filesystem::exists(test_database())) GTEST_SKIP() << test_database() << " is missing";
    const auto copy = dir_ / "countries.mmdb";
    std::filesystem::copy_file(test_database(), copy);
    countries_ = std::make_shared<core::CountryDatabaseFile>(copy);
    open(1000);
    add_user("alice");
    site("allowed_countries", "GB");
    EXPECT_EQ(login(Interface::sftp, kGB), FailureReason::none);
    std::filesystem::rename(copy, dir_ / "aside.mmdb");
    EXPECT_EQ(login(Interface::sftp, kGB), FailureReason::geoip_unavailable);
    EXPECT_NE(last_entry().detail.find("is missing"), std::string::npos) << last_entry().detail;
    EXPECT_TRUE(gate_->country_database_problem());
    // A file that is not a database fails closed too.
    std::ofstream(copy) << "not an mmdb";
    EXPECT_EQ(login(Interface::sftp, kGB), FailureReason::geoip_unavailable);
    // Replaced by a good one (as geoipupdate does): read again, no restart.
    std::filesystem::rename(dir_ / "aside.mmdb", copy);
    EXPECT_EQ(login(Interface::sftp, kGB), FailureReason::none);
    EXPECT_FALSE(gate_->country_database_problem());
}

TEST_F(SiteSettingsGateTest, ReviewRefusesCountriesWithoutADatabase) {
    core::SiteSettings before;
    auto after = before;
    after.allowed_countries = "GB";
    auto review = gate_->review_site_change(before, after);
    ASSERT_TRUE(review.error);
    EXPECT_NE(review.error->find("allowed_countries: countries cannot be checked"),
              std::string::npos)
        << *review.error;
    after = before;
    after.disallowed_countries = "US";
    EXPECT_TRUE(gate_->review_site_change(before, after).error);
    // Clearing a list is always possible, and an unrelated change is not blocked by one.
    before.allowed_countries = "GB";
    after = before;
    after.allowed_countries = "";
    EXPECT_FALSE(gate_->review_site_change(before, after).error);
    after = before;
    after.password_min_length = 12;
    EXPECT_FALSE(gate_->review_site_change(before, after).error);
}

TEST_F(SiteSettingsGateTest, ReviewAcceptsCountriesWithADatabase) {
    if (!std::filesystem::exists(test_database())) GTEST_SKIP() << test_database() << " is missing";
    countries_ = std::make_shared<core::CountryDatabaseFile>(test_database());
    open(1000);
    core::SiteSettings before;
    auto after = before;
    after.allowed_countries = "GB";
    EXPECT_FALSE(gate_->review_site_change(before, after).error);
}

TEST_F(SiteSettingsGateTest, ReviewNamesARegionThatShutsThisNodeOut) {
    // The fixture's node is in region eu-west.
    core::SiteSettings before;
    auto after = before;
    after.hipaa = true;
    after.allowed_region = "us-east";
    const auto review = gate_->review_site_change(before, after);
    EXPECT_FALSE(review.error);
    ASSERT_EQ(review.refusals.size(), 1u);
    EXPECT_NE(review.refusals[0].find("this node's region is 'eu-west'"), std::string::npos)
        << review.refusals[0];
    after.allowed_region = "eu-west";
    EXPECT_TRUE(gate_->review_site_change(before, after).refusals.empty());
    // Already shut out: a further change is not asked about again.
    before.allowed_region = "us-east";
    after = before;
    after.password_min_length = 12;
    EXPECT_TRUE(gate_->review_site_change(before, after).refusals.empty());
}

// PATCH /site names its caller: a change that would refuse that session's own logins (and so
// end it on its next request) is asked about, whatever it does to the other users.
TEST_F(SiteSettingsGateTest, ReviewNamesTheActorsOwnLockOut) {
    add_user("root");
    const auth::SiteChangeActor actor{"root", Interface::web, "192.0.2.7"};
    core::SiteSettings before;
    auto after = before;
    after.allowed_ips = "10.0.0.0/8";
    auto review = gate_->review_site_change(before, after, &actor);
    ASSERT_EQ(review.refusals.size(), 1u);
    EXPECT_NE(review.refusals[0].find("your own session ('root' from 192.0.2.7 over web)"),
              std::string::npos)
        << review.refusals[0];
    EXPECT_NE(review.refusals[0].find("(ip_mismatch)"), std::string::npos) << review.refusals[0];
    // Without an actor (the CLI), or with a list that holds its address, nothing to ask.
    EXPECT_TRUE(gate_->review_site_change(before, after).refusals.empty());
    after.allowed_ips = "10.0.0.0/8,192.0.2.0/24";
    EXPECT_TRUE(gate_->review_site_change(before, after, &actor).refusals.empty());
    // The user's own list or bypass admits it.
    after.allowed_ips = "10.0.0.0/8";
    set("root", "bypass_site_allowed_ips", "true");
    EXPECT_TRUE(gate_->review_site_change(before, after, &actor).refusals.empty());
    // A password expiry that its password is already past.
    clock_.advance(40 * 86400);
    after = before;
    after.password_validity_days = 30;
    review = gate_->review_site_change(before, after, &actor);
    ASSERT_EQ(review.refusals.size(), 1u);
    EXPECT_NE(review.refusals[0].find("(password_expired)"), std::string::npos)
        << review.refusals[0];
    // A protocol switched off, for a session of that protocol only.
    after = before;
    after.dav_enabled = false;
    const auth::SiteChangeActor dav{"root", Interface::dav, "192.0.2.7"};
    EXPECT_EQ(gate_->review_site_change(before, after, &dav).refusals.size(), 1u);
    EXPECT_TRUE(gate_->review_site_change(before, after, &actor).refusals.empty());
}

}  // namespace
}  // namespace drawbridge::testing
