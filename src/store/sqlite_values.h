// Reading and binding SQLite's nullable integers, shared by the store's SQLite files.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>

namespace drawbridge::store {

inline std::optional<std::int64_t> opt_int(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return c.getInt64();
}

inline void bind_opt(SQLite::Statement& q, int i, const std::optional<std::int64_t>& v) {
    if (v)
        q.bind(i, static_cast<int64_t>(*v));
    else
        q.bind(i);
}

}  // namespace drawbridge::store
