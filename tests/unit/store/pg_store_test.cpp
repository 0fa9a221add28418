// What only the PostgreSQL store has to show: its schema version and refusal of a newer one,
// migrations of nodes starting together, rights changes seen across stores (nodes), claims
// that two stores race for, and plans that walk an index.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "store/migrations.h"
#include "store/pg_migrations.h"
#include "store/pg_store_impl.h"
#include "store_fixture.h"

namespace drawbridge::store {
namespace {

class PgStoreTest : public ::testing::Test, public StoreFixtureBase {
  protected:
    void SetUp() override { open(Backend::postgresql); }
    void TearDown() override { close(); }
};

TEST_F(PgStoreTest, HasTheSameNumberedStepsAsSqlite) {
    EXPECT_EQ(pg_migrations().size(), migrations().size());
    EXPECT_EQ(store_->schema_version(), static_cast<int>(migrations().size()));
    reopen();
    EXPECT_EQ(store_->schema_version(), static_cast<int>(migrations().size()));
    EXPECT_EQ(exec_int("SELECT version FROM drawbridge_schema"),
              static_cast<std::int64_t>(migrations().size()));
}

TEST_F(PgStoreTest, RefusesANewerDatabaseAndLeavesItUntouched) {
    store_.reset();
    exec_sql("UPDATE drawbridge_schema SET version = 77");
    EXPECT_THROW(reopen(), StoreError);
    EXPECT_EQ(exec_int("SELECT version FROM drawbridge_schema"), 77);
}

TEST_F(PgStoreTest, AnUnreachableServerIsAStoreError) {
    EXPECT_THROW(open_postgres_store("postgresql://postgres@127.0.0.1:1/none"), StoreError);
}

TEST_F(PgStoreTest, NodesStartingTogetherOnANewDatabaseMigrateItOnce) {
    store_.reset();
    const auto fresh = testing::PgServer::get().new_database();
    std::vector<std::unique_ptr<Store>> stores(4);
    std::vector<std::thread> threads;
    std::atomic<int> errors = 0;
    for (auto& s : stores)
        threads.emplace_back([&] {
            try {
                s = open_postgres_store(fresh);
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

// Another node's ban, disable or setting is seen through NOTIFY (or the once-a-poll read)
// well within a second, while rights_version itself reads nothing.
TEST_F(PgStoreTest, AnotherNodesRightsChangesAreSeenWithinASecond) {
    auto other = open_another();
    auto seen_within = [&](auto change) {
        const auto before = store_->rights_version();
        change();
        const auto start = std::chrono::steady_clock::now();
        while (store_->rights_version() == before) {
            if (std::chrono::steady_clock::now() - start > std::chrono::seconds(1)) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    };
    core::User u;
    u.username = "alice";
    u.created_at = 1;
    other->create_user(u);
    EXPECT_TRUE(seen_within([&] {
        u.disabled = true;
        other->update_user(u);
    }));
    EXPECT_TRUE(seen_within([&] {
        core::IpBan ban;
        ban.ip = "192.0.2.1";
        ban.expires_at = 100;
        other->save_ip_ban(ban);
    }));
    EXPECT_TRUE(seen_within([&] {
        auto s = other->load_site_settings();
        s.password_min_length = 30;
        other->save_site_settings(s);
    }));
    EXPECT_TRUE(seen_within([&] { exec_sql("DELETE FROM ip_bans"); }));  // even by hand
    // A ban's refusal count is not a change of rights.
    core::IpBan ban;
    ban.ip = "192.0.2.2";
    ban.expires_at = 100;
    other->save_ip_ban(ban);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    const auto settled = store_->rights_version();
    other->count_ban_refusal(ban.id);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    EXPECT_EQ(store_->rights_version(), settled);
}

// Two nodes claiming mail, codes and jobs at once: each row, code and job goes to one.
TEST_F(PgStoreTest, TwoNodesNeverWinTheSameClaim) {
    auto other = open_another();
    for (int i = 0; i < 50; ++i) {
        core::OutboxMail m;
        m.kind = "test";
        m.recipient = "a@example.com";
        m.next_attempt_at = 1;
        m.created_at = 1;
        store_->enqueue_mail(m);
    }
    std::atomic<int> claimed = 0, jobs = 0;
    std::vector<std::int64_t> ids_a, ids_b;
    auto sender = [&](Store& s, std::vector<std::int64_t>& ids) {
        while (auto m = s.claim_due_mail(10, 1000)) {
            ids.push_back(m->id);
            ++claimed;
        }
        for (int j = 0; j < 20; ++j)
            if (s.claim_job("job" + std::to_string(j), &s == store_.get() ? "a" : "b", 10, 100))
                ++jobs;
    };
    std::thread a([&] { sender(*store_, ids_a); });
    std::thread b([&] { sender(*other, ids_b); });
    a.join();
    b.join();
    EXPECT_EQ(claimed, 50);
    EXPECT_EQ(jobs, 20);
    for (auto id : ids_a) EXPECT_EQ(std::count(ids_b.begin(), ids_b.end(), id), 0);
}

TEST_F(PgStoreTest, AThreadsTransactionIsItsOwn) {
    std::atomic<bool> inside = false, checked = false;
    std::thread t([&] {
        store_->transaction([&] {
            user("alice");
            inside = true;
            while (!checked) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
    });
    while (!inside) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_FALSE(store_->in_transaction());
    EXPECT_EQ(store_->count_users(), 0);  // not committed yet
    checked = true;
    t.join();
    EXPECT_EQ(store_->count_users(), 1);
}

// A failed statement that the callback caught (other than a Conflict, which has a savepoint
// of its own) leaves nothing half-written: the commit throws and nothing of it stays.
TEST_F(PgStoreTest, ATransactionWithACaughtFailureRollsBackWhole) {
    EXPECT_THROW(store_->transaction([&] {
        user("alice");
        try {
            store_->add_password_history(424242, "h", 1, 5);  // a foreign-key failure
        } catch (const StoreError&) {
        }
    }),
                 StoreError);
    EXPECT_EQ(store_->count_users(), 0);
    store_->transaction([&] {
        user("bob");
        EXPECT_THROW(user("BOB"), Conflict);  // caught: the transaction goes on
        user("carol");
    });
    EXPECT_EQ(store_->count_users(), 2);
}

// 20,000 entries and fresh statistics: no search reads the whole table; one with many matches
// walks an index backwards (id order, newest first) and stops after a page, and one with few
// may fetch them through its index and sort those few.
TEST_F(PgStoreTest, SearchesWalkAnIndexNewestFirst) {
    std::vector<core::ActionLogEntry> all(20000);
    for (std::size_t i = 0; i < all.size(); ++i) {
        auto& e = all[i];
        e.created_at = 1'000'000 + static_cast<core::UnixTime>(i);
        e.action = i % 3 ? "read" : "failedlogin";
        e.failure_type = i % 3 ? core::FailureReason::none : core::FailureReason::password_mismatch;
        e.username = "user" + std::to_string(i % 200);
        e.ip = "10.0." + std::to_string(i % 50) + "." + std::to_string(i % 7);
        e.interface = core::kInterfaces[i % 5];
    }
    std::vector<core::ActionLogEntry*> batch;
    for (auto& e : all) batch.push_back(&e);
    store_->append_actions(batch);
    exec_sql("ANALYZE action_log");
    auto& pg = dynamic_cast<pg::PgStore&>(*store_);
    auto check = [&](const char* name, bool many, auto fill) {
        core::ActionLogQuery q;
        fill(q);
        const auto plan = pg.explain_actions(q);
        EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << name << ":\n" << plan;
        if (!many) return;
        EXPECT_NE(plan.find("Index Scan Backward"), std::string::npos) << name << ":\n" << plan;
        EXPECT_EQ(plan.find("Sort"), std::string::npos) << name << ":\n" << plan;
    };
    check("none", true, [](auto&) {});
    check("username", false, [](auto& q) { q.username = "USER7"; });
    check("ip", false, [](auto& q) { q.ip = "10.0.3.3"; });
    check("failure", true,
          [](auto& q) { q.failure_type = core::FailureReason::password_mismatch; });
    check("action", true, [](auto& q) { q.action = "read"; });
    check("time", false, [](auto& q) {
        q.since = 1'005'000;
        q.until = 1'005'100;
    });
    check("cursor", true, [](auto& q) { q.cursor = 15000; });
}

}  // namespace
}  // namespace drawbridge::store
