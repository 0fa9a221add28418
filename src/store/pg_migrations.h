#pragma once

#include <string_view>
#include <vector>

namespace drawbridge::store {

// The PostgreSQL schema: step i (0-based) takes a database from version i to i + 1, the same
// numbered steps as migrations() (the SQLite schema), so that one version number means one set
// of tables on either backend.
const std::vector<std::string_view>& pg_migrations();

}  // namespace drawbridge::store
