// What the SQLite store shows beyond the Store interface: how it will run a query, so that its
// tests and benchmark can check that every search walks an index instead of the whole log.
#pragma once

#include <string>

#include "core/action_log.h"
#include "store/store.h"

namespace drawbridge::store {

// SQLite's EXPLAIN QUERY PLAN for the page statement query_actions(query) would run, one plan
// line per row (for example "SEARCH action_log USING INDEX action_log_ip (ip=? AND rowid<?)").
// `store` must come from open_sqlite_store; throws StoreError otherwise.
std::string explain_query_actions(Store& store, const core::ActionLogQuery& query);

}  // namespace drawbridge::store
