#include "store/sqlite_action_log.h"

#include <algorithm>
#include <bit>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "store/sqlite_values.h"

namespace drawbridge::store {
namespace {

constexpr const char* kColumns =
    "INSERT INTO action_log (created_at, high_water_at, user_id, username, ip, interface, "
    "action, failure_type, detail, path, destination, bytes, duration_ms) VALUES ";

std::string insert_sql(std::size_t rows) {
    std::string sql = kColumns;
    for (std::size_t i = 0; i < rows; ++i)
        sql += i ? ",(?,?,?,?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?,?,?,?)";
    return sql;
}

}  // namespace

SQLite::Statement& ActionLogAppender::insert_of(std::size_t rows) {
    auto& q = inserts_[std::countr_zero(rows)];
    if (!q) q = std::make_unique<SQLite::Statement>(db_, insert_sql(rows));
    return *q;
}

// One statement per power of two in the batch's size: each statement costs SQLite a
// statement journal and an update of the id sequence, whatever its rows (docs/action-log.md).
void ActionLogAppender::append(std::span<core::ActionLogEntry* const> entries) {
    if (entries.empty()) return;
    if (!newest_high_water_)
        newest_high_water_ = std::make_unique<SQLite::Statement>(
            db_, "SELECT high_water_at FROM action_log ORDER BY id DESC LIMIT 1");
    auto& newest = *newest_high_water_;
    newest.reset();
    std::int64_t high_water =
        newest.executeStep() ? newest.getColumn(0).getInt64() : entries.front()->created_at;
    newest.reset();  // a statement left on a row would hold its snapshot open
    std::vector<std::int64_t> high_waters;
    high_waters.reserve(entries.size());
    for (const auto* e : entries) {
        high_water = std::max<std::int64_t>(high_water, e->created_at);
        high_waters.push_back(high_water);
    }
    std::size_t done = 0;
    while (done < entries.size()) {
        const std::size_t rows = std::min(kLargestStatement, std::bit_floor(entries.size() - done));
        insert_rows(entries.subspan(done, rows), std::span(high_waters).subspan(done, rows));
        done += rows;
    }
    note_lateness(entries, high_waters);
    count_logins(entries);
}

// Strings are bound without a copy: the entries outlive the statement's execution.
void ActionLogAppender::insert_rows(std::span<core::ActionLogEntry* const> rows,
                                    std::span<const std::int64_t> high_water) {
    auto& q = insert_of(rows.size());
    q.reset();
    int i = 1;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto* e = rows[r];
        q.bind(i++, static_cast<int64_t>(e->created_at));
        q.bind(i++, static_cast<int64_t>(high_water[r]));
        bind_opt(q, i++, e->user_id);
        q.bindNoCopy(i++, e->username);
        q.bindNoCopy(i++, e->ip);
        q.bind(i++, std::string(core::to_string(e->interface)));
        q.bindNoCopy(i++, e->action);
        q.bind(i++, std::string(core::to_string(e->failure_type)));
        q.bindNoCopy(i++, e->detail);
        q.bindNoCopy(i++, e->path);
        q.bindNoCopy(i++, e->destination);
        bind_opt(q, i++, e->bytes);
        bind_opt(q, i++, e->duration_ms);
    }
    q.exec();
    // AUTOINCREMENT gives one statement's rows consecutive ids, the largest to the last row:
    // each new id is one more than the largest the table has held, and this transaction
    // holds the write lock.
    const std::int64_t last = db_.getLastInsertRowid();
    for (std::size_t r = 0; r < rows.size(); ++r)
        rows[r]->id = last - static_cast<std::int64_t>(rows.size() - 1 - r);
    q.clearBindings();  // the bound strings are the caller's
}

// action_log_lateness: per bucket of high_water_at, how far created_at lags behind it at most
// (migration 2 says why searches need it). Written only when a bucket's lateness grows, which
// an entry stamped in order never makes it do.
void ActionLogAppender::note_lateness(std::span<core::ActionLogEntry* const> entries,
                                      std::span<const std::int64_t> high_water) {
    std::map<std::int64_t, std::int64_t> lateness;  // bucket -> seconds, of this batch
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const std::int64_t late = high_water[i] - entries[i]->created_at;
        if (late <= 0) continue;
        auto& seconds = lateness[high_water[i] >> kLatenessBucketBits];
        seconds = std::max(seconds, late);
    }
    if (lateness.empty()) return;
    if (!raise_lateness_)
        raise_lateness_ = std::make_unique<SQLite::Statement>(
            db_,
            "INSERT INTO action_log_lateness (bucket, seconds) VALUES (?, ?) "
            "ON CONFLICT (bucket) DO UPDATE SET seconds = excluded.seconds "
            "WHERE excluded.seconds > seconds");
    for (const auto& [bucket, seconds] : lateness) {
        auto& q = *raise_lateness_;
        q.reset();
        q.bind(1, static_cast<int64_t>(bucket));
        q.bind(2, static_cast<int64_t>(seconds));
        q.exec();
    }
}

// action_log_login_counts (migration 10): one upsert per hour, action, reason and interface of
// the batch's logins. Entries of files served, most of the log, cost nothing here.
void ActionLogAppender::count_logins(std::span<core::ActionLogEntry* const> entries) {
    using Key = std::tuple<std::int64_t, std::string_view, core::FailureReason, core::Interface>;
    std::map<Key, std::int64_t> counts;
    for (const auto* e : entries)
        if (e->action == "login" || e->action == "failedlogin")
            ++counts[{e->created_at / core::kLoginCountHour, e->action, e->failure_type,
                      e->interface}];
    if (counts.empty()) return;
    if (!add_login_count_)
        add_login_count_ = std::make_unique<SQLite::Statement>(
            db_,
            "INSERT INTO action_log_login_counts (hour, action, failure_type, interface, count) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (hour, action, failure_type, interface) "
            "DO UPDATE SET count = count + excluded.count");
    auto& q = *add_login_count_;
    for (const auto& [key, n] : counts) {
        const auto& [hour, action, failure_type, interface] = key;
        q.reset();
        q.bind(1, static_cast<int64_t>(hour));
        q.bind(2, std::string(action));
        q.bind(3, std::string(core::to_string(failure_type)));
        q.bind(4, std::string(core::to_string(interface)));
        q.bind(5, static_cast<int64_t>(n));
        q.exec();
    }
}

std::vector<core::LoginCount> read_login_counts(SQLite::Database& db, core::UnixTime since,
                                                core::UnixTime until,
                                                core::UnixTime bucket_seconds) {
    const std::int64_t hours_per_bucket = std::max<std::int64_t>(1, bucket_seconds / 3600);
    // The primary key's order: a range seek on hour, the rows of each hour read in turn.
    SQLite::Statement q(db,
                        "SELECT hour / ?1, action, failure_type, interface, sum(count) "
                        "FROM action_log_login_counts WHERE hour >= ?2 AND hour < ?3 "
                        "GROUP BY 1, 2, 3, 4 ORDER BY 1");
    q.bind(1, static_cast<int64_t>(hours_per_bucket));
    q.bind(2, static_cast<int64_t>(since / core::kLoginCountHour));
    q.bind(3, static_cast<int64_t>((until + core::kLoginCountHour - 1) / core::kLoginCountHour));
    std::vector<core::LoginCount> out;
    while (q.executeStep()) {
        core::LoginCount c;
        c.start = q.getColumn(0).getInt64() * hours_per_bucket * core::kLoginCountHour;
        c.action = q.getColumn(1).getString();
        c.failure_type = core::parse_failure_reason(q.getColumn(2).getString())
                             .value_or(core::FailureReason::none);
        c.interface =
            core::parse_interface(q.getColumn(3).getString()).value_or(core::Interface::cli);
        c.count = q.getColumn(4).getInt64();
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace drawbridge::store
