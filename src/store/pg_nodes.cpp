// The node registry on PostgreSQL (docs/cluster.md#node-registry).
#include "store/pg_store_impl.h"

namespace drawbridge::store::pg {

void PgStore::save_node(const core::NodeRecord& n) {
    run("INSERT INTO nodes (name, region, version, listeners, started_at, heartbeat_at, "
        "stopped_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE SET "
        "region = excluded.region, version = excluded.version, listeners = excluded.listeners, "
        "started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, "
        "stopped_at = excluded.stopped_at",
        {n.name, n.region, n.version, n.listeners, n.started_at, n.heartbeat_at,
         n.stopped_at ? Param(*n.stopped_at) : Param(nullptr)});
}

std::vector<core::NodeRecord> PgStore::list_nodes() {
    const auto r =
        run("SELECT name, region, version, listeners, started_at, heartbeat_at, stopped_at "
            "FROM nodes ORDER BY name");
    std::vector<core::NodeRecord> out;
    for (int i = 0; i < r.rows(); ++i) {
        core::NodeRecord n;
        n.name = r.text(i, 0);
        n.region = r.text(i, 1);
        n.version = r.text(i, 2);
        n.listeners = r.text(i, 3);
        n.started_at = r.i64(i, 4);
        n.heartbeat_at = r.i64(i, 5);
        if (!r.null(i, 6)) n.stopped_at = r.i64(i, 6);
        out.push_back(std::move(n));
    }
    return out;
}

bool PgStore::delete_node(const std::string& name) {
    return run("DELETE FROM nodes WHERE name = $1", {name}).affected() == 1;
}

}  // namespace drawbridge::store::pg
