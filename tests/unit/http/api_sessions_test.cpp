// http::ApiSessions over a real SQLite store with a manual clock: tokens are stored as digests,
// sessions end after the idle time or the absolute lifetime, and last use is written at most
// once a minute (docs/rest-api.md#sessions).
#include "http/api_sessions.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "core/crypto.h"

namespace drawbridge::http {
namespace {

constexpr core::UnixTime kNow = 1795000000;

class ApiSessionsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::random_device rd;
        dir_ = std::filesystem::temp_directory_path() /
               ("drawbridge-sessions-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(dir_);
        store_ = store::open_sqlite_store(dir_ / "db.sqlite");
        core::User u;
        u.username = "alice";
        store_->create_user(u);
        grant_.user_id = u.id;
        grant_.interface = core::Interface::restapi;
        grant_.client_ip = "2001:db8:1:2::5";
        grant_.factors = {core::Factor::password};
        grant_.password_digest = "ab";
        sessions_ = std::make_unique<ApiSessions>(*store_, clock_);
        idle(360);
    }
    // The site setting session_expiry_minutes.
    void idle(int minutes) {
        auto site = store_->load_site_settings();
        site.session_expiry_minutes = minutes;
        store_->save_site_settings(site);
    }
    void TearDown() override {
        sessions_.reset();
        store_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::filesystem::path dir_;
    core::ManualClock clock_{kNow};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<ApiSessions> sessions_;
    core::SessionGrant grant_;
};

TEST_F(ApiSessionsTest, TheStoreHoldsTheTokensDigestNotTheToken) {
    const auto created = sessions_->create(grant_);
    EXPECT_EQ(created.token.size(), 64u);
    EXPECT_EQ(created.expires_at, kNow + 360 * 60);
    EXPECT_FALSE(store_->find_session(created.token));
    const auto stored =
        store_->find_session(core::crypto::to_hex(core::crypto::sha256(created.token)));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->address_key, "2001:db8:1:2::/64");
    EXPECT_EQ(stored->expires_at, kNow + ApiSessions::kMaxLifetime);
    const auto found = sessions_->find(created.token);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->user_id, grant_.user_id);
    EXPECT_EQ(found->password_digest, "ab");
    EXPECT_FALSE(sessions_->find(std::string(64, '0')));
}

TEST_F(ApiSessionsTest, AnIdleSessionEndsAndUseKeepsItGoing) {
    idle(10);
    const auto token = sessions_->create(grant_).token;
    clock_.advance(9 * 60);
    EXPECT_TRUE(sessions_->find(token));  // used: idle time starts again
    clock_.advance(9 * 60);
    EXPECT_TRUE(sessions_->find(token));
    clock_.advance(10 * 60);
    EXPECT_FALSE(sessions_->find(token));
    EXPECT_EQ(store_->count_sessions(grant_.user_id), 0);  // and it is deleted
}

TEST_F(ApiSessionsTest, TheIdleTimeIsTheCurrentSetting) {
    const auto token = sessions_->create(grant_).token;
    clock_.advance(30 * 60);
    ASSERT_TRUE(sessions_->find(token));
    clock_.advance(30 * 60);
    idle(20);
    EXPECT_FALSE(sessions_->find(token));
}

TEST_F(ApiSessionsTest, LastUseIsWrittenAtMostOnceAMinute) {
    idle(10);
    const auto token = sessions_->create(grant_).token;
    const auto digest = core::crypto::to_hex(core::crypto::sha256(token));
    clock_.advance(30);
    ASSERT_TRUE(sessions_->find(token));
    EXPECT_EQ(store_->find_session(digest)->last_used_at, kNow);
    clock_.advance(30);
    ASSERT_TRUE(sessions_->find(token));
    EXPECT_EQ(store_->find_session(digest)->last_used_at, kNow + 60);
}

TEST_F(ApiSessionsTest, NoSessionOutlivesItsAbsoluteLifetime) {
    const auto token = sessions_->create(grant_).token;
    for (int i = 0; i < 23; ++i) {
        clock_.advance(core::kSecondsPerHour);
        ASSERT_TRUE(sessions_->find(token)) << i;
    }
    clock_.advance(core::kSecondsPerHour);
    EXPECT_FALSE(sessions_->find(token));
    // An idle time longer than the lifetime is honoured.
    idle(3 * 24 * 60);
    const auto created = sessions_->create(grant_);
    EXPECT_EQ(created.expires_at, clock_.now() + 3 * core::kSecondsPerDay);
    clock_.advance(2 * core::kSecondsPerDay);
    EXPECT_TRUE(sessions_->find(created.token));
}

TEST_F(ApiSessionsTest, LogoutDeletesTheRecordAndLoginsSweepEndedOnes) {
    idle(10);
    const auto a = sessions_->create(grant_).token;
    const auto b = sessions_->create(grant_).token;
    sessions_->remove(a);
    EXPECT_FALSE(sessions_->find(a));
    EXPECT_EQ(store_->count_sessions(grant_.user_id), 1);
    clock_.advance(11 * 60);
    sessions_->create(grant_);  // b ended, unused: swept
    EXPECT_EQ(store_->count_sessions(grant_.user_id), 1);
    EXPECT_FALSE(sessions_->find(b));
}

TEST_F(ApiSessionsTest, OnlyRestSessionsAreRestSessions) {
    grant_.interface = core::Interface::web;
    idle(10);
    const auto token = sessions_->create(grant_).token;
    EXPECT_FALSE(sessions_->find(token));
}

// Web sessions (docs/web-ui.md#session): found only as web sessions, with the same idle expiry,
// and a password-change-only grant keeps its flag through the store.
TEST_F(ApiSessionsTest, AWebSessionIsNoRestSessionAndExpiresAlike) {
    idle(10);
    grant_.interface = core::Interface::web;
    grant_.password_change_only = true;
    const auto token = sessions_->create(grant_).token;
    EXPECT_FALSE(sessions_->find(token));  // not as an X-FilesAPI-Auth token
    const auto found = sessions_->find(token, core::Interface::web);
    ASSERT_TRUE(found);
    EXPECT_TRUE(found->password_change_only);
    clock_.advance(10 * 60);
    EXPECT_FALSE(sessions_->find(token, core::Interface::web));
}

TEST_F(ApiSessionsTest, TheCsrfTokenIsDerivedFromTheSessionsTokenAndDiffersFromIt) {
    const auto token = sessions_->create(grant_).token;
    const auto csrf = ApiSessions::csrf_token(token);
    EXPECT_EQ(csrf.size(), 64u);
    EXPECT_NE(csrf, token);
    EXPECT_EQ(csrf, ApiSessions::csrf_token(token));
    EXPECT_NE(csrf, ApiSessions::csrf_token(std::string(64, '0')));
}

}  // namespace
}  // namespace drawbridge::http
