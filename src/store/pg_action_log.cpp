// The PostgreSQL store's action log (docs/action-log.md, docs/store.md#postgresql).
//
// Writing: as on SQLite (sqlite_action_log.cpp), each entry's high_water_at is the newest
// created_at so far, action_log_lateness and action_log_login_counts are kept per batch. The
// batch runs inside transaction(), whose advisory lock makes the appends of every node one
// after another, so the newest high_water_at read first is still the newest when the batch
// commits, and ids commit in order.
//
// Searching: since, until and the cursor become an id range exactly as ActionLogPlanner does
// (migration 2 says why that is exact), and the equality filters and the range go to
// PostgreSQL in one statement ordered by id: every index of the log ends in id, so its planner
// walks the one its statistics find narrowest, newest first, and stops after a page.
#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

#include "store/pg_store_impl.h"
#include "store/sqlite_action_log.h"

namespace drawbridge::store::pg {
namespace {

constexpr std::size_t kRowsPerInsert = 256;  // 13 parameters each, far below libpq's 65535
constexpr const char* kEntryColumns =
    "id, created_at, user_id, username, ip, interface, action, failure_type, detail, path, "
    "destination, bytes, duration_ms";

core::ActionLogEntry read_entry(const Result& r, int i) {
    core::ActionLogEntry e;
    e.id = r.i64(i, 0);
    e.created_at = r.i64(i, 1);
    e.user_id = r.opt(i, 2);
    e.username = r.text(i, 3);
    e.ip = r.text(i, 4);
    e.interface = core::parse_interface(r.text(i, 5)).value_or(core::Interface::cli);
    e.action = r.text(i, 6);
    e.failure_type = core::parse_failure_reason(r.text(i, 7)).value_or(core::FailureReason::none);
    e.detail = r.text(i, 8);
    e.path = r.text(i, 9);
    e.destination = r.text(i, 10);
    e.bytes = r.opt(i, 11);
    e.duration_ms = r.opt(i, 12);
    return e;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
    std::int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? std::numeric_limits<std::int64_t>::max()
                     : std::numeric_limits<std::int64_t>::min();
    return r;
}

std::optional<std::int64_t> first_id(Connection& c, const char* sql, std::int64_t v) {
    const auto r = c.exec(sql, {v});
    if (r.rows() == 0) return std::nullopt;
    return r.i64(0, 0);
}

// ActionLogPlanner::high_water_bound's rule: every entry with created_at < until has
// high_water_at below the bound returned.
std::int64_t high_water_bound(Connection& c, core::UnixTime until) {
    std::int64_t bound = until;
    const auto r = c.exec("SELECT bucket, seconds FROM action_log_lateness WHERE bucket >= $1",
                          {until >> kLatenessBucketBits});
    for (int i = 0; i < r.rows(); ++i) {
        const std::int64_t start = r.i64(i, 0) << kLatenessBucketBits;
        const std::int64_t end = saturating_add(start, std::int64_t{1} << kLatenessBucketBits);
        const std::int64_t reach = saturating_add(until, r.i64(i, 1));
        if (start >= reach) continue;
        bound = std::max(bound, std::min(end, reach));
    }
    return bound;
}

struct Page {
    bool empty = true;
    std::string sql;
    Params params;
};

Page plan_page(Connection& c, const core::ActionLogQuery& f, int limit) {
    Page page;
    if (f.since && f.until && *f.since >= *f.until) return page;
    std::optional<std::int64_t> lo, hi;
    if (f.since) {
        lo = first_id(c,
                      "SELECT id FROM action_log WHERE high_water_at >= $1 "
                      "ORDER BY high_water_at, id LIMIT 1",
                      *f.since);
        if (!lo) return page;
    }
    if (f.until) {
        hi = first_id(c,
                      "SELECT id FROM action_log WHERE high_water_at < $1 "
                      "ORDER BY high_water_at DESC, id DESC LIMIT 1",
                      high_water_bound(c, *f.until));
        if (!hi) return page;
    }
    if (f.cursor) {
        if (*f.cursor <= std::numeric_limits<std::int64_t>::min() + 1) return page;
        hi = std::min(hi.value_or(*f.cursor - 1), *f.cursor - 1);
    }
    if (lo && hi && *lo > *hi) return page;

    page.empty = false;
    page.sql = std::string("SELECT ") + kEntryColumns + " FROM action_log WHERE true";
    auto add = [&](const std::string& condition, Param value) {
        page.params.push_back(std::move(value));
        const std::string n = "$" + std::to_string(page.params.size());
        std::string text = condition;
        text.replace(text.find('?'), 1, n);
        page.sql += " AND " + text;
    };
    if (f.ip) add("ip = ?::text", *f.ip);
    // The index is on lower(username) (COLLATE NOCASE on SQLite).
    if (f.username) add("lower(username) = lower(?::text)", *f.username);
    if (f.failure_type) {
        // Said word for word, so that the partial index of failures applies (migration 9).
        if (*f.failure_type != core::FailureReason::none) page.sql += " AND failure_type <> 'none'";
        add("failure_type = ?::text", core::to_string(*f.failure_type));
    }
    if (f.interface) add("interface = ?::text", core::to_string(*f.interface));
    if (f.action) add("action = ?::text", *f.action);
    if (f.since) add("created_at >= ?::bigint", *f.since);
    if (f.until) add("created_at < ?::bigint", *f.until);
    if (lo) add("id >= ?::bigint", *lo);
    if (hi) add("id <= ?::bigint", *hi);
    page.params.emplace_back(limit + 1);  // one more tells if a page follows
    page.sql += " ORDER BY id DESC LIMIT $" + std::to_string(page.params.size());
    return page;
}

}  // namespace

void PgStore::append_action(core::ActionLogEntry& e) {
    core::ActionLogEntry* one[] = {&e};
    append_actions(one);
}

void PgStore::append_actions(std::span<core::ActionLogEntry* const> entries) {
    if (entries.empty()) return;
    // Inside a caller's transaction no savepoint of its own: a batch's statements do not fail
    // but with the connection, and a savepoint per append would cost a subtransaction each.
    if (Tx* tx = current_tx()) return append_batch(*tx->conn, entries);
    transaction([&] { with([&](Connection& c) { append_batch(c, entries); }); });
}

void PgStore::append_batch(Connection& c, std::span<core::ActionLogEntry* const> entries) {
    const auto newest = c.exec("SELECT high_water_at FROM action_log ORDER BY id DESC LIMIT 1");
    std::int64_t high_water = newest.rows() ? newest.i64(0, 0) : entries.front()->created_at;
    std::vector<std::int64_t> high_waters;
    high_waters.reserve(entries.size());
    std::map<std::int64_t, std::int64_t> lateness;  // bucket -> seconds, of this batch
    for (const auto* e : entries) {
        high_water = std::max<std::int64_t>(high_water, e->created_at);
        high_waters.push_back(high_water);
        if (high_water > e->created_at) {
            auto& seconds = lateness[high_water >> kLatenessBucketBits];
            seconds = std::max(seconds, high_water - e->created_at);
        }
    }
    for (std::size_t done = 0; done < entries.size(); done += kRowsPerInsert) {
        const std::size_t rows = std::min(kRowsPerInsert, entries.size() - done);
        std::string sql =
            "INSERT INTO action_log (created_at, high_water_at, user_id, username, ip, "
            "interface, action, failure_type, detail, path, destination, bytes, duration_ms) "
            "VALUES ";
        Params p;
        p.reserve(rows * 13);
        for (std::size_t r = 0; r < rows; ++r) {
            const auto* e = entries[done + r];
            sql += r ? ",(" : "(";
            for (int k = 0; k < 13; ++k) sql += (k ? ",$" : "$") + std::to_string(p.size() + 1 + k);
            sql += ")";
            p.insert(p.end(),
                     {e->created_at, high_waters[done + r], e->user_id, e->username, e->ip,
                      core::to_string(e->interface), e->action, core::to_string(e->failure_type),
                      e->detail, e->path, e->destination, e->bytes, e->duration_ms});
        }
        // RETURNING gives the rows' ids in the order of VALUES.
        const auto ids = c.exec(sql + " RETURNING id", p);
        for (std::size_t r = 0; r < rows && static_cast<int>(r) < ids.rows(); ++r)
            entries[done + r]->id = ids.i64(static_cast<int>(r), 0);
    }
    for (const auto& [bucket, seconds] : lateness)
        c.exec(
            "INSERT INTO action_log_lateness AS l (bucket, seconds) VALUES ($1, $2) "
            "ON CONFLICT (bucket) DO UPDATE SET seconds = excluded.seconds "
            "WHERE excluded.seconds > l.seconds",
            {bucket, seconds});
    using Key = std::tuple<std::int64_t, std::string_view, core::FailureReason, core::Interface>;
    std::map<Key, std::int64_t> counts;
    for (const auto* e : entries)
        if (e->action == "login" || e->action == "failedlogin")
            ++counts[{e->created_at / core::kLoginCountHour, e->action, e->failure_type,
                      e->interface}];
    for (const auto& [key, n] : counts) {
        const auto& [hour, action, failure_type, interface] = key;
        c.exec(
            "INSERT INTO action_log_login_counts AS n (hour, action, failure_type, "
            "interface, count) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hour, action, "
            "failure_type, interface) DO UPDATE SET count = n.count + excluded.count",
            {hour, action, core::to_string(failure_type), core::to_string(interface), n});
    }
}

core::ActionLogPage PgStore::query_actions(const core::ActionLogQuery& f) {
    return snapshot([&](Connection& c) {
        core::ActionLogPage page;
        const int limit = std::clamp(f.limit, 1, 1000);
        const auto plan = plan_page(c, f, limit);
        if (plan.empty) return page;
        const auto r = c.exec(plan.sql, plan.params);
        for (int i = 0; i < r.rows(); ++i) page.entries.push_back(read_entry(r, i));
        if (static_cast<int>(page.entries.size()) > limit) {
            page.entries.pop_back();
            page.next_cursor = page.entries.back().id;
        }
        return page;
    });
}

std::string PgStore::explain_actions(const core::ActionLogQuery& f) {
    return snapshot([&](Connection& c) {
        const auto plan = plan_page(c, f, std::clamp(f.limit, 1, 1000));
        if (plan.empty) return std::string("(none: the bounds leave nothing to read)");
        const auto r = c.exec("EXPLAIN " + plan.sql, plan.params);
        std::string out;
        for (int i = 0; i < r.rows(); ++i) out += r.text(i, 0) + "\n";
        return out;
    });
}

std::vector<core::LoginCount> PgStore::count_logins(core::UnixTime since, core::UnixTime until,
                                                    core::UnixTime bucket_seconds) {
    const std::int64_t hours_per_bucket = std::max<std::int64_t>(1, bucket_seconds / 3600);
    const auto r =
        run("SELECT hour / $1::bigint, action, failure_type, interface, sum(count) "
            "FROM action_log_login_counts WHERE hour >= $2::bigint AND hour < $3::bigint "
            "GROUP BY 1, 2, 3, 4 ORDER BY 1, action COLLATE \"C\", failure_type COLLATE \"C\", "
            "interface COLLATE \"C\"",
            {hours_per_bucket, since / core::kLoginCountHour,
             (until + core::kLoginCountHour - 1) / core::kLoginCountHour});
    std::vector<core::LoginCount> out;
    for (int i = 0; i < r.rows(); ++i) {
        core::LoginCount c;
        c.start = r.i64(i, 0) * hours_per_bucket * core::kLoginCountHour;
        c.action = r.text(i, 1);
        c.failure_type =
            core::parse_failure_reason(r.text(i, 2)).value_or(core::FailureReason::none);
        c.interface = core::parse_interface(r.text(i, 3)).value_or(core::Interface::cli);
        c.count = r.i64(i, 4);
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace drawbridge::store::pg
