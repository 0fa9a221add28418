// User lockout and brute-force protection through the gate, with the clock moved by hand.
#include "core/site_settings.h"
#include "gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::FailureReason;
using core::Interface;

constexpr const char* kAttacker = "203.0.113.66";
constexpr const char* kOther = "198.51.100.7";

class SecurityTest : public GateTest {
  protected:
    void site(const std::string& name, const std::string& value) {
        auto s = store_->load_site_settings();
        ASSERT_FALSE(core::set_setting(s, name, value));
        store_->save_site_settings(s);
    }
    std::size_t count_reason(FailureReason r) {
        core::ActionLogQuery q;
        q.failure_type = r;
        q.limit = 1000;
        return store_->query_actions(q).entries.size();
    }
    core::LoginOutcome guess(const std::string& user, const std::string& ip = kAttacker) {
        return password(user, "Wrong-Horse-9-Battery", Interface::sftp, ip);
    }
    // A wrong password from a new address each time, so that user lockout is tested alone.
    core::LoginOutcome mistype(const std::string& user) {
        return guess(user, "192.0.2." + std::to_string(++mistakes_));
    }
    int mistakes_ = 0;
    bool banned(const std::string& ip) {
        auto b = store_->find_ip_ban(ip);
        return b && b->active(clock_.now());
    }
};

// ---- user lockout ----------------------------------------------------------------------------

TEST_F(SecurityTest, SixWrongPasswordsLockTheUserEvenAgainstTheRightPassword) {
    add_user("alice");
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(mistype("alice").reason, FailureReason::password_mismatch);
    const auto sixth = mistype("alice");
    EXPECT_EQ(sixth.reason, FailureReason::password_mismatch);
    EXPECT_NE(sixth.detail.find("now locked out until"), std::string::npos) << sixth.detail;
    EXPECT_EQ(store_->find_user_by_name("alice")->lockout_expires, kNow + 6 * 3600);

    const auto right = password("alice", kGoodPassword, Interface::ftp, "192.0.2.1");
    EXPECT_EQ(right.reason, FailureReason::locked_out);
    EXPECT_NE(right.detail.find("locked out"), std::string::npos);
    EXPECT_EQ(last_entry().failure_type, FailureReason::locked_out);
}

TEST_F(SecurityTest, TheLockEndsAfterItsPeriod) {
    add_user("alice");
    site("user_lockout_lock_period", "2");
    for (int i = 0; i < 6; ++i) mistype("alice");
    clock_.advance(2 * 3600 - 1);
    EXPECT_EQ(password("alice", kGoodPassword).reason, FailureReason::locked_out);
    clock_.advance(1);
    EXPECT_TRUE(password("alice", kGoodPassword).ok());
    // The count started again at the lock: one more mistake does not lock at once.
    EXPECT_EQ(mistype("alice").reason, FailureReason::password_mismatch);
    EXPECT_FALSE(store_->find_user_by_name("alice")->lockout_expires.value_or(0) > clock_.now());
}

TEST_F(SecurityTest, OnlyFailuresWithinTheWindowCount) {
    add_user("alice");
    site("user_lockout_within", "1");
    for (int i = 0; i < 5; ++i) mistype("alice");
    clock_.advance(3600);
    mistype("alice");
    EXPECT_TRUE(password("alice", kGoodPassword).ok());
}

TEST_F(SecurityTest, TriesAreASiteSettingAndLockoutCanBeOff) {
    add_user("alice");
    site("user_lockout_tries", "3");
    for (int i = 0; i < 3; ++i) mistype("alice");
    EXPECT_EQ(password("alice", kGoodPassword).reason, FailureReason::locked_out);

    add_user("bob");
    site("user_lockout", "false");
    for (int i = 0; i < 8; ++i) guess("bob", kOther);
    EXPECT_TRUE(password("bob", kGoodPassword).ok());
}

TEST_F(SecurityTest, SuccessForgetsEarlierFailures) {
    add_user("alice");
    for (int i = 0; i < 5; ++i) mistype("alice");
    ASSERT_TRUE(password("alice", kGoodPassword).ok());
    for (int i = 0; i < 5; ++i) mistype("alice");
    EXPECT_TRUE(password("alice", kGoodPassword).ok());
}

TEST_F(SecurityTest, UnlockLiftsTheLockAndTheCount) {
    add_user("alice");
    for (int i = 0; i < 6; ++i) mistype("alice");
    ASSERT_EQ(password("alice", kGoodPassword).reason, FailureReason::locked_out);
    accounts_->unlock("alice", {});
    EXPECT_FALSE(store_->find_user_by_name("alice")->lockout_expires);
    for (int i = 0; i < 5; ++i) mistype("alice");
    EXPECT_TRUE(password("alice", kGoodPassword).ok());
}

TEST_F(SecurityTest, ExplainShowsTheLock) {
    add_user("alice");
    for (int i = 0; i < 6; ++i) mistype("alice");
    const auto why = gate_->explain("alice", Interface::sftp, "192.0.2.1");
    ASSERT_FALSE(why.empty());
    EXPECT_EQ(why.front().refusal.reason, FailureReason::locked_out);
}

// ---- brute-force protection ------------------------------------------------------------------

TEST_F(SecurityTest, FiveUnknownUsernamesBanTheAddressAndOnlyTheFirstRefusalIsLogged) {
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(guess("root" + std::to_string(i)).reason, FailureReason::username_not_found);
    EXPECT_FALSE(banned(kAttacker));
    const auto fifth = guess("admin");
    EXPECT_EQ(fifth.reason, FailureReason::username_not_found);
    EXPECT_NE(fifth.detail.find("now banned until"), std::string::npos) << fifth.detail;
    EXPECT_TRUE(banned(kAttacker));

    add_user("alice");
    for (int i = 0; i < 5; ++i) {
        const auto refused = password("alice", kGoodPassword, Interface::sftp, kAttacker);
        EXPECT_EQ(refused.reason, FailureReason::rate_limited);
    }
    EXPECT_EQ(count_reason(FailureReason::rate_limited), 1u);
    EXPECT_EQ(store_->find_ip_ban(kAttacker)->refusals, 5);
    // No lockout for alice: a banned address never reaches her account.
    EXPECT_TRUE(password("alice", kGoodPassword, Interface::sftp, kOther).ok());
    // And the ban is dropped at accept as well, counted on the same ban.
    const auto at_accept = gate_->admit_connection(Interface::sftp, kAttacker);
    ASSERT_TRUE(at_accept);
    EXPECT_EQ(at_accept->reason, FailureReason::rate_limited);
    EXPECT_EQ(count_reason(FailureReason::rate_limited), 1u);
    EXPECT_FALSE(gate_->admit_connection(Interface::sftp, kOther));
}

TEST_F(SecurityTest, AFewMistypedPasswordsDoNotBan) {
    site("user_lockout", "false");
    add_user("alice");
    for (int i = 0; i < 9; ++i) guess("alice", kOther);
    EXPECT_FALSE(banned(kOther));
    EXPECT_TRUE(password("alice", kGoodPassword, Interface::sftp, kOther).ok());
    guess("alice", kOther);  // the tenth within the window
    EXPECT_TRUE(banned(kOther));
}

TEST_F(SecurityTest, TheScoreStartsOverAfterTheWindow) {
    for (int i = 0; i < 4; ++i) guess("root");
    clock_.advance(600);
    for (int i = 0; i < 4; ++i) guess("root");
    EXPECT_FALSE(banned(kAttacker));
}

TEST_F(SecurityTest, BansGrowOnRepeatAndAreForgivenAfterADay) {
    auto offend = [&] {
        for (int i = 0; i < 5; ++i) guess("root");
        return store_->find_ip_ban(kAttacker);
    };
    const auto first = offend();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->expires_at - clock_.now(), 900);
    clock_.advance(900);
    EXPECT_FALSE(banned(kAttacker));
    const auto second = offend();
    EXPECT_EQ(second->offences, 2);
    EXPECT_EQ(second->expires_at - clock_.now(), 1800);
    EXPECT_EQ(second->refusals, 0);
    for (int n = 3; n <= 10; ++n) {
        clock_.set(store_->find_ip_ban(kAttacker)->expires_at);
        offend();
    }
    EXPECT_EQ(store_->find_ip_ban(kAttacker)->expires_at - clock_.now(), 86400);  // capped
    clock_.set(store_->find_ip_ban(kAttacker)->expires_at + 86400);
    const auto fresh = offend();
    EXPECT_EQ(fresh->offences, 1);
    EXPECT_EQ(fresh->expires_at - clock_.now(), 900);
}

TEST_F(SecurityTest, AnIpv6AttackerIsBannedByItsSlash64) {
    for (int i = 0; i < 5; ++i) guess("root", "2001:db8:1:2::" + std::to_string(i + 1));
    const auto ban = store_->find_ip_ban("2001:db8:1:2::/64");
    ASSERT_TRUE(ban);
    EXPECT_TRUE(gate_->admit_connection(Interface::sftp, "2001:db8:1:2:ffff::9"));
    EXPECT_FALSE(gate_->admit_connection(Interface::sftp, "2001:db8:1:3::1"));
    EXPECT_TRUE(gate_->security().lift_ban(*core::IpAddress::parse("2001:db8:1:2::77")));
    EXPECT_FALSE(gate_->admit_connection(Interface::sftp, "2001:db8:1:2::1"));
}

TEST_F(SecurityTest, TheSiteCanTurnProtectionOffButNotTheBlockList) {
    for (int i = 0; i < 5; ++i) guess("root");
    ASSERT_TRUE(banned(kAttacker));
    site("brute_force_protection", "false");
    EXPECT_FALSE(gate_->admit_connection(Interface::sftp, kAttacker));  // the ban is not enforced
    for (int i = 0; i < 30; ++i) guess("root", "203.0.113.99");
    EXPECT_FALSE(banned("203.0.113.99"));  // nor is anything scored
    gate_->security().add_to_list(core::IpListKind::block, *core::Cidr::parse("192.0.2.0/24"), "");
    EXPECT_TRUE(gate_->admit_connection(Interface::sftp, "192.0.2.1"));
    site("brute_force_protection", "true");
    EXPECT_TRUE(gate_->admit_connection(Interface::sftp, kAttacker));
}

TEST_F(SecurityTest, ConnectionsThatNeverTryScoreToo) {
    for (int i = 0; i < 19; ++i) gate_->connection_abandoned(Interface::sftp, kAttacker);
    EXPECT_FALSE(banned(kAttacker));
    gate_->connection_abandoned(Interface::sftp, kAttacker);
    EXPECT_TRUE(banned(kAttacker));
    EXPECT_TRUE(gate_->admit_connection(Interface::sftp, kAttacker));
}

TEST_F(SecurityTest, SafeListedAddressesAreNeverBanned) {
    gate_->security().add_to_list(core::IpListKind::safe, *core::Cidr::parse("203.0.113.0/24"),
                                  "office");
    for (int i = 0; i < 30; ++i) guess("root");
    EXPECT_FALSE(banned(kAttacker));
    EXPECT_EQ(guess("root").reason, FailureReason::username_not_found);
}

TEST_F(SecurityTest, TheBlockListRefusesAtAcceptAndLogsOnce) {
    gate_->security().add_to_list(core::IpListKind::block, *core::Cidr::parse("203.0.113.0/24"),
                                  "");
    for (int i = 0; i < 3; ++i) {
        auto r = gate_->admit_connection(Interface::sftp, kAttacker);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->reason, FailureReason::rate_limited);
        EXPECT_NE(r->detail.find("block list"), std::string::npos);
    }
    add_user("alice");
    EXPECT_EQ(password("alice", kGoodPassword, Interface::sftp, kAttacker).reason,
              FailureReason::rate_limited);
    EXPECT_EQ(count_reason(FailureReason::rate_limited), 1u);
    EXPECT_EQ(gate_->security().list(core::IpListKind::block).front().refusals, 4);
    gate_->security().remove_from_list(core::IpListKind::block,
                                       *core::Cidr::parse("203.0.113.0/24"));
    EXPECT_TRUE(password("alice", kGoodPassword, Interface::sftp, kAttacker).ok());
}

TEST_F(SecurityTest, LiftingABanAdmitsTheAddressAgain) {
    for (int i = 0; i < 5; ++i) guess("root");
    ASSERT_TRUE(banned(kAttacker));
    ASSERT_EQ(gate_->security().bans(false).size(), 1u);
    EXPECT_TRUE(gate_->security().lift_ban(*core::IpAddress::parse(kAttacker)));
    EXPECT_TRUE(gate_->security().bans(true).empty());
    add_user("alice");
    EXPECT_TRUE(password("alice", kGoodPassword, Interface::sftp, kAttacker).ok());
}

TEST_F(SecurityTest, BansAndLocksSurviveReopeningTheStore) {
    add_user("alice");
    for (int i = 0; i < 5; ++i) guess("root");
    for (int i = 0; i < 6; ++i) mistype("alice");
    open(1000);
    EXPECT_TRUE(gate_->admit_connection(Interface::sftp, kAttacker));
    EXPECT_EQ(password("alice", kGoodPassword, Interface::sftp, "192.0.2.9").reason,
              FailureReason::locked_out);
}

}  // namespace
}  // namespace drawbridge::testing
