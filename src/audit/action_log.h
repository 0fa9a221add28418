// Writing and querying the action log: logins, failures with their reasons, file operations,
// administrative changes.
#pragma once

#include <string>

#include "core/action_log.h"
#include "core/clock.h"
#include "store/store.h"

namespace drawbridge::audit {

class ActionLog {
  public:
    ActionLog(store::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}

    // Stamps created_at (when unset) and writes the entry; returns its id.
    std::int64_t record(core::ActionLogEntry entry);
    core::ActionLogPage search(const core::ActionLogQuery& query) {
        return store_.query_actions(query);
    }

  private:
    store::Store& store_;
    const core::Clock& clock_;
};

// Files.com's `display`: one human sentence for an entry.
std::string display(const core::ActionLogEntry& e);

}  // namespace drawbridge::audit
