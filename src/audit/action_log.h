// Writing and querying the action log: logins, failures with their reasons, file operations,
// administrative changes.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/action_log.h"
#include "core/clock.h"
#include "store/store.h"

namespace drawbridge::audit {

class ActionLog {
  public:
    // One entry on its way to the database; a protocol that must not hold its thread while
    // the entry commits keeps this and asks to be called back (when_committed).
    class Pending {
      public:
        explicit Pending(core::ActionLogEntry e) : entry_(std::move(e)) {}

      private:
        friend class ActionLog;
        core::ActionLogEntry entry_;
        bool done_ = false;
        std::exception_ptr error_;
        std::function<void(std::exception_ptr)> then_;
    };
    using Ticket = std::shared_ptr<Pending>;

    ActionLog(store::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}
    // Commits what is still queued, then stops the writer.
    ~ActionLog();
    ActionLog(const ActionLog&) = delete;
    ActionLog& operator=(const ActionLog&) = delete;

    // Stamps created_at (when unset) and writes the entry; returns its id once the entry is
    // committed. Entries recorded at the same moment share one commit
    // (docs/action-log.md#group-commit); each caller still returns only when its own is durable.
    std::int64_t record(core::ActionLogEntry entry);
    // The same without waiting: the entry is queued for the next commit. Null when the entry
    // was written at once, inside the store transaction of this thread.
    Ticket record_later(core::ActionLogEntry entry);
    // Calls `then` once every ticket's entry is committed, with the first error if a commit
    // failed: at once on this thread when they are, else on the writer's thread. The tickets
    // are committed in the order they were recorded.
    void when_committed(std::vector<Ticket> tickets, std::function<void(std::exception_ptr)> then);
    // Returns once everything recorded so far is committed and its callbacks have run.
    void flush();

    core::ActionLogPage search(const core::ActionLogQuery& query) {
        return store_.query_actions(query);
    }

  private:
    bool written_in_transaction(core::ActionLogEntry& entry);
    Ticket enqueue(core::ActionLogEntry entry);
    void write_batches();

    store::Store& store_;
    const core::Clock& clock_;
    std::mutex mutex_;
    std::condition_variable queued_cv_, committed_cv_;
    std::vector<Ticket> queued_;
    bool writing_ = false;  // a batch is being committed (flush waits for it)
    bool stopping_ = false;
    std::thread writer_;  // started by the first entry that is not inside a transaction
};

// Files.com's `display`: one human sentence for an entry.
std::string display(const core::ActionLogEntry& e);

}  // namespace drawbridge::audit
