// A fixed set of threads that run submitted jobs in order: where CPU-heavy work (a password
// hash) goes, so that an event loop serving many connections never waits for it.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace drawbridge::core {

class WorkPool {
  public:
    explicit WorkPool(unsigned threads);
    ~WorkPool() { stop(); }
    WorkPool(const WorkPool&) = delete;
    WorkPool& operator=(const WorkPool&) = delete;

    // Queues `job`; ignored once stop() has begun.
    void submit(std::function<void()> job);
    // Lets the running jobs finish, drops the queued ones, and joins the threads.
    void stop();

  private:
    void run();

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace drawbridge::core
