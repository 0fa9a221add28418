// This node's row in the node registry (docs/cluster.md#node-registry): written when the node
// is ready, every core::kHeartbeatSeconds while it serves, and marked stopped on a clean stop.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/node_record.h"
#include "store/store.h"

namespace drawbridge::app {

class NodeHeartbeat {
  public:
    NodeHeartbeat(store::Store& store, const core::Clock& clock, core::NodeRecord self);
    ~NodeHeartbeat();  // stop()
    NodeHeartbeat(const NodeHeartbeat&) = delete;
    NodeHeartbeat& operator=(const NodeHeartbeat&) = delete;

    // Writes the row now and then on every beat, on a thread of its own.
    void start();
    // Ends the beats and records the stop.
    void stop();

  private:
    void beat();
    void run();

    store::Store& store_;
    const core::Clock& clock_;
    core::NodeRecord self_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool warned_twin_ = false;
    std::thread thread_;
};

}  // namespace drawbridge::app
