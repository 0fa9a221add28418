#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <random>
#include <set>

#include "store/store.h"
#include "store_fixture.h"

namespace drawbridge::store {
namespace {

using StoreTest = StoreFixture;
using SqliteFileTest = SqliteFixture;

TEST_P(StoreTest, NewDatabaseHasTheDefaultSettingsAndTheNewestSchema) {
    EXPECT_EQ(store_->load_site_settings(), core::SiteSettings{});
    EXPECT_GE(store_->schema_version(), 1);
}

TEST_P(StoreTest, SettingsRoundTripAndSurviveReopening) {
    auto s = store_->load_site_settings();
    s.password_min_length = 14;
    s.password_require_special = false;
    s.allowed_ips = "10.0.0.0/8";
    s.site_hostname = "files.example.com";
    store_->save_site_settings(s);
    reopen();
    EXPECT_EQ(store_->load_site_settings(), s);
}

TEST_P(StoreTest, EveryUserFieldRoundTrips) {
    core::User u;
    u.username = "Alice";
    u.email = "alice@example.com";
    u.authentication_method = core::AuthMethod::password_and_ssh_key;
    u.site_admin = true;
    u.disabled = true;
    u.authenticate_until = 2000;
    u.require_password_change = true;
    u.password_hash = "$pbkdf2-sha256$1000$x$y";
    u.password_set_at = 1500;
    u.password_validity = {core::PasswordValidity::Mode::days, 45};
    u.password_breached = true;
    u.self_managed = false;
    u.sftp_permission = false;
    u.ftp_permission = false;
    u.dav_permission = false;
    u.restapi_permission = false;
    u.web_permission = false;
    u.allowed_ips = {"10.0.0.0/8", "2001:db8::/32"};
    u.bypass_site_allowed_ips = true;
    u.user_root = "/srv/alice";
    u.ssl_required = core::SiteDefault::always_require;
    u.require_2fa = core::SiteDefault::never_require;
    u.lockout_expires = 3000;
    u.last_login_at = 1;
    u.last_sftp_login_at = 2;
    u.last_ftp_login_at = 3;
    u.last_dav_login_at = 4;
    u.last_restapi_login_at = 5;
    u.last_web_login_at = 6;
    u.created_at = 7;
    store_->create_user(u);
    ASSERT_GT(u.id, 0);
    reopen();
    const auto got = store_->find_user(u.id);
    ASSERT_TRUE(got);
    const auto& g = *got;
    EXPECT_EQ(g.username, u.username);
    EXPECT_EQ(g.email, u.email);
    EXPECT_EQ(g.authentication_method, u.authentication_method);
    EXPECT_EQ(g.site_admin, u.site_admin);
    EXPECT_EQ(g.disabled, u.disabled);
    EXPECT_EQ(g.authenticate_until, u.authenticate_until);
    EXPECT_EQ(g.require_password_change, u.require_password_change);
    EXPECT_EQ(g.password_hash, u.password_hash);
    EXPECT_EQ(g.password_set_at, u.password_set_at);
    EXPECT_EQ(g.password_validity, u.password_validity);
    EXPECT_EQ(g.password_breached, u.password_breached);
    EXPECT_EQ(g.self_managed, u.self_managed);
    EXPECT_EQ(g.sftp_permission, u.sftp_permission);
    EXPECT_EQ(g.ftp_permission, u.ftp_permission);
    EXPECT_EQ(g.dav_permission, u.dav_permission);
    EXPECT_EQ(g.restapi_permission, u.restapi_permission);
    EXPECT_EQ(g.web_permission, u.web_permission);
    EXPECT_EQ(g.allowed_ips, u.allowed_ips);
    EXPECT_EQ(g.bypass_site_allowed_ips, u.bypass_site_allowed_ips);
    EXPECT_EQ(g.user_root, u.user_root);
    EXPECT_EQ(g.ssl_required, u.ssl_required);
    EXPECT_EQ(g.require_2fa, u.require_2fa);
    EXPECT_EQ(g.lockout_expires, u.lockout_expires);
    EXPECT_EQ(g.last_login_at, u.last_login_at);
    EXPECT_EQ(g.last_sftp_login_at, u.last_sftp_login_at);
    EXPECT_EQ(g.last_ftp_login_at, u.last_ftp_login_at);
    EXPECT_EQ(g.last_dav_login_at, u.last_dav_login_at);
    EXPECT_EQ(g.last_restapi_login_at, u.last_restapi_login_at);
    EXPECT_EQ(g.last_web_login_at, u.last_web_login_at);
    EXPECT_EQ(g.created_at, u.created_at);
}

TEST_P(StoreTest, UsernamesAreUniqueAndFoundInAnyCase) {
    const auto a = user("Alice");
    EXPECT_EQ(store_->find_user_by_name("aLiCe")->id, a.id);
    EXPECT_THROW(user("ALICE"), Conflict);
    auto b = user("bob");
    b.username = "alice";
    EXPECT_THROW(store_->update_user(b), Conflict);
    EXPECT_FALSE(store_->find_user_by_name("carol"));
}

TEST_P(StoreTest, ListFiltersAndPages) {
    for (auto n : {"carol", "alice", "Bob", "dave"}) user(n);
    auto d = *store_->find_user_by_name("dave");
    d.disabled = true;
    d.email = "dave@corp.example";
    store_->update_user(d);
    std::vector<std::string> names;
    for (const auto& u : store_->list_users({})) names.push_back(u.username);
    EXPECT_EQ(names, (std::vector<std::string>{"alice", "Bob", "carol", "dave"}));
    UserFilter f;
    f.disabled = true;
    EXPECT_EQ(store_->list_users(f).size(), 1u);
    f = {};
    f.search = "CORP";
    EXPECT_EQ(store_->list_users(f).front().username, "dave");
    f = {};
    f.after_username = "bob";
    f.limit = 1;
    EXPECT_EQ(store_->list_users(f).front().username, "carol");
    EXPECT_EQ(store_->count_users(), 4);
}

TEST_P(StoreTest, DeletingAUserCascadesToKeysAndHistory) {
    const auto u = user("alice");
    core::ApiKey k{0, u.id, "ci", "", "abc", 1, std::nullopt, std::nullopt};
    store_->create_api_key(k);
    core::SshKey s{0, u.id, "laptop", "ssh-ed25519", "AAAA", "SHA256:x", 1, std::nullopt};
    store_->create_ssh_key(s);
    store_->add_password_history(u.id, "h1", 1, 5);
    EXPECT_TRUE(store_->delete_user(u.id));
    EXPECT_FALSE(store_->delete_user(u.id));
    EXPECT_FALSE(store_->find_api_key(k.id));
    EXPECT_FALSE(store_->find_ssh_key(s.id));
    EXPECT_TRUE(store_->password_history(u.id, 10).empty());
}

TEST_P(StoreTest, PasswordHistoryKeepsTheNewestN) {
    const auto u = user("alice");
    for (int i = 1; i <= 5; ++i) store_->add_password_history(u.id, "h" + std::to_string(i), i, 3);
    EXPECT_EQ(store_->password_history(u.id, 10), (std::vector<std::string>{"h5", "h4", "h3"}));
    EXPECT_EQ(store_->password_history(u.id, 2), (std::vector<std::string>{"h5", "h4"}));
    store_->add_password_history(u.id, "h6", 6, 0);
    EXPECT_TRUE(store_->password_history(u.id, 10).empty());
}

TEST_P(StoreTest, ApiAndSshKeys) {
    const auto u = user("alice");
    core::ApiKey k{0, u.id, "ci", "deploys", "digest1", 10, 20, std::nullopt};
    store_->create_api_key(k);
    EXPECT_EQ(store_->find_api_key_by_digest("digest1")->name, "ci");
    EXPECT_FALSE(store_->find_api_key_by_digest("nope"));
    core::ApiKey same_name{0, u.id, "ci", "", "digest2", 10, std::nullopt, std::nullopt};
    EXPECT_THROW(store_->create_api_key(same_name), Conflict);
    store_->touch_api_key(k.id, 15);
    EXPECT_EQ(store_->find_api_key(k.id)->last_use_at, 15);
    EXPECT_EQ(store_->find_api_key(k.id)->expires_at, 20);
    EXPECT_TRUE(store_->delete_api_key(k.id));
    EXPECT_TRUE(store_->list_api_keys(u.id).empty());

    core::SshKey s{0, u.id, "laptop", "ssh-ed25519", "AAAA", "SHA256:x", 1, std::nullopt};
    store_->create_ssh_key(s);
    core::SshKey dup = s;
    EXPECT_THROW(store_->create_ssh_key(dup), Conflict);
    store_->touch_ssh_key(s.id, 9);
    EXPECT_EQ(store_->list_ssh_keys(u.id).front().last_login_at, 9);
}

core::ActionLogEntry entry(core::UnixTime t, std::string action, std::string user, std::string ip,
                           core::Interface i, core::FailureReason r = core::FailureReason::none) {
    core::ActionLogEntry e;
    e.created_at = t;
    e.action = std::move(action);
    e.username = std::move(user);
    e.ip = std::move(ip);
    e.interface = i;
    e.failure_type = r;
    return e;
}

TEST_P(StoreTest, ActionLogFiltersCombineAndPageWithoutGapsOrDuplicates) {
    using core::Interface;
    using R = core::FailureReason;
    for (int i = 0; i < 50; ++i) {
        auto e = entry(1000 + i, i % 3 ? "failedlogin" : "login", i % 2 ? "Alice" : "bob",
                       "192.0.2." + std::to_string(i % 5), i % 4 ? Interface::sftp : Interface::ftp,
                       i % 3 ? R::password_mismatch : R::none);
        e.bytes = i;
        store_->append_action(e);
        ASSERT_GT(e.id, 0);
    }
    auto count = [&](core::ActionLogQuery q) {
        q.limit = 1000;
        return store_->query_actions(q).entries.size();
    };
    core::ActionLogQuery q;
    q.action = "login";
    EXPECT_EQ(count(q), 17u);
    q = {};
    q.username = "ALICE";
    EXPECT_EQ(count(q), 25u);
    q.interface = Interface::ftp;
    EXPECT_EQ(count(q), 0u);  // odd i are never multiples of 4
    q = {};
    q.ip = "192.0.2.0";
    EXPECT_EQ(count(q), 10u);
    q = {};
    q.failure_type = R::password_mismatch;
    q.since = 1010;
    q.until = 1020;
    EXPECT_EQ(count(q), 7u);  // i in 10..19 not a multiple of 3: 10,11,13,14,16,17,19

    std::set<std::int64_t> seen;
    core::ActionLogQuery page_q;
    page_q.limit = 7;
    std::int64_t last = INT64_MAX;
    for (int pages = 0;; ++pages) {
        ASSERT_LT(pages, 20);
        const auto page = store_->query_actions(page_q);
        for (const auto& e : page.entries) {
            EXPECT_LT(e.id, last);  // newest first
            last = e.id;
            EXPECT_TRUE(seen.insert(e.id).second);
        }
        if (!page.next_cursor) break;
        page_q.cursor = page.next_cursor;
    }
    EXPECT_EQ(seen.size(), 50u);
    core::ActionLogQuery one;
    one.limit = 1;
    const auto newest = store_->query_actions(one).entries.front();
    EXPECT_EQ(newest.bytes, 49);
    EXPECT_EQ(newest.failure_type, R::password_mismatch);
}

TEST_P(StoreTest, TransactionsRollBackOnException) {
    EXPECT_THROW(store_->transaction([&] {
        user("alice");
        store_->transaction([&] { user("bob"); });  // nested: joins the outer one
        throw std::runtime_error("boom");
    }),
                 std::runtime_error);
    EXPECT_EQ(store_->count_users(), 0);
    store_->transaction([&] { user("carol"); });
    EXPECT_EQ(store_->count_users(), 1);
}

TEST_P(StoreTest, RefusesADatabaseFromANewerVersion) {
    store_.reset();
    exec_sql(set_schema_version(999));
    try {
        reopen();
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("schema version 999"), std::string::npos) << e.what();
    }
}

// WAL is SQLite's journal: the file on disk is the subject.
TEST_F(SqliteFileTest, UsesWalMode) {
    store_.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "db.sqlite").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

BOTH_BACKENDS(StoreTest);

}  // namespace
}  // namespace drawbridge::store
