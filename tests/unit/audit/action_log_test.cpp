#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "audit/action_log.h"
#include "core/clock.h"

namespace drawbridge::audit {
namespace {

class ActionLogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::random_device rd;
        dir_ =
            std::filesystem::temp_directory_path() / ("drawbridge-audit-" + std::to_string(rd()));
        std::filesystem::create_directories(dir_);
        store_ = store::open_sqlite_store(dir_ / "a.db");
        log_ = std::make_unique<ActionLog>(*store_, clock_);
    }
    void TearDown() override {
        log_.reset();
        store_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::filesystem::path dir_;
    core::ManualClock clock_{1795000000};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<ActionLog> log_;
};

TEST_F(ActionLogTest, RecordStampsTimeAndSearchFinds) {
    core::ActionLogEntry e;
    e.username = "alice";
    e.ip = "192.0.2.1";
    e.interface = core::Interface::ftp;
    e.action = "failedlogin";
    e.failure_type = core::FailureReason::password_mismatch;
    e.detail = "wrong password";
    const auto id = log_->record(e);
    EXPECT_GT(id, 0);
    core::ActionLogQuery q;
    q.username = "ALICE";
    const auto page = log_->search(q);
    ASSERT_EQ(page.entries.size(), 1u);
    EXPECT_EQ(page.entries[0].created_at, 1795000000);
    EXPECT_EQ(page.entries[0].failure_type, core::FailureReason::password_mismatch);
}

TEST(Display, SentencesForLoginsFailuresAndFiles) {
    core::ActionLogEntry e;
    e.username = "alice";
    e.ip = "192.0.2.1";
    e.interface = core::Interface::sftp;
    e.action = "login";
    EXPECT_EQ(display(e), "'alice' logged in over sftp from 192.0.2.1");
    e.action = "failedlogin";
    e.failure_type = core::FailureReason::region_mismatch;
    e.detail = "Your account must login using a different server, https://x.example.";
    EXPECT_EQ(display(e),
              "Failed login by 'alice' over sftp from 192.0.2.1: Lockout Region Mismatch (Your "
              "account must login using a different server, https://x.example.)");
    e.action = "move";
    e.failure_type = core::FailureReason::none;
    e.detail.clear();
    e.path = "/a.txt";
    e.destination = "/b.txt";
    EXPECT_EQ(display(e), "'alice' move over sftp from 192.0.2.1: /a.txt -> /b.txt");
}

TEST_F(ActionLogTest, ConcurrentWritersShareCommitsAndEachGetsItsOwnRow) {
    constexpr int kThreads = 8, kEach = 100;
    std::vector<std::thread> writers;
    std::mutex m;
    std::set<std::int64_t> ids;
    for (int t = 0; t < kThreads; ++t)
        writers.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                core::ActionLogEntry e;
                e.username = "u" + std::to_string(t);
                e.action = "download";
                e.path = "/f" + std::to_string(i);
                const auto id = log_->record(e);
                std::lock_guard lock(m);
                ids.insert(id);
            }
        });
    for (auto& w : writers) w.join();
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kEach));  // distinct, all returned
    core::ActionLogQuery q;
    q.limit = 1000;
    q.username = "u3";
    const auto page = log_->search(q);
    ASSERT_EQ(page.entries.size(), static_cast<std::size_t>(kEach));
    for (const auto& e : page.entries) EXPECT_TRUE(ids.contains(e.id));
}

TEST_F(ActionLogTest, ARowRecordedInATransactionGoesWithIt) {
    core::ActionLogEntry e;
    e.username = "alice";
    e.action = "user_update";
    EXPECT_THROW(store_->transaction([&] {
        log_->record(e);
        throw std::runtime_error("the change failed");
    }),
                 std::runtime_error);
    core::ActionLogQuery q;
    q.username = "alice";
    EXPECT_TRUE(log_->search(q).entries.empty());
    store_->transaction([&] { log_->record(e); });
    EXPECT_EQ(log_->search(q).entries.size(), 1u);
}

TEST_F(ActionLogTest, QueuedRowsCallBackOnceCommittedInOrder) {
    std::vector<ActionLog::Ticket> tickets;
    for (int i = 0; i < 50; ++i) {
        core::ActionLogEntry e;
        e.username = "bob";
        e.action = "read";
        e.path = "/f" + std::to_string(i);
        tickets.push_back(log_->record_later(e));
        ASSERT_NE(tickets.back(), nullptr);
    }
    std::promise<std::size_t> seen;
    log_->when_committed(tickets, [&](std::exception_ptr error) {
        EXPECT_EQ(error, nullptr);
        core::ActionLogQuery q;
        q.username = "bob";
        q.limit = 100;
        seen.set_value(log_->search(q).entries.size());  // all there when called
    });
    auto done = seen.get_future();
    ASSERT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(done.get(), 50u);
    // Already committed: called at once, on this thread.
    bool called = false;
    log_->when_committed(tickets, [&](std::exception_ptr error) {
        EXPECT_EQ(error, nullptr);
        called = true;
    });
    EXPECT_TRUE(called);
}

TEST_F(ActionLogTest, FlushWaitsForQueuedRowsAndTheirCallbacks) {
    std::atomic<int> callbacks{0};
    for (int i = 0; i < 20; ++i) {
        core::ActionLogEntry e;
        e.username = "carol";
        e.action = "read";
        log_->when_committed({log_->record_later(e)}, [&](std::exception_ptr) { ++callbacks; });
    }
    log_->flush();
    EXPECT_EQ(callbacks.load(), 20);
    core::ActionLogQuery q;
    q.username = "carol";
    EXPECT_EQ(log_->search(q).entries.size(), 20u);
}

TEST_F(ActionLogTest, ARowQueuedInATransactionIsWrittenInIt) {
    core::ActionLogEntry e;
    e.username = "dave";
    e.action = "user_update";
    store_->transaction([&] { EXPECT_EQ(log_->record_later(e), nullptr); });
    core::ActionLogQuery q;
    q.username = "dave";
    EXPECT_EQ(log_->search(q).entries.size(), 1u);
}

}  // namespace
}  // namespace drawbridge::audit
