#include "store/sqlite_nodes.h"

namespace drawbridge::store::sqlite_nodes {

void save(SQLite::Database& db, const core::NodeRecord& n) {
    SQLite::Statement q(db,
                        "INSERT OR REPLACE INTO nodes (name, region, version, listeners, "
                        "started_at, heartbeat_at, stopped_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, n.name);
    q.bind(2, n.region);
    q.bind(3, n.version);
    q.bind(4, n.listeners);
    q.bind(5, static_cast<int64_t>(n.started_at));
    q.bind(6, static_cast<int64_t>(n.heartbeat_at));
    if (n.stopped_at)
        q.bind(7, static_cast<int64_t>(*n.stopped_at));
    else
        q.bind(7);
    q.exec();
}

std::vector<core::NodeRecord> list(SQLite::Database& db) {
    SQLite::Statement q(db,
                        "SELECT name, region, version, listeners, started_at, heartbeat_at, "
                        "stopped_at FROM nodes ORDER BY name");
    std::vector<core::NodeRecord> out;
    while (q.executeStep()) {
        core::NodeRecord n;
        n.name = q.getColumn(0).getString();
        n.region = q.getColumn(1).getString();
        n.version = q.getColumn(2).getString();
        n.listeners = q.getColumn(3).getString();
        n.started_at = q.getColumn(4).getInt64();
        n.heartbeat_at = q.getColumn(5).getInt64();
        if (!q.getColumn(6).isNull()) n.stopped_at = q.getColumn(6).getInt64();
        out.push_back(std::move(n));
    }
    return out;
}

bool remove(SQLite::Database& db, const std::string& name) {
    SQLite::Statement q(db, "DELETE FROM nodes WHERE name = ?");
    q.bind(1, name);
    return q.exec() == 1;
}

}  // namespace drawbridge::store::sqlite_nodes
