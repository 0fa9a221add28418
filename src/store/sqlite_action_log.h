// Writing the action log to SQLite: a batch of entries in as few statements as the batch's
// size in binary digits (docs/action-log.md#group-commit). The caller holds a write
// transaction, so the newest high_water_at read first stays the newest until the batch is in.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <array>
#include <memory>
#include <span>
#include <vector>

#include "core/action_log.h"

namespace drawbridge::store {

// action_log_lateness keeps one row per 2^16 seconds of high_water_at (migration 2).
inline constexpr int kLatenessBucketBits = 16;

class ActionLogAppender {
  public:
    explicit ActionLogAppender(SQLite::Database& db) : db_(db) {}

    // Inserts the entries in order and sets their ids. Must run inside a write transaction.
    void append(std::span<core::ActionLogEntry* const> entries);

  private:
    static constexpr std::size_t kLargestStatement = 32;  // rows; 12 parameters each

    SQLite::Statement& insert_of(std::size_t rows);  // rows: a power of two
    void insert_rows(std::span<core::ActionLogEntry* const> rows,
                     std::span<const std::int64_t> high_water);
    void note_lateness(std::span<core::ActionLogEntry* const> entries,
                       std::span<const std::int64_t> high_water);
    void count_logins(std::span<core::ActionLogEntry* const> entries);

    SQLite::Database& db_;
    std::array<std::unique_ptr<SQLite::Statement>, 6> inserts_;  // 1, 2, 4, ..., 32 rows
    std::unique_ptr<SQLite::Statement> newest_high_water_;
    std::unique_ptr<SQLite::Statement> raise_lateness_;
    std::unique_ptr<SQLite::Statement> add_login_count_;
};

// The rows of action_log_login_counts from `since` to `until` summed per bucket of
// `bucket_seconds` (Store::count_logins).
std::vector<core::LoginCount> read_login_counts(SQLite::Database& db, core::UnixTime since,
                                                core::UnixTime until,
                                                core::UnixTime bucket_seconds);

}  // namespace drawbridge::store
