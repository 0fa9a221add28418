// The per-connection cap on failed logins, and the one hashing pool every listener decides its
// logins on (docs/login-gate.md#per-connection-cap, #hashing-pool).
#include "auth/login_pool.h"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "core/guess_memo.h"
#include "gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::FailureReason;
using core::Interface;
using namespace std::chrono_literals;

class CapTest : public GateTest {
  protected:
    core::LoginOutcome on(const std::shared_ptr<core::GuessMemo>& memo, const std::string& user,
                          const std::string& secret, const std::string& ip = "198.51.100.7") {
        core::LoginAttempt a{user, Interface::ftp, ip, core::PasswordCredential{secret}, {}, {}};
        a.guesses = memo;
        return gate_->attempt(a);
    }
};

TEST_F(CapTest, TheThirdFailedLoginOnAConnectionEndsIt) {
    add_user("alice");
    const auto connection = std::make_shared<core::GuessMemo>();
    const auto first = on(connection, "alice", "Wrong-Horse-9-Battery");
    EXPECT_FALSE(first.end_connection);
    // A repeat is not scored or logged again, but it cost a hash: it counts toward the cap.
    const auto again = on(connection, "alice", "Wrong-Horse-9-Battery");
    EXPECT_TRUE(again.repeated);
    EXPECT_FALSE(again.end_connection);
    EXPECT_EQ(connection->failures(), 2);
    const auto third = on(connection, "nobody", "Wrong-Horse-9-Battery");
    EXPECT_TRUE(third.end_connection);
    EXPECT_NE(last_entry().detail.find("the connection is closed after 3 failed logins"),
              std::string::npos)
        << last_entry().detail;
    // Another connection starts afresh; without a memo (the CLI) there is no connection to end.
    EXPECT_FALSE(on(std::make_shared<core::GuessMemo>(), "alice", "Wrong").end_connection);
    EXPECT_FALSE(password("alice", "Wrong-2").end_connection);
}

TEST_F(CapTest, PlainUserRefusalsCountTowardTheCap) {
    add_user("alice");
    const auto connection = std::make_shared<core::GuessMemo>();
    for (int i = 0; i < 2; ++i) {
        const auto out =
            gate_->refuse_plain_user(Interface::ftp, "alice", "198.51.100.7", connection);
        ASSERT_TRUE(out);
        EXPECT_FALSE(out->end_connection);
    }
    EXPECT_EQ(count_entries("failedlogin"), 1u);  // the same name again is one refusal
    EXPECT_TRUE(gate_->refuse_plain_user(Interface::ftp, "alice", "198.51.100.7", connection)
                    ->end_connection);
}

TEST_F(CapTest, ARefusedAddressEndsItsConnection) {
    add_user("alice");
    core::IpListEntry block;
    block.list = core::IpListKind::block;
    block.cidr = "203.0.113.0/24";
    store_->add_ip_list_entry(block);
    const auto out = on(std::make_shared<core::GuessMemo>(), "alice", kGoodPassword, "203.0.113.9");
    EXPECT_EQ(out.reason, FailureReason::rate_limited);
    EXPECT_TRUE(out.end_connection);
}

class PoolTest : public GateTest {};

TEST_F(PoolTest, ALoginIsDecidedOnThePoolAndHandedBack) {
    add_user("alice");
    auth::LoginPool pool(*gate_, 1);
    auth::LoginPool::Client client(pool);
    std::promise<std::optional<core::LoginOutcome>> decided;
    const auto caller = std::this_thread::get_id();
    std::thread::id ran_on;
    client.decide(
        {"alice", Interface::sftp, "198.51.100.7", core::PasswordCredential{kGoodPassword}, {}, {}},
        [&](std::optional<core::LoginOutcome> o) {
            ran_on = std::this_thread::get_id();
            decided.set_value(std::move(o));
        });
    const auto outcome = decided.get_future().get();
    ASSERT_TRUE(outcome);
    EXPECT_TRUE(outcome->ok());
    EXPECT_NE(ran_on, caller);
}

TEST_F(PoolTest, CleanAddressesGoAheadOfGuessersOnEveryListener) {
    add_user("alice");
    password("alice", "Wrong-Horse-9-Battery", Interface::sftp, "203.0.113.66");  // a record
    auth::LoginPool pool(*gate_, 1);
    auth::LoginPool::Client sftp(pool), ftp(pool);
    std::promise<void> started;
    std::atomic<bool> release{false};
    ftp.run("192.0.2.1", [&] {
        started.set_value();
        while (!release) std::this_thread::sleep_for(1ms);
    });
    started.get_future().wait();
    std::mutex m;
    std::vector<std::string> order;
    std::promise<void> both;
    auto note = [&](const std::string& who) {
        std::lock_guard lock(m);
        order.push_back(who);
        if (order.size() == 2) both.set_value();
    };
    sftp.run("203.0.113.66", [&] { note("guesser"); });  // queued first, on another listener
    ftp.run("198.51.100.20", [&] { note("clean"); });
    release = true;
    both.get_future().wait();
    EXPECT_EQ(order, (std::vector<std::string>{"clean", "guesser"}));
}

TEST_F(PoolTest, AStoppedClientDropsItsQueuedWorkAndWaitsForItsRunningWork) {
    add_user("alice");
    auth::LoginPool pool(*gate_, 1);
    auth::LoginPool::Client client(pool);
    std::promise<void> started;
    std::atomic<bool> release{false};
    std::atomic<int> ran{0};
    client.run("198.51.100.7", [&] {
        started.set_value();
        while (!release) std::this_thread::sleep_for(1ms);
        ++ran;
    });
    started.get_future().wait();
    for (int i = 0; i < 3; ++i) client.run("198.51.100.7", [&] { ++ran; });
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
        client.stop();
        stopped = true;
    });
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(stopped);  // waits for the running job
    release = true;
    stopper.join();
    EXPECT_EQ(ran, 1);  // the queued ones were dropped
    // The pool serves its other listeners on.
    auth::LoginPool::Client other(pool);
    std::promise<std::optional<core::LoginOutcome>> decided;
    other.decide(
        {"alice", Interface::ftp, "198.51.100.7", core::PasswordCredential{kGoodPassword}, {}, {}},
        [&](std::optional<core::LoginOutcome> o) { decided.set_value(std::move(o)); });
    const auto outcome = decided.get_future().get();
    ASSERT_TRUE(outcome);
    EXPECT_TRUE(outcome->ok());
}

}  // namespace
}  // namespace drawbridge::testing
