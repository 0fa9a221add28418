// The SQLite store beyond the basics of store_test.cpp: the action-log query against an
// in-memory oracle (every filter, alone and combined, paged, with clocks that step back), the
// plans SQLite picks, migrations, conflicts naming their field, and concurrent use.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "store/migrations.h"
#include "store/sqlite_store.h"
#include "store/store.h"
#include "store_fixture.h"

namespace drawbridge::store {
namespace {

using core::FailureReason;
using core::Interface;

// Runs SQL on the database file through a second, raw connection, as an operator or an older
// binary would.
void raw_exec(const std::filesystem::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "") << "\n" << sql;
    sqlite3_free(error);
    sqlite3_close(db);
}

std::int64_t raw_int(const std::filesystem::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::int64_t v = -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

// SQLite itself: its file, PRAGMAs, plans and migrations of files made by older binaries.
using SqliteStoreTest = SqliteFixture;
// The rest holds on both backends.
using StoreDetailTest = StoreFixture;

TEST_F(SqliteStoreTest, SchemaVersionIsTheNumberOfMigrationsAndSurvivesReopening) {
    const int newest = static_cast<int>(migrations().size());
    EXPECT_EQ(store_->schema_version(), newest);
    reopen();
    EXPECT_EQ(store_->schema_version(), newest);
    EXPECT_EQ(raw_int(file(), "PRAGMA user_version"), newest);
}

TEST_F(SqliteStoreTest, HasTheLoginSecurityTables) {
    for (const char* table : {"login_failures", "ip_scores", "ip_bans", "ip_lists"})
        EXPECT_EQ(raw_int(file(), std::string("SELECT count(*) FROM sqlite_schema WHERE type = "
                                              "'table' AND name = '") +
                                      table + "'"),
                  1)
            << table;
}

TEST_F(SqliteStoreTest, RefusingANewerDatabaseLeavesItUntouched) {
    store_.reset();
    raw_exec(file(), "PRAGMA user_version = 77");
    EXPECT_THROW(reopen(), StoreError);
    EXPECT_EQ(raw_int(file(), "PRAGMA user_version"), 77);
}

TEST_P(StoreDetailTest, EverySettingFieldRoundTrips) {
    core::SiteSettings s;
    for (const auto& f : core::site_setting_fields()) {
        std::visit(
            [&](auto m) {
                using T = std::decay_t<decltype(s.*m)>;
                if constexpr (std::is_same_v<T, bool>)
                    s.*m = !(s.*m);
                else if constexpr (std::is_same_v<T, int>)
                    s.*m = s.*m == f.max ? f.min : f.max;
                else
                    s.*m = "it's " + std::string(f.name);  // a quote, to test the escaping
            },
            f.member);
    }
    ASSERT_NE(s, core::SiteSettings{});
    store_->save_site_settings(s);
    reopen();
    EXPECT_EQ(store_->load_site_settings(), s);
}

TEST_P(StoreDetailTest, ASettingWithoutAColumnGetsOneWithItsDefault) {
    auto s = store_->load_site_settings();
    s.password_min_length = 20;
    s.site_hostname = "files.example.com";
    store_->save_site_settings(s);
    store_.reset();
    // As if site_hostname were a setting this binary added after the database was made.
    exec_sql("ALTER TABLE site_settings DROP COLUMN site_hostname");
    reopen();
    const auto got = store_->load_site_settings();
    EXPECT_EQ(got.password_min_length, 20);
    EXPECT_EQ(got.site_hostname, core::SiteSettings{}.site_hostname);
}

TEST_P(StoreDetailTest, ConflictsNameTheField) {
    const auto alice = user("Alice");
    try {
        user("aLICE");
        FAIL();
    } catch (const Conflict& e) {
        EXPECT_NE(std::string(e.what()).find("username 'aLICE'"), std::string::npos) << e.what();
    }
    core::ApiKey k{0, alice.id, "ci", "", "d1", 1, std::nullopt, std::nullopt};
    store_->create_api_key(k);
    core::ApiKey same_name{0, alice.id, "ci", "", "d2", 1, std::nullopt, std::nullopt};
    try {
        store_->create_api_key(same_name);
        FAIL();
    } catch (const Conflict& e) {
        EXPECT_NE(std::string(e.what()).find("named 'ci'"), std::string::npos) << e.what();
    }
    core::ApiKey same_digest{0, alice.id, "other", "", "d1", 1, std::nullopt, std::nullopt};
    try {
        store_->create_api_key(same_digest);
        FAIL();
    } catch (const Conflict& e) {
        EXPECT_NE(std::string(e.what()).find("digest"), std::string::npos) << e.what();
    }
    core::SshKey s{0, alice.id, "laptop", "ssh-ed25519", "AAAA", "SHA256:abc", 1, std::nullopt};
    store_->create_ssh_key(s);
    try {
        store_->create_ssh_key(s);
        FAIL();
    } catch (const Conflict& e) {
        EXPECT_NE(std::string(e.what()).find("SHA256:abc"), std::string::npos) << e.what();
    }
    // Another user may register the same key.
    const auto bob = user("bob");
    core::SshKey for_bob = s;
    for_bob.user_id = bob.id;
    EXPECT_NO_THROW(store_->create_ssh_key(for_bob));
}

TEST_P(StoreDetailTest, OtherErrorsAreStoreErrorsNotConflicts) {
    core::ApiKey orphan{0, 424242, "ci", "", "d1", 1, std::nullopt, std::nullopt};
    try {
        store_->create_api_key(orphan);  // no such user: a foreign-key failure
        FAIL();
    } catch (const Conflict&) {
        FAIL() << "a missing user is not a conflict";
    } catch (const StoreError&) {
    }
}

TEST_P(StoreDetailTest, ListUsersByMethodAndSearch) {
    auto a = user("alice");
    a.authentication_method = core::AuthMethod::sso;
    a.email = "Alice@Example.com";
    store_->update_user(a);
    user("bob");
    UserFilter f;
    f.method = core::AuthMethod::sso;
    ASSERT_EQ(store_->list_users(f).size(), 1u);
    EXPECT_EQ(store_->list_users(f).front().username, "alice");
    f = {};
    f.search = "example.COM";
    EXPECT_EQ(store_->list_users(f).size(), 1u);
    f.search = "%";  // no wildcards: a literal substring
    EXPECT_TRUE(store_->list_users(f).empty());
}

TEST_P(StoreDetailTest, TheLogOutlivesItsUsersAndNeverReusesAnId) {
    const auto u = user("alice");
    core::ActionLogEntry e;
    e.created_at = 10;
    e.user_id = u.id;
    e.username = "alice";
    e.action = "login";
    store_->append_action(e);
    store_->append_action(e);
    const auto second = e.id;
    ASSERT_TRUE(store_->delete_user(u.id));
    EXPECT_EQ(store_->query_actions({}).entries.size(), 2u);
    EXPECT_EQ(store_->query_actions({}).entries.front().user_id, u.id);
    store_.reset();
    exec_sql("DELETE FROM action_log WHERE id = " + std::to_string(second));
    reopen();
    store_->append_action(e);
    EXPECT_GT(e.id, second);
}

TEST_P(StoreDetailTest, LimitIsClampedAndTheCursorOnlyWhenMoreFollow) {
    store_->transaction([&] {
        for (int i = 0; i < 1005; ++i) {
            core::ActionLogEntry e;
            e.created_at = 1000 + i;
            e.action = "login";
            store_->append_action(e);
        }
    });
    core::ActionLogQuery q;
    q.limit = 0;
    EXPECT_EQ(store_->query_actions(q).entries.size(), 1u);
    q.limit = -5;
    EXPECT_EQ(store_->query_actions(q).entries.size(), 1u);
    q.limit = 5000;
    auto page = store_->query_actions(q);
    EXPECT_EQ(page.entries.size(), 1000u);
    ASSERT_TRUE(page.next_cursor);
    q.cursor = page.next_cursor;
    page = store_->query_actions(q);
    EXPECT_EQ(page.entries.size(), 5u);  // exactly the rest: a full page, nothing after it
    q.limit = 5;
    EXPECT_FALSE(store_->query_actions(q).next_cursor);
    q = {};
    q.since = 2000;
    q.until = 1000;
    EXPECT_TRUE(store_->query_actions(q).entries.empty());
}

// A log of a few thousand entries with realistic disorder: login entries are stamped when the
// attempt started and written when it ended, so neighbours arrive out of order by seconds, and
// once the wall clock stepped back an hour.
struct Oracle {
    std::vector<core::ActionLogEntry> all;

    std::vector<std::int64_t> expected(const core::ActionLogQuery& q) const {
        std::vector<std::int64_t> ids;
        for (auto it = all.rbegin(); it != all.rend(); ++it) {
            const auto& e = *it;
            auto lower = [](std::string s) {
                for (auto& c : s)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                return s;
            };
            if (q.action && e.action != *q.action) continue;
            if (q.failure_type && e.failure_type != *q.failure_type) continue;
            if (q.username && lower(e.username) != lower(*q.username)) continue;
            if (q.interface && e.interface != *q.interface) continue;
            if (q.ip && e.ip != *q.ip) continue;
            if (q.since && e.created_at < *q.since) continue;
            if (q.until && e.created_at >= *q.until) continue;
            ids.push_back(e.id);
        }
        return ids;
    }
};

std::vector<std::int64_t> page_through(Store& store, core::ActionLogQuery q, int limit) {
    q.limit = limit;
    std::vector<std::int64_t> ids;
    for (int pages = 0; pages < 100000; ++pages) {
        const auto page = store.query_actions(q);
        EXPECT_LE(static_cast<int>(page.entries.size()), limit);
        for (const auto& e : page.entries) ids.push_back(e.id);
        if (!page.next_cursor) break;
        EXPECT_EQ(page.entries.size(), static_cast<std::size_t>(limit));
        EXPECT_EQ(*page.next_cursor, page.entries.back().id);
        q.cursor = page.next_cursor;
    }
    return ids;
}

class ActionLogOracleTest : public StoreDetailTest {
  protected:
    void SetUp() override {
        StoreDetailTest::SetUp();
        std::mt19937_64 rng(7);
        const std::vector<std::string> names = {"alice", "Alice", "ALICE", "bob",
                                                "root",  "admin", "carol", ""};
        const std::vector<std::string> actions = {"failedlogin", "failedlogin", "failedlogin",
                                                  "login",       "read",        "create"};
        const std::vector<FailureReason> reasons = {FailureReason::password_mismatch,
                                                    FailureReason::username_not_found,
                                                    FailureReason::ip_mismatch};
        core::UnixTime clock = 1'000'000;
        // Written in batches of 1 to 70, as the log's writer thread commits them.
        oracle_.all.reserve(3000);
        std::vector<core::ActionLogEntry*> batch;
        std::size_t batch_size = 1;
        auto flush = [&] {
            store_->append_actions(batch);
            batch.clear();
            batch_size = 1 + rng() % 70;
        };
        store_->transaction([&] {
            for (int i = 0; i < 3000; ++i) {
                clock += static_cast<core::UnixTime>(rng() % 3);
                if (i == 1800) clock -= 3600;  // the wall clock stepped back
                core::ActionLogEntry e;
                // Stamped when it began, written when it ended: up to 20 s late.
                e.created_at = clock - (rng() % 4 == 0 ? static_cast<int>(rng() % 20) : 0);
                e.action = actions[rng() % actions.size()];
                e.failure_type = e.action == "failedlogin" ? reasons[rng() % reasons.size()]
                                                           : FailureReason::none;
                e.username = names[rng() % names.size()];
                e.ip = "192.0.2." + std::to_string(rng() % 6);
                e.interface = core::kInterfaces[rng() % core::kInterfaces.size()];
                e.bytes = static_cast<std::int64_t>(i);
                oracle_.all.push_back(e);
                batch.push_back(&oracle_.all.back());
                if (batch.size() == batch_size) flush();
            }
            flush();
        });
    }
    Oracle oracle_;
};

TEST_P(ActionLogOracleTest, EveryFilterAloneAndCombinedPagesExactly) {
    std::vector<std::pair<std::string, core::ActionLogQuery>> cases;
    auto add = [&](std::string name, auto fill) {
        core::ActionLogQuery q;
        fill(q);
        cases.emplace_back(std::move(name), q);
    };
    const auto t0 = oracle_.all.front().created_at;
    const auto t_mid = oracle_.all[1500].created_at;
    const auto t_step = oracle_.all[1800].created_at;
    add("everything", [](auto&) {});
    add("action", [](auto& q) { q.action = "login"; });
    add("failure_type", [](auto& q) { q.failure_type = FailureReason::ip_mismatch; });
    add("username any case", [](auto& q) { q.username = "aLiCe"; });
    add("empty username", [](auto& q) { q.username = ""; });
    add("interface", [](auto& q) { q.interface = Interface::dav; });
    add("ip", [](auto& q) { q.ip = "192.0.2.3"; });
    add("no match", [](auto& q) { q.ip = "203.0.113.1"; });
    add("since", [&](auto& q) { q.since = t_mid; });
    add("until", [&](auto& q) { q.until = t_mid; });
    add("range", [&](auto& q) {
        q.since = t_mid - 30;
        q.until = t_mid + 30;
    });
    add("range across the clock step", [&](auto& q) {
        q.since = t_step - 60;
        q.until = t_step + 10;
    });
    add("range before the log", [&](auto& q) { q.until = t0 - 100; });
    add("range after the log", [&](auto& q) { q.since = t0 + 1'000'000; });
    add("action + username", [](auto& q) {
        q.action = "failedlogin";
        q.username = "ROOT";
    });
    add("ip + username + interface", [](auto& q) {
        q.ip = "192.0.2.1";
        q.username = "bob";
        q.interface = Interface::sftp;
    });
    add("all five + range", [&](auto& q) {
        q.action = "failedlogin";
        q.failure_type = FailureReason::password_mismatch;
        q.username = "alice";
        q.interface = Interface::sftp;
        q.ip = "192.0.2.2";
        q.since = t0;
        q.until = t_step + 100;
    });
    add("failure_type none (not in its index)",
        [](auto& q) { q.failure_type = FailureReason::none; });
    add("failure_type none + username", [](auto& q) {
        q.failure_type = FailureReason::none;
        q.username = "bob";
    });
    add("failure_type + range", [&](auto& q) {
        q.failure_type = FailureReason::username_not_found;
        q.since = t_mid - 400;
        q.until = t_mid + 7;
    });
    // Every single instant of a window, so each boundary falls next to late entries.
    for (core::UnixTime t = t_mid - 25; t < t_mid + 25; ++t)
        add("one second " + std::to_string(t), [&](auto& q) {
            q.since = t;
            q.until = t + 1;
        });
    for (const auto& [name, q] : cases) {
        const auto want = oracle_.expected(q);
        for (int limit : {1, 7, 100, 1000})
            EXPECT_EQ(page_through(*store_, q, limit), want) << name << ", limit " << limit;
    }
}

// A batch is written in several statements (ActionLogAppender): the ids it hands back are the
// stored rows', in the order written.
TEST_P(ActionLogOracleTest, BatchesGetTheIdsOfTheirRowsInOrder) {
    for (std::size_t i = 1; i < oracle_.all.size(); ++i)
        ASSERT_EQ(oracle_.all[i].id, oracle_.all[i - 1].id + 1) << i;
    core::ActionLogQuery q;
    q.limit = 1000;
    const auto page = store_->query_actions(q);
    for (const auto& got : page.entries) {
        const auto& want = oracle_.all.at(static_cast<std::size_t>(got.id - oracle_.all[0].id));
        ASSERT_EQ(got.bytes, want.bytes) << got.id;
        ASSERT_EQ(got.created_at, want.created_at) << got.id;
    }
}

TEST_P(ActionLogOracleTest, EntriesRoundTrip) {
    core::ActionLogEntry e;
    e.created_at = 5'000'000;
    e.user_id = 17;
    e.username = "Alice";
    e.ip = "2001:db8::1";
    e.interface = Interface::restapi;
    e.action = "move";
    e.failure_type = FailureReason::none;
    e.detail = "it's moved";
    e.path = "/a/b.txt";
    e.destination = "/c/d.txt";
    e.bytes = 1LL << 40;
    e.duration_ms = 1234;
    store_->append_action(e);
    core::ActionLogQuery q;
    q.limit = 1;
    const auto got = store_->query_actions(q).entries.at(0);
    EXPECT_EQ(got.id, e.id);
    EXPECT_EQ(got.created_at, e.created_at);
    EXPECT_EQ(got.user_id, e.user_id);
    EXPECT_EQ(got.username, e.username);
    EXPECT_EQ(got.ip, e.ip);
    EXPECT_EQ(got.interface, e.interface);
    EXPECT_EQ(got.action, e.action);
    EXPECT_EQ(got.failure_type, e.failure_type);
    EXPECT_EQ(got.detail, e.detail);
    EXPECT_EQ(got.path, e.path);
    EXPECT_EQ(got.destination, e.destination);
    EXPECT_EQ(got.bytes, e.bytes);
    EXPECT_EQ(got.duration_ms, e.duration_ms);
    // Enums are stored as their identifiers, for people reading the database.
    EXPECT_EQ(exec_int("SELECT count(*) FROM action_log WHERE interface = 'restapi' AND "
                       "failure_type = 'none' AND id = " +
                       std::to_string(e.id)),
              1);
}

// The plan of each query: its driving index, never a sort of the whole match set.
TEST_P(ActionLogOracleTest, QueriesWalkAnIndexNewestFirst) {
    struct Case {
        const char* name;
        core::ActionLogQuery q;
        const char* uses;
    };
    std::vector<Case> cases;
    auto add = [&](const char* name, const char* uses, auto fill) {
        core::ActionLogQuery q;
        fill(q);
        cases.push_back({name, q, uses});
    };
    const auto t = oracle_.all[1500].created_at;
    // SQLite's plan texts; PostgreSQL's plans are checked in pg_store_test.cpp.
    if (GetParam() != Backend::sqlite) GTEST_SKIP();
    add("no filter", "SCAN action_log", [](auto&) {});
    add("action", "INDEX action_log_action", [](auto& q) { q.action = "login"; });
    add("failure_type", "INDEX action_log_failure_type",
        [](auto& q) { q.failure_type = FailureReason::ip_mismatch; });
    add("username", "INDEX action_log_username", [](auto& q) { q.username = "ALICE"; });
    add("interface", "INDEX action_log_interface", [](auto& q) { q.interface = Interface::ftp; });
    add("ip", "INDEX action_log_ip", [](auto& q) { q.ip = "192.0.2.1"; });
    add("time range", "INTEGER PRIMARY KEY", [&](auto& q) {
        q.since = t;
        q.until = t + 3600;
    });
    add("cursor", "INTEGER PRIMARY KEY", [&](auto& q) { q.cursor = 2000; });
    // The narrower filter drives: one name in eight against half the log.
    add("combined", "INDEX action_log_username", [](auto& q) {
        q.action = "failedlogin";
        q.username = "root";
    });
    for (const auto& c : cases) {
        const auto plan = explain_query_actions(*store_, c.q);
        EXPECT_NE(plan.find(c.uses), std::string::npos) << c.name << ":\n" << plan;
        EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << c.name << ":\n" << plan;
    }
}

// A hot address with thousands of attempts, and one user it tried a few times: the username
// drives, whatever the order of the filters.
TEST_F(SqliteStoreTest, TheRarestFilterDrivesACombinedQuery) {
    store_->transaction([&] {
        for (int i = 0; i < 3000; ++i) {
            core::ActionLogEntry e;
            e.created_at = 1000 + i;
            e.action = "failedlogin";
            e.failure_type = FailureReason::username_not_found;
            e.username = i % 500 == 0 ? "alice" : "root" + std::to_string(i % 7);
            e.ip = "198.51.100.66";
            e.interface = Interface::sftp;
            store_->append_action(e);
        }
    });
    core::ActionLogQuery q;
    q.ip = "198.51.100.66";
    q.username = "alice";
    q.action = "failedlogin";
    EXPECT_NE(explain_query_actions(*store_, q).find("INDEX action_log_username"),
              std::string::npos)
        << explain_query_actions(*store_, q);
    EXPECT_EQ(store_->query_actions(q).entries.size(), 6u);
    // A one-minute window holds fewer entries than the address or the action: the id range
    // drives.
    q.username.reset();
    q.since = 2000;
    q.until = 2060;
    EXPECT_NE(explain_query_actions(*store_, q).find("INTEGER PRIMARY KEY"), std::string::npos)
        << explain_query_actions(*store_, q);
    EXPECT_EQ(store_->query_actions(q).entries.size(), 60u);
}

TEST_F(SqliteStoreTest, MigratesAVersionOneLogKeepingTimeQueriesExact) {
    store_.reset();
    std::filesystem::remove(file());
    std::string v1(migrations().at(0));
    v1 += "PRAGMA user_version = 1;";
    // Out of order: id 2 was stamped before id 1.
    v1 +=
        "INSERT INTO action_log (created_at, interface, action) VALUES (110, 'sftp', 'login'), "
        "(100, 'sftp', 'failedlogin'), (120, 'ftp', 'login');";
    raw_exec(file(), v1);
    reopen();
    EXPECT_EQ(store_->schema_version(), static_cast<int>(migrations().size()));
    core::ActionLogQuery q;
    q.since = 105;
    std::vector<std::int64_t> ids;
    for (const auto& e : store_->query_actions(q).entries) ids.push_back(e.id);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{3, 1}));
    q = {};
    q.until = 111;
    ids.clear();
    for (const auto& e : store_->query_actions(q).entries) ids.push_back(e.id);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{2, 1}));
    // New entries continue the ordering the migration computed.
    core::ActionLogEntry e;
    e.created_at = 90;
    e.action = "read";
    store_->append_action(e);
    q = {};
    q.until = 100;
    ASSERT_EQ(store_->query_actions(q).entries.size(), 1u);
    EXPECT_EQ(store_->query_actions(q).entries[0].id, e.id);
}

TEST_P(StoreDetailTest, AFailedNestedTransactionUndoesOnlyItsOwnWrites) {
    store_->transaction([&] {
        user("alice");
        EXPECT_THROW(store_->transaction([&] {
            user("bob");
            throw std::runtime_error("inner");
        }),
                     std::runtime_error);
        user("carol");
    });
    EXPECT_TRUE(store_->find_user_by_name("alice"));
    EXPECT_FALSE(store_->find_user_by_name("bob"));
    EXPECT_TRUE(store_->find_user_by_name("carol"));
}

TEST_P(StoreDetailTest, AConflictInsideATransactionCanBeHandled) {
    user("alice");
    store_->transaction([&] {
        EXPECT_THROW(user("ALICE"), Conflict);
        user("bob");
    });
    EXPECT_EQ(store_->count_users(), 2);
}

TEST_P(StoreDetailTest, ThreadsShareOneStore) {
    constexpr int kThreads = 4, kEach = 150;
    std::vector<std::thread> threads;
    std::atomic<int> failures = 0;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                for (int i = 0; i < kEach; ++i) {
                    core::ActionLogEntry e;
                    e.created_at = 1000 + i;
                    e.action = "login";
                    e.username = "t" + std::to_string(t);
                    store_->append_action(e);
                    if (i % 10 == 0)
                        store_->transaction([&] {
                            core::User u;
                            u.username = "u" + std::to_string(t) + "-" + std::to_string(i);
                            store_->create_user(u);
                            store_->add_password_history(u.id, "h", 1, 3);
                        });
                    core::ActionLogQuery q;
                    q.username = e.username;
                    q.limit = 5;
                    if (store_->query_actions(q).entries.empty()) ++failures;
                }
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++failures;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(store_->count_users(), kThreads * kEach / 10);
    core::ActionLogQuery q;
    EXPECT_EQ(page_through(*store_, q, 1000).size(), static_cast<std::size_t>(kThreads * kEach));
}

// Two stores on one file, as `drawbridge serve` and an administrator's CLI command are.
TEST_P(StoreDetailTest, TwoConnectionsWriteTheSameFile) {
    auto other = open_another();
    std::thread a([&] {
        for (int i = 0; i < 100; ++i)
            store_->transaction([&] {
                core::ActionLogEntry e;
                e.created_at = 1;
                e.action = "a";
                store_->append_action(e);
            });
    });
    std::thread b([&] {
        for (int i = 0; i < 100; ++i) {
            core::ActionLogEntry e;
            e.created_at = 1;
            e.action = "b";
            other->append_action(e);
        }
    });
    a.join();
    b.join();
    core::ActionLogQuery q;
    q.action = "a";
    EXPECT_EQ(page_through(*other, q, 1000).size(), 100u);
    q.action = "b";
    EXPECT_EQ(page_through(*store_, q, 1000).size(), 100u);
}

TEST_F(SqliteStoreTest, TwoStoresCreatingOneDatabaseAtOnce) {
    store_.reset();
    std::filesystem::remove(file());
    std::vector<std::unique_ptr<Store>> stores(4);
    std::vector<std::thread> threads;
    std::atomic<int> errors = 0;
    for (auto& s : stores)
        threads.emplace_back([&] {
            try {
                s = open_sqlite_store(file());
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++errors;
            }
        });
    for (auto& t : threads) t.join();
    ASSERT_EQ(errors, 0);
    for (auto& s : stores) EXPECT_EQ(s->schema_version(), static_cast<int>(migrations().size()));
    EXPECT_EQ(stores[0]->load_site_settings(), core::SiteSettings{});
}

BOTH_BACKENDS(StoreDetailTest);
BOTH_BACKENDS(ActionLogOracleTest);

}  // namespace
}  // namespace drawbridge::store
