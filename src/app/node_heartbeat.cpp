#include "app/node_heartbeat.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace drawbridge::app {

NodeHeartbeat::NodeHeartbeat(store::Store& store, const core::Clock& clock, core::NodeRecord self)
    : store_(store), clock_(clock), self_(std::move(self)) {}

NodeHeartbeat::~NodeHeartbeat() {
    stop();
}

void NodeHeartbeat::start() {
    self_.started_at = clock_.now();
    beat();
    thread_ = std::thread([this] { run(); });
}

void NodeHeartbeat::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !thread_.joinable()) return;
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    self_.heartbeat_at = clock_.now();
    self_.stopped_at = self_.heartbeat_at;
    try {
        store_.save_node(self_);
    } catch (const std::exception& e) {
        spdlog::warn("node registry: could not record the stop of {}: {}", self_.name, e.what());
    }
}

void NodeHeartbeat::beat() {
    try {
        // Two nodes under one name would overwrite each other's row: the registry would show
        // one node where two serve. Said once, since only the administrator can fix it.
        if (!warned_twin_) {
            for (const auto& other : store_.list_nodes())
                if (other.name == self_.name && other.started_at != self_.started_at &&
                    !other.stopped_at && self_.heartbeat_at != 0 &&
                    core::node_status(other, clock_.now()) == "up") {
                    spdlog::warn(
                        "node registry: another node also calls itself '{}' (started {}); give "
                        "each node its own node_name",
                        self_.name, core::format_time(other.started_at));
                    warned_twin_ = true;
                }
        }
        self_.heartbeat_at = clock_.now();
        store_.save_node(self_);
    } catch (const std::exception& e) {
        // The database may be away for a moment (a PostgreSQL restart): the next beat retries.
        spdlog::warn("node registry: heartbeat of {} failed: {}", self_.name, e.what());
    }
}

void NodeHeartbeat::run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::seconds(core::kHeartbeatSeconds),
                           [this] { return stopping_; })) {
        lock.unlock();
        beat();
        lock.lock();
    }
}

}  // namespace drawbridge::app
