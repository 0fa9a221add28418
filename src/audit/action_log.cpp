#include "audit/action_log.h"

#include <algorithm>

namespace drawbridge::audit {

ActionLog::~ActionLog() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    queued_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
}

// Inside a store transaction the entry commits (or rolls back) with what it describes; and the
// store is held by this thread, so the writer's commit would wait for it.
bool ActionLog::written_in_transaction(core::ActionLogEntry& entry) {
    if (entry.created_at == 0) entry.created_at = clock_.now();
    if (!store_.in_transaction()) return false;
    store_.append_action(entry);
    return true;
}

std::int64_t ActionLog::record(core::ActionLogEntry entry) {
    if (written_in_transaction(entry)) return entry.id;
    auto t = enqueue(std::move(entry));
    std::unique_lock lock(mutex_);
    committed_cv_.wait(lock, [&] { return t->done_; });
    if (t->error_) std::rethrow_exception(t->error_);
    return t->entry_.id;
}

ActionLog::Ticket ActionLog::record_later(core::ActionLogEntry entry) {
    if (written_in_transaction(entry)) return nullptr;
    return enqueue(std::move(entry));
}

ActionLog::Ticket ActionLog::enqueue(core::ActionLogEntry entry) {
    auto t = std::make_shared<Pending>(std::move(entry));
    {
        std::lock_guard lock(mutex_);
        if (!writer_.joinable()) writer_ = std::thread([this] { write_batches(); });
        queued_.push_back(t);
    }
    queued_cv_.notify_one();
    return t;
}

// Group commit: the writer takes everything queued so far and commits it in one transaction,
// while the entries that arrive meanwhile queue for the next one. Under load, N requests share
// one sync instead of paying N, and no caller is answered before its entry is on disk.
void ActionLog::write_batches() {
    std::unique_lock lock(mutex_);
    for (;;) {
        queued_cv_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
        if (queued_.empty()) return;  // stopping, nothing left
        std::vector<Ticket> batch;
        batch.swap(queued_);
        writing_ = true;
        lock.unlock();
        std::vector<core::ActionLogEntry*> entries;
        entries.reserve(batch.size());
        for (auto& t : batch) entries.push_back(&t->entry_);
        std::exception_ptr error;
        try {
            store_.append_actions(entries);
        } catch (...) {
            error = std::current_exception();  // each entry of the batch gets it
        }
        std::vector<std::function<void(std::exception_ptr)>> thens;
        lock.lock();
        for (auto& t : batch) {
            t->done_ = true;
            t->error_ = error;
            if (t->then_) thens.push_back(std::move(t->then_));
        }
        lock.unlock();
        committed_cv_.notify_all();
        for (auto& then : thens) then(error);
        lock.lock();
        writing_ = false;
        committed_cv_.notify_all();
    }
}

void ActionLog::when_committed(std::vector<Ticket> tickets,
                               std::function<void(std::exception_ptr)> then) {
    std::erase(tickets, nullptr);
    std::unique_lock lock(mutex_);
    const auto first_error = [&]() -> std::exception_ptr {
        for (auto& t : tickets)
            if (t->error_) return t->error_;
        return nullptr;
    };
    if (tickets.empty() || tickets.back()->done_) {
        const auto error = first_error();
        lock.unlock();
        then(error);
        return;
    }
    // Batches commit in order, so the last ticket done means all are; the earlier ones'
    // errors are read then.
    tickets.back()->then_ = [tickets, then = std::move(then)](std::exception_ptr error) {
        for (auto& t : tickets)
            if (!error && t->error_) error = t->error_;
        then(error);
    };
}

void ActionLog::flush() {
    std::unique_lock lock(mutex_);
    committed_cv_.wait(lock, [&] { return queued_.empty() && !writing_; });
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
