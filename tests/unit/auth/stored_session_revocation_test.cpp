// Stored REST sessions end where the rights behind them are written: the store's user, key and
// lock writes delete them, whoever calls (the CLI, the admin API, self-service, the gate's
// lockout), and a restart keeps the others (docs/rest-api.md#sessions).
#include "auth/login_security.h"
#include "core/site_settings.h"
#include "gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::Interface;

class StoredSessionTest : public GateTest {
  protected:
    // A session as the REST API stores it, from a real login.
    std::string open_session(const std::string& user, const std::string& secret,
                             const std::string& ip = "198.51.100.7") {
        const auto outcome = password(user, secret, Interface::restapi, ip);
        EXPECT_TRUE(outcome.ok()) << outcome.detail;
        core::StoredSession s;
        s.token_digest = "digest-" + std::to_string(++made_);
        s.grant = outcome.grant.value_or(core::SessionGrant{});
        s.address_key = auth::offender_key(*core::IpAddress::parse(ip));
        s.created_at = s.last_used_at = kNow;
        s.expires_at = kNow + 3600;
        store_->create_session(s);
        return s.token_digest;
    }
    bool alive(const std::string& digest) { return store_->find_session(digest).has_value(); }
    void site(const std::string& name, const std::string& value) {
        auto s = store_->load_site_settings();
        ASSERT_FALSE(core::set_setting(s, name, value));
        store_->save_site_settings(s);
    }
    int made_ = 0;
};

TEST_F(StoredSessionTest, TheGrantRoundTripsAndARestartKeepsIt) {
    add_user("alice");
    const auto digest = open_session("alice", kGoodPassword);
    const auto before = store_->find_session(digest);
    ASSERT_TRUE(before);
    open(1000);  // a restart on the same database
    const auto after = store_->find_session(digest);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->grant.user_id, before->grant.user_id);
    EXPECT_EQ(after->grant.interface, Interface::restapi);
    EXPECT_EQ(after->grant.client_ip, "198.51.100.7");
    EXPECT_EQ(after->grant.factors, std::set<core::Factor>{core::Factor::password});
    EXPECT_EQ(after->grant.password_digest, before->grant.password_digest);
    EXPECT_FALSE(after->grant.password_digest.empty());
    EXPECT_EQ(after->address_key, "198.51.100.7");
    EXPECT_EQ(after->expires_at, kNow + 3600);
    // And the gate re-admits it from what was stored.
    auto grant = after->grant;
    EXPECT_FALSE(gate_->readmit(grant));
}

TEST_F(StoredSessionTest, APasswordChangeEndsPasswordSessionsOnly) {
    add_user("alice");
    const auto created = accounts_->create_api_key("alice", "ci", "", std::nullopt, {});
    const auto by_password = open_session("alice", kGoodPassword);
    const auto by_key = open_session("@api-ci", created.secret);
    accounts_->set_password("alice", "Another-Horse-7-Battery", false, {});
    EXPECT_FALSE(alive(by_password));
    EXPECT_TRUE(alive(by_key));
    // An imported hash is a password change too.
    const auto again = open_session("alice", "Another-Horse-7-Battery");
    // openssl passwd -6 -salt saltsalt 'Imported#Pass1'
    accounts_->import_password_hash(
        "alice",
        "$6$saltsalt$cwyt6hHsVy3matMcMolWI/"
        "fpiT1NjlZN26XhzMz0shKt0gcG.TqpUdDgmaMDIZJehFogAZalVcfOTrST9VdhX/",
        {});
    EXPECT_FALSE(alive(again));
}

TEST_F(StoredSessionTest, OtherChangesKeepSessions) {
    add_user("alice");
    const auto digest = open_session("alice", kGoodPassword);
    set("alice", "email", "alice@example.com");
    set("alice", "disabled", "false");
    accounts_->unlock("alice", {});
    EXPECT_TRUE(alive(digest));
    EXPECT_EQ(store_->count_sessions(store_->find_user_by_name("alice")->id), 1);
}

TEST_F(StoredSessionTest, DisableAndDeleteEndEverySession) {
    add_user("alice");
    add_user("bob");
    const auto created = accounts_->create_api_key("alice", "ci", "", std::nullopt, {});
    const auto a1 = open_session("alice", kGoodPassword);
    const auto a2 = open_session("@api-ci", created.secret);
    const auto b = open_session("bob", kGoodPassword);
    accounts_->set_disabled("alice", true, {});
    EXPECT_FALSE(alive(a1));
    EXPECT_FALSE(alive(a2));
    EXPECT_TRUE(alive(b));
    accounts_->delete_user("bob", {});
    EXPECT_FALSE(alive(b));
}

TEST_F(StoredSessionTest, RevokingAKeyEndsTheSessionsItOpened) {
    add_user("alice");
    const auto created = accounts_->create_api_key("alice", "ci", "", std::nullopt, {});
    const auto by_key = open_session("@api-ci", created.secret);
    const auto by_password = open_session("alice", kGoodPassword);
    accounts_->revoke_api_key("alice", "ci", {});
    EXPECT_FALSE(alive(by_key));
    EXPECT_TRUE(alive(by_password));
}

TEST_F(StoredSessionTest, ALockEndsTheSessionsItCovers) {
    add_user("alice");
    const auto digest = open_session("alice", kGoodPassword);
    for (int i = 0; i < 5; ++i) password("alice", "Wrong-Horse-1-Battery", Interface::restapi);
    EXPECT_TRUE(alive(digest));  // not locked yet
    password("alice", "Wrong-Horse-1-Battery", Interface::restapi);
    ASSERT_TRUE(store_->find_user_by_name("alice")->lockout_expires);
    EXPECT_FALSE(alive(digest));
}

TEST_F(StoredSessionTest, AnAddressLockEndsOnlyTheSessionsFromThere) {
    add_user("alice");
    site("user_lockout_scope", "address");
    const auto here = open_session("alice", kGoodPassword, "198.51.100.7");
    const auto v6 = open_session("alice", kGoodPassword, "2001:db8:1:2::5");
    const auto elsewhere = open_session("alice", kGoodPassword, "203.0.113.9");
    for (int i = 0; i < 6; ++i)
        password("alice", "Wrong-Horse-1-Battery", Interface::restapi, "198.51.100.7");
    for (int i = 0; i < 6; ++i)  // another host of the same /64
        password("alice", "Wrong-Horse-1-Battery", Interface::restapi, "2001:db8:1:2::99");
    EXPECT_FALSE(alive(here));
    EXPECT_FALSE(alive(v6));
    EXPECT_TRUE(alive(elsewhere));
}

TEST_F(StoredSessionTest, EndedSessionsAreSweptByTime) {
    add_user("alice");
    const auto digest = open_session("alice", kGoodPassword);  // expires at kNow + 3600
    EXPECT_EQ(store_->delete_ended_sessions(kNow + 10, kNow - 1), 0);
    store_->touch_session(store_->find_session(digest)->id, kNow + 100);
    EXPECT_EQ(store_->find_session(digest)->last_used_at, kNow + 100);
    EXPECT_EQ(store_->delete_ended_sessions(kNow + 200, kNow + 100), 1);  // unused since
    EXPECT_FALSE(alive(digest));
    const auto old = open_session("alice", kGoodPassword);
    EXPECT_EQ(store_->delete_ended_sessions(kNow + 3600, kNow - 1), 1);  // past expires_at
    EXPECT_FALSE(alive(old));
}

}  // namespace
}  // namespace drawbridge::testing
