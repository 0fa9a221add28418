// Writing and querying the action log: logins, failures with their reasons, file operations,
// administrative changes.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "core/action_log.h"
#include "core/clock.h"
#include "store/store.h"

namespace drawbridge::audit {

class ActionLog {
  public:
    ActionLog(store::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}

    // Stamps created_at (when unset) and writes the entry; returns its id once the entry is
    // committed. Entries recorded at the same moment by several threads share one commit
    // (docs/action-log.md#group-commit); each caller still returns only when its own is durable.
    std::int64_t record(core::ActionLogEntry entry);
    core::ActionLogPage search(const core::ActionLogQuery& query) {
        return store_.query_actions(query);
    }

  private:
    struct Waiting {
        core::ActionLogEntry* entry;
        bool done = false;
        std::exception_ptr error;
    };
    void commit_queued(std::unique_lock<std::mutex>& lock);

    store::Store& store_;
    const core::Clock& clock_;
    std::mutex mutex_;
    std::condition_variable committed_;
    std::vector<Waiting*> queued_;
    bool committing_ = false;
};

// Files.com's `display`: one human sentence for an entry.
std::string display(const core::ActionLogEntry& e);

}  // namespace drawbridge::audit
