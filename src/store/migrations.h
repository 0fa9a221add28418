#pragma once

#include <string_view>
#include <vector>

namespace drawbridge::store {

// Migration i (0-based) takes a database from schema version i to i + 1.
const std::vector<std::string_view>& migrations();

}  // namespace drawbridge::store
