#include "audit/action_log.h"

namespace drawbridge::audit {

std::int64_t ActionLog::record(core::ActionLogEntry entry) {
    if (entry.created_at == 0) entry.created_at = clock_.now();
    // Inside a store transaction the entry commits (or rolls back) with what it describes; and
    // the store is held by this thread, so a commit by another would wait for it.
    if (store_.in_transaction()) {
        store_.append_action(entry);
        return entry.id;
    }
    // Group commit: whoever finds no commit running commits everything queued so far, while
    // the entries that arrive meanwhile queue for the next one. No thread of its own, and no
    // caller returns before its entry is on disk, so a crash loses nothing that was answered.
    Waiting self{.entry = &entry, .done = false, .error = nullptr};
    std::unique_lock lock(mutex_);
    queued_.push_back(&self);
    while (!self.done) {
        if (committing_)
            committed_.wait(lock);
        else
            commit_queued(lock);
    }
    if (self.error) std::rethrow_exception(self.error);
    return entry.id;
}

void ActionLog::commit_queued(std::unique_lock<std::mutex>& lock) {
    committing_ = true;
    std::vector<Waiting*> batch;
    batch.swap(queued_);
    lock.unlock();
    std::vector<core::ActionLogEntry*> entries;
    entries.reserve(batch.size());
    for (auto* w : batch) entries.push_back(w->entry);
    std::exception_ptr error;
    try {
        store_.append_actions(entries);
    } catch (...) {
        error = std::current_exception();  // each caller of the batch gets it
    }
    lock.lock();
    for (auto* w : batch) {
        w->done = true;
        w->error = error;
    }
    committing_ = false;
    committed_.notify_all();
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
