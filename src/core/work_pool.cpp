#include "core/work_pool.h"

namespace drawbridge::core {

WorkPool::WorkPool(unsigned threads) {
    for (unsigned i = 0; i < std::max(1u, threads); ++i) threads_.emplace_back([this] { run(); });
}

void WorkPool::submit(std::function<void()> job, int priority) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        jobs_.emplace(std::make_pair(priority, next_order_++), std::move(job));
    }
    ready_.notify_one();
}

void WorkPool::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
        jobs_.clear();
    }
    ready_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

void WorkPool::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            auto first = jobs_.begin();
            job = std::move(first->second);
            jobs_.erase(first);
        }
        job();
    }
}

}  // namespace drawbridge::core
