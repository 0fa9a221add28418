// The login counts kept beside the action log (docs/action-log.md#login-counts): written with
// each batch, summed per bucket, equal to counting the entries, over a year of them.
#include <map>
#include <tuple>

#include "store/sqlite_store.h"
#include "store_fixture.h"

namespace drawbridge::store {
namespace {

using core::FailureReason;
using core::Interface;

class LoginCountsTest : public StoreFixture {
  protected:
    static core::ActionLogEntry entry(core::UnixTime at, std::string action,
                                      FailureReason reason = FailureReason::none,
                                      Interface interface = Interface::sftp) {
        core::ActionLogEntry e;
        e.created_at = at;
        e.action = std::move(action);
        e.failure_type = reason;
        e.interface = interface;
        e.username = "alice";
        e.ip = "192.0.2.1";
        return e;
    }
    void append(std::vector<core::ActionLogEntry>& entries) {
        std::vector<core::ActionLogEntry*> ptrs;
        for (auto& e : entries) ptrs.push_back(&e);
        store_->append_actions(ptrs);
    }
    // (start, action, failure_type) -> count, interfaces summed.
    std::map<std::tuple<core::UnixTime, std::string, FailureReason>, std::int64_t> counts(
        core::UnixTime since, core::UnixTime until, core::UnixTime bucket) {
        std::map<std::tuple<core::UnixTime, std::string, FailureReason>, std::int64_t> out;
        for (const auto& c : store_->count_logins(since, until, bucket))
            out[{c.start, c.action, c.failure_type}] += c.count;
        return out;
    }
};

constexpr core::UnixTime kDay = 1764806400;  // 2025-12-04T00:00:00Z

TEST_P(LoginCountsTest, CountsLoginsAndRefusalsPerBucketAndReasonButNotFileActions) {
    std::vector<core::ActionLogEntry> batch = {
        entry(kDay + 10, "login"),
        entry(kDay + 20, "failedlogin", FailureReason::password_mismatch),
        entry(kDay + 30, "failedlogin", FailureReason::password_mismatch, Interface::ftp),
        entry(kDay + 3600 + 5, "failedlogin", FailureReason::disabled),
        entry(kDay + 40, "read"),
    };
    append(batch);
    std::vector<core::ActionLogEntry> later = {
        entry(kDay + 50, "login", FailureReason::none, Interface::web)};
    append(later);  // a second batch adds to the same hour's row

    auto hours = counts(kDay, kDay + 2 * 3600, 3600);
    using K = std::tuple<core::UnixTime, std::string, FailureReason>;
    EXPECT_EQ(hours, (std::map<K, std::int64_t>{
                         {K{kDay, "login", FailureReason::none}, 2},
                         {K{kDay, "failedlogin", FailureReason::password_mismatch}, 2},
                         {K{kDay + 3600, "failedlogin", FailureReason::disabled}, 1}}));
    auto days = counts(kDay, kDay + 86400, 86400);
    EXPECT_EQ(days, (std::map<K, std::int64_t>{
                        {K{kDay, "login", FailureReason::none}, 2},
                        {K{kDay, "failedlogin", FailureReason::password_mismatch}, 2},
                        {K{kDay, "failedlogin", FailureReason::disabled}, 1}}));
    // A range is whole hours: the second hour only.
    EXPECT_EQ(counts(kDay + 3600, kDay + 7200, 3600).size(), 1u);
    EXPECT_TRUE(counts(kDay + 7200, kDay + 9000, 3600).empty());
}

// A database from before the counts (schema 9) with logins in its log: opening it counts them.
TEST_P(LoginCountsTest, ExistingEntriesAreCountedByTheMigration) {
    std::vector<core::ActionLogEntry> batch = {entry(kDay, "login"), entry(kDay + 1, "login"),
                                               entry(kDay + 2, "read")};
    append(batch);
    store_.reset();
    exec_sql(
        "DROP TABLE action_log_login_counts; DROP TABLE totp; DROP TABLE recovery_codes; "
        "DROP TABLE webauthn_keys; ALTER TABLE sessions DROP COLUMN two_factor_setup_only; "
        "DROP TABLE nodes; " +
        set_schema_version(9));
    reopen();
    EXPECT_EQ((counts(kDay, kDay + 3600, 3600)),
              (std::map<std::tuple<core::UnixTime, std::string, FailureReason>, std::int64_t>{
                  {{kDay, "login", FailureReason::none}, 2}}));
}

// A year of a busy site's logins (every hour, several reasons and protocols): a month's chart by
// day and a day's by hour each stay far under 100 ms, whatever the log holds.
TEST_P(LoginCountsTest, AYearOfLoginsIsSummedPerBucket) {
    const FailureReason reasons[] = {FailureReason::none, FailureReason::password_mismatch,
                                     FailureReason::username_not_found,
                                     FailureReason::rate_limited};
    const Interface interfaces[] = {Interface::sftp, Interface::ftp, Interface::dav,
                                    Interface::web};
    std::vector<core::ActionLogEntry> batch;
    std::int64_t total = 0;
    for (int h = 0; h < 365 * 24; ++h) {
        for (auto r : reasons)
            for (auto i : interfaces)
                batch.push_back(entry(kDay + h * 3600 + 7,
                                      r == FailureReason::none ? "login" : "failedlogin", r, i));
        if (batch.size() >= 4096) {
            total += static_cast<std::int64_t>(batch.size());
            append(batch);
            batch.clear();
        }
    }
    total += static_cast<std::int64_t>(batch.size());
    append(batch);

    // How fast is measured by bench/action_log_bench.cpp, not asserted here (the machine's load
    // would decide such a test).
    const auto year = store_->count_logins(kDay, kDay + 365 * 86400, 86400);
    const auto month = store_->count_logins(kDay + 300 * 86400, kDay + 330 * 86400, 86400);
    const auto day = store_->count_logins(kDay + 200 * 86400, kDay + 201 * 86400, 3600);
    std::int64_t summed = 0;
    for (const auto& c : year) summed += c.count;
    EXPECT_EQ(summed, total);
    EXPECT_EQ(month.size(), 30u * 16u);
    EXPECT_EQ(day.size(), 24u * 16u);
}

BOTH_BACKENDS(LoginCountsTest);

}  // namespace
}  // namespace drawbridge::store
