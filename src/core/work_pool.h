// A fixed set of threads that run submitted jobs, lowest priority value first and in order
// within a priority: where CPU-heavy work (a password hash) goes, so that an event loop serving
// many connections never waits for it, and so that a storm of guesses queues behind the logins
// of addresses with a clean record.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
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
    void submit(std::function<void()> job, int priority = 0);
    // Lets the running jobs finish, drops the queued ones, and joins the threads.
    void stop();

  private:
    void run();

    std::mutex mutex_;
    std::condition_variable ready_;
    std::map<std::pair<int, std::uint64_t>, std::function<void()>> jobs_;  // (priority, order)
    std::uint64_t next_order_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace drawbridge::core
