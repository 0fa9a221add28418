#include "core/node_record.h"

namespace drawbridge::core {

std::string_view node_status(const NodeRecord& n, UnixTime now) {
    if (n.stopped_at) return "stopped";
    return now - n.heartbeat_at > kNodeMissingSeconds ? "missing" : "up";
}

}  // namespace drawbridge::core
