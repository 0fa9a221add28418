// The SQLite statements of the node registry (docs/cluster.md#node-registry). SqliteStore calls
// these under its lock and turns SQLite's exceptions into the store's.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <vector>

#include "core/node_record.h"

namespace drawbridge::store::sqlite_nodes {

void save(SQLite::Database& db, const core::NodeRecord& node);
std::vector<core::NodeRecord> list(SQLite::Database& db);
bool remove(SQLite::Database& db, const std::string& name);

}  // namespace drawbridge::store::sqlite_nodes
