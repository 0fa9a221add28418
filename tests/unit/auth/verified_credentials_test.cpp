// The verified-credential cache (docs/login-gate.md#verified-credentials): a returning user's
// identical login skips the hash, every change of what the login rests on drops it, a failure
// is never remembered, and identical logins arriving together share one hash.
#include "auth/verified_credentials.h"

#include <thread>
#include <vector>

#include "gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::FailureReason;

class VerifiedTest : public GateTest {
  protected:
    // Whether the last successful login skipped the hash (its log entry says so).
    bool from_cache() {
        const auto e = last_entry();
        EXPECT_EQ(e.action, "login");
        return e.detail.find("verified by a login within") != std::string::npos;
    }
    bool cached_after_relogin(const std::string& user) {
        EXPECT_TRUE(password(user, kGoodPassword).ok());
        return from_cache();
    }
};

TEST_F(VerifiedTest, AReturningUsersIdenticalLoginSkipsTheHashButIsStillLogged) {
    add_user("alice");
    ASSERT_TRUE(password("alice", kGoodPassword).ok());
    EXPECT_FALSE(from_cache());
    const auto before = count_entries("login");
    ASSERT_TRUE(password("alice", kGoodPassword, core::Interface::ftp).ok());
    EXPECT_TRUE(from_cache());
    EXPECT_EQ(count_entries("login"), before + 1);  // every login is still logged
    // Another password, or another user with the same one, is not the same login.
    add_user("bob");
    ASSERT_TRUE(password("bob", kGoodPassword).ok());
    EXPECT_FALSE(from_cache());
    EXPECT_EQ(password("alice", "Wrong-Horse-9-Battery").reason, FailureReason::password_mismatch);
}

TEST_F(VerifiedTest, AFailureIsNeverRemembered) {
    add_user("alice");
    set("alice", "disabled", "true");
    EXPECT_EQ(password("alice", kGoodPassword).reason, FailureReason::disabled);
    set("alice", "disabled", "false");
    ASSERT_TRUE(password("alice", kGoodPassword).ok());
    EXPECT_FALSE(from_cache());
}

TEST_F(VerifiedTest, EveryChangeOfWhatTheLoginRestsOnDropsIt) {
    add_user("alice");
    ASSERT_TRUE(password("alice", kGoodPassword).ok());
    ASSERT_TRUE(cached_after_relogin("alice"));
    // Status: disabled (a login refused meanwhile drops the entry), then enabled again.
    set("alice", "disabled", "true");
    EXPECT_EQ(password("alice", kGoodPassword).reason, FailureReason::disabled);
    set("alice", "disabled", "false");
    EXPECT_FALSE(cached_after_relogin("alice"));
    // The authentication method.
    ASSERT_TRUE(cached_after_relogin("alice"));
    set("alice", "authentication_method", "password_and_ssh_key");
    set("alice", "authentication_method", "password");
    EXPECT_TRUE(cached_after_relogin("alice"));  // back to the state it was made under
    set("alice", "require_password_change", "true");
    password("alice", kGoodPassword);
    set("alice", "require_password_change", "false");
    EXPECT_FALSE(cached_after_relogin("alice"));
    // Access expiry.
    set("alice", "authenticate_until", "2030-01-01T00:00:00Z");
    EXPECT_FALSE(cached_after_relogin("alice"));
    EXPECT_TRUE(cached_after_relogin("alice"));
    // The site's policy.
    auto site = store_->load_site_settings();
    site.password_validity_days = 90;
    store_->save_site_settings(site);
    EXPECT_FALSE(cached_after_relogin("alice"));
    // Renamed.
    set("alice", "username", "alicia");
    EXPECT_FALSE(cached_after_relogin("alicia"));
    // A new password (the old one is refused, the new one is hashed in full).
    accounts_->set_password("alicia", "Another-Horse-7-Battery", false, {});
    EXPECT_EQ(password("alicia", kGoodPassword).reason, FailureReason::password_mismatch);
    ASSERT_TRUE(password("alicia", "Another-Horse-7-Battery").ok());
    EXPECT_FALSE(from_cache());
}

TEST_F(VerifiedTest, ALockDropsItAndItEndsAfterFiveMinutes) {
    add_user("alice");
    ASSERT_TRUE(password("alice", kGoodPassword).ok());
    for (int i = 0; i < 6; ++i)
        password("alice", "Wrong-Horse-" + std::to_string(i), core::Interface::sftp, "203.0.113.9");
    EXPECT_EQ(password("alice", kGoodPassword).reason, FailureReason::locked_out);
    clock_.advance(7 * 3600);  // the lock's period is over
    ASSERT_TRUE(password("alice", kGoodPassword).ok());
    EXPECT_FALSE(from_cache());
    ASSERT_TRUE(cached_after_relogin("alice"));
    clock_.advance(auth::VerifiedCredentials::kKeepFor);
    EXPECT_FALSE(cached_after_relogin("alice"));
}

TEST_F(VerifiedTest, IdenticalLoginsArrivingTogetherShareOneHash) {
    open(200000);  // long enough for the others to arrive while the first hashes
    add_user("alice");
    std::vector<std::thread> clients;
    std::atomic<int> ok{0};
    for (int i = 0; i < 4; ++i)
        clients.emplace_back([&] { ok += password("alice", kGoodPassword).ok() ? 1 : 0; });
    for (auto& t : clients) t.join();
    EXPECT_EQ(ok, 4);
    core::ActionLogQuery q;
    q.limit = 10;
    int hashed = 0;
    for (const auto& e : store_->query_actions(q).entries)
        if (e.action == "login" && e.detail.find("verified by a login") == std::string::npos)
            ++hashed;
    EXPECT_EQ(hashed, 1);
}

TEST(VerifiedCredentials, ClaimsSettleWaitersAndFailuresLeaveNothing) {
    auth::VerifiedCredentials cache;
    core::User u;
    u.id = 7;
    u.password_hash = "$pbkdf2$...";
    const auto key = cache.key_of(u, "secret");
    EXPECT_NE(key, cache.key_of(u, "other"));
    EXPECT_EQ(key.find("secret"), std::string::npos);  // a digest, never the secret
    {
        auto c = cache.claim(key, "stamp", 100);
        EXPECT_FALSE(c.hit());
    }  // ended without success: nothing remembered
    auto c = cache.claim(key, "stamp", 100);
    EXPECT_FALSE(c.hit());
    c.succeeded(100);
    EXPECT_TRUE(cache.claim(key, "stamp", 101).hit());
    EXPECT_FALSE(cache.claim(key, "another stamp", 101).hit());  // and dropped
    EXPECT_FALSE(cache.claim(key, "stamp", 101).hit());
}

}  // namespace
}  // namespace drawbridge::testing
