#include "store/action_log_planner.h"

#include <algorithm>
#include <limits>

#include "store/sqlite_action_log.h"

namespace drawbridge::store {
namespace {

// The condition of the partial index action_log_failure_type (migration 9).
constexpr const char* kFailuresOnly = "failure_type <> 'none'";

// A filter's matches are counted up to this many to choose the driving index: enough to tell a
// rare value from a common one, cheap enough (an index-only walk) to do for every search.
constexpr int kDriverCountCap = 2000;

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
    std::int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? std::numeric_limits<std::int64_t>::max()
                     : std::numeric_limits<std::int64_t>::min();
    return r;
}

}  // namespace

void bind_all(SQLite::Statement& q, const std::vector<Value>& values) {
    int i = 1;
    for (const auto& v : values) {
        if (const auto* n = std::get_if<std::int64_t>(&v))
            q.bind(i++, static_cast<int64_t>(*n));
        else
            q.bind(i++, std::get<std::string>(v));
    }
}

// One search, newest first, whatever the log's size, costs an index walk that stops after
// a page:
// - since, until and the cursor become an id range (see migration 2 for why that is exact),
//   which every index can seek to, as each ends in id;
// - the narrowest of the equality filters (counted, up to a cap, inside that range) or the
//   id range itself, when it is narrower still, drives; INDEXED BY holds SQLite to that
//   choice, as without statistics on values it cannot tell a rare address from a common one.
// The other filters are checked on the rows the walk reads.
PagePlan ActionLogPlanner::plan_page(const core::ActionLogQuery& f, int limit) {
    PagePlan plan;
    plan.empty = true;
    if (f.since && f.until && *f.since >= *f.until) return plan;
    std::optional<std::int64_t> lo, hi;
    if (f.since) {
        lo = first_id_with_high_water_at_least(*f.since);
        if (!lo) return plan;
    }
    if (f.until) {
        hi = last_id_with_high_water_below(high_water_bound(*f.until));
        if (!hi) return plan;
    }
    if (f.cursor) {
        if (*f.cursor <= std::numeric_limits<std::int64_t>::min() + 1) return plan;
        hi = std::min(hi.value_or(*f.cursor - 1), *f.cursor - 1);
    }
    if (lo && hi && *lo > *hi) return plan;

    struct Equal {
        const char* column;
        const char* index;  // nullptr: no index holds the value, it only filters
        std::string value;
        const char* collate;
    };
    // In the order that breaks ties between equal counts: usually the most selective first.
    std::vector<Equal> equals;
    if (f.ip) equals.push_back({"ip", "action_log_ip", *f.ip, ""});
    if (f.username)
        equals.push_back({"username", "action_log_username", *f.username, " COLLATE NOCASE"});
    // The failure_type index holds only failures (migration 9): most entries are none.
    if (f.failure_type)
        equals.push_back(
            {"failure_type",
             *f.failure_type == core::FailureReason::none ? nullptr : "action_log_failure_type",
             std::string(core::to_string(*f.failure_type)), ""});
    if (f.interface)
        equals.push_back(
            {"interface", "action_log_interface", std::string(core::to_string(*f.interface)), ""});
    if (f.action) equals.push_back({"action", "action_log_action", *f.action, ""});

    const Equal* driver = nullptr;
    if (equals.size() == 1 && !lo && !hi) {
        if (equals.front().index) driver = &equals.front();
    } else if (!equals.empty()) {
        std::int64_t best = std::numeric_limits<std::int64_t>::max();
        if (lo || hi) {
            const auto top = hi ? *hi : max_action_id();
            const auto bottom = lo ? *lo : 1;
            best = top >= bottom ? top - bottom + 1 : 0;
        }
        for (const auto& e : equals) {
            if (!e.index) continue;
            const auto n = count_up_to(e.column, e.index, e.value, e.collate, lo, hi,
                                       std::max(kDriverCountCap, limit + 1));
            if (n == 0) return plan;  // one filter matches nothing: neither does the search
            if (n < best) {
                best = n;
                driver = &e;
            }
        }
    }

    plan.empty = false;
    plan.sql =
        "SELECT id, created_at, user_id, username, ip, interface, action, failure_type, "
        "detail, path, destination, bytes, duration_ms FROM action_log";
    plan.sql += driver ? std::string(" INDEXED BY ") + driver->index : " NOT INDEXED";
    plan.sql += " WHERE 1";
    // The partial index's condition, word for word, lets SQLite use it (migration 9).
    if (driver && driver->index == std::string_view("action_log_failure_type"))
        plan.sql += std::string(" AND ") + kFailuresOnly;
    for (const auto& e : equals) {
        plan.sql += std::string(" AND ") + e.column + " = ?" + e.collate;
        plan.values.emplace_back(e.value);
    }
    if (f.since) {
        plan.sql += " AND created_at >= ?";
        plan.values.emplace_back(*f.since);
    }
    if (f.until) {
        plan.sql += " AND created_at < ?";
        plan.values.emplace_back(*f.until);
    }
    if (lo) {
        plan.sql += " AND id >= ?";
        plan.values.emplace_back(*lo);
    }
    if (hi) {
        plan.sql += " AND id <= ?";
        plan.values.emplace_back(*hi);
    }
    plan.sql += " ORDER BY id DESC LIMIT ?";
    plan.values.emplace_back(std::int64_t{limit} + 1);  // one more tells if a page follows
    return plan;
}

std::optional<std::int64_t> ActionLogPlanner::first_id_with_high_water_at_least(core::UnixTime t) {
    SQLite::Statement q(db_,
                        "SELECT id FROM action_log WHERE high_water_at >= ? "
                        "ORDER BY high_water_at, id LIMIT 1");
    q.bind(1, static_cast<int64_t>(t));
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getInt64();
}

std::optional<std::int64_t> ActionLogPlanner::last_id_with_high_water_below(std::int64_t bound) {
    SQLite::Statement q(db_,
                        "SELECT id FROM action_log WHERE high_water_at < ? "
                        "ORDER BY high_water_at DESC, id DESC LIMIT 1");
    q.bind(1, static_cast<int64_t>(bound));
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getInt64();
}

// Every entry with created_at < until has high_water_at below the bound returned. An entry
// in bucket b (high_water_at in [b << 16, (b + 1) << 16)) lags by at most that bucket's
// seconds, so if created_at < until then high_water_at < until + seconds; buckets that
// start at or after until + seconds hold no such entry, and buckets without a row hold no
// late entry at all.
std::int64_t ActionLogPlanner::high_water_bound(core::UnixTime until) {
    std::int64_t bound = until;
    SQLite::Statement q(db_, "SELECT bucket, seconds FROM action_log_lateness WHERE bucket >= ?");
    q.bind(1, static_cast<int64_t>(until >> kLatenessBucketBits));
    while (q.executeStep()) {
        const std::int64_t bucket = q.getColumn(0).getInt64();
        const std::int64_t seconds = q.getColumn(1).getInt64();
        const std::int64_t start = bucket << kLatenessBucketBits;
        const std::int64_t end = saturating_add(start, std::int64_t{1} << kLatenessBucketBits);
        const std::int64_t reach = saturating_add(until, seconds);
        if (start >= reach) continue;
        bound = std::max(bound, std::min(end, reach));
    }
    return bound;
}

std::int64_t ActionLogPlanner::max_action_id() {
    return db_.execAndGet("SELECT coalesce(max(id), 0) FROM action_log").getInt64();
}

std::int64_t ActionLogPlanner::count_up_to(const char* column, const char* index,
                                           const std::string& value, const char* collate,
                                           std::optional<std::int64_t> lo,
                                           std::optional<std::int64_t> hi, int cap) {
    std::string sql = std::string("SELECT count(*) FROM (SELECT 1 FROM action_log INDEXED BY ") +
                      index + " WHERE " + column + " = ?" + collate;
    if (std::string_view(index) == "action_log_failure_type")
        sql += std::string(" AND ") + kFailuresOnly;
    if (lo) sql += " AND id >= ?";
    if (hi) sql += " AND id <= ?";
    sql += " LIMIT ?)";
    SQLite::Statement q(db_, sql);
    int i = 1;
    q.bind(i++, value);
    if (lo) q.bind(i++, static_cast<int64_t>(*lo));
    if (hi) q.bind(i++, static_cast<int64_t>(*hi));
    q.bind(i++, cap);
    q.executeStep();
    return q.getColumn(0).getInt64();
}

}  // namespace drawbridge::store
