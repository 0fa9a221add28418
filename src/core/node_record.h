// One node of a site in the node registry (docs/cluster.md#node-registry): every running node
// writes its row at start and then every kHeartbeatSeconds, so any node, the CLI and the API
// can show which nodes serve the site, in which region, and which have stopped or gone silent.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"

namespace drawbridge::core {

struct NodeRecord {
    std::string name;       // node setting node_name (default: the host name)
    std::string region;     // node setting region
    std::string version;    // "drawbridge 0.1.0, schema 12": what the node runs
    std::string listeners;  // "sftp 0.0.0.0:2022, ftp 0.0.0.0:2121, ..."
    UnixTime started_at = 0;
    UnixTime heartbeat_at = 0;
    std::optional<UnixTime> stopped_at;  // a clean stop; a crash leaves it empty
};

inline constexpr UnixTime kHeartbeatSeconds = 10;
// A node that has not written its heartbeat for this long is shown as missing.
inline constexpr UnixTime kNodeMissingSeconds = 3 * kHeartbeatSeconds;

// up, stopped (it said so) or missing (no heartbeat for kNodeMissingSeconds).
std::string_view node_status(const NodeRecord& n, UnixTime now);

}  // namespace drawbridge::core
