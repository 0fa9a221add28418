#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "core/work_pool.h"

namespace drawbridge::core {
namespace {

TEST(WorkPoolTest, WaitingJobsRunLowestPriorityFirstThenInOrder) {
    WorkPool pool(1);
    std::promise<void> release;
    auto gate = release.get_future().share();
    std::mutex m;
    std::vector<int> order;
    std::atomic<int> done{0};
    pool.submit([gate] { gate.wait(); });  // holds the only thread while the others queue
    auto job = [&](int tag) {
        return [&, tag] {
            std::lock_guard lock(m);
            order.push_back(tag);
            ++done;
        };
    };
    pool.submit(job(1), 5);
    pool.submit(job(2), 0);
    pool.submit(job(3), -1);
    pool.submit(job(4), 0);
    release.set_value();
    for (int i = 0; i < 200 && done < 4; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(order, (std::vector<int>{3, 2, 4, 1}));
}

TEST(WorkPoolTest, StopDropsQueuedJobsAndIgnoresNewOnes) {
    WorkPool pool(1);
    std::promise<void> release;
    auto gate = release.get_future().share();
    std::atomic<int> ran{0};
    std::promise<void> started;
    pool.submit([gate, &ran, &started] {
        started.set_value();
        gate.wait();
        ++ran;
    });
    pool.submit([&ran] { ran += 10; });
    // The first job must be running before stop() begins, and stop() must have begun (it
    // cannot be observed) before the job ends: generous waits, for loaded machines.
    started.get_future().wait();
    std::thread stopper([&] { pool.stop(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    release.set_value();
    stopper.join();
    pool.submit([&ran] { ran += 100; });
    EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace drawbridge::core
