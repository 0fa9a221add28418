// How one action-log search reads the log: which index drives it, and the statement of its page
// (the reasoning is at ActionLogPlanner::plan_page). SqliteStore runs it on its own connection,
// under its lock and inside one read snapshot.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/action_log.h"

namespace drawbridge::store {

using Value = std::variant<std::int64_t, std::string>;

// Binds `values` to the statement's parameters 1, 2, ...
void bind_all(SQLite::Statement& q, const std::vector<Value>& values);

// The page statement of one search, or nothing when the bounds alone show the page is empty.
struct PagePlan {
    bool empty = false;
    std::string sql;
    std::vector<Value> values;
};

class ActionLogPlanner {
  public:
    explicit ActionLogPlanner(SQLite::Database& db) : db_(db) {}

    // The statement of one page of `f`, `limit` entries plus one (to tell if a page follows).
    PagePlan plan_page(const core::ActionLogQuery& f, int limit);

  private:
    std::optional<std::int64_t> first_id_with_high_water_at_least(core::UnixTime t);
    std::optional<std::int64_t> last_id_with_high_water_below(std::int64_t bound);
    std::int64_t high_water_bound(core::UnixTime until);
    std::int64_t max_action_id();
    std::int64_t count_up_to(const char* column, const char* index, const std::string& value,
                             const char* collate, std::optional<std::int64_t> lo,
                             std::optional<std::int64_t> hi, int cap);

    SQLite::Database& db_;
};

}  // namespace drawbridge::store
