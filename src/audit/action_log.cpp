#include "audit/action_log.h"

namespace drawbridge::audit {

std::int64_t ActionLog::record(core::ActionLogEntry entry) {
    if (entry.created_at == 0) entry.created_at = clock_.now();
    store_.append_action(entry);
    return entry.id;
}

std::string display(const core::ActionLogEntry& e) {
    const std::string who = e.username.empty() ? std::string("someone") : "'" + e.username + "'";
    const std::string via = std::string(core::to_string(e.interface));
    const std::string from = e.ip.empty() ? "" : " from " + e.ip;
    std::string s;
    if (e.action == "login") {
        s = who + " logged in over " + via + from;
    } else if (e.action == "failedlogin") {
        const auto& info = core::info(e.failure_type);
        s = "Failed login by " + who + " over " + via + from + ": " + std::string(info.title);
        if (!e.detail.empty()) s += " (" + e.detail + ")";
    } else {
        s = who + " " + e.action + " over " + via + from;
        if (!e.path.empty()) s += ": " + e.path;
        if (!e.destination.empty()) s += " -> " + e.destination;
        if (!e.detail.empty()) s += " (" + e.detail + ")";
    }
    return s;
}

}  // namespace drawbridge::audit
