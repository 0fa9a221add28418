#include "auth/login_pool.h"

#include <spdlog/spdlog.h>

#include <thread>

namespace drawbridge::auth {

LoginPool::LoginPool(LoginGate& gate, unsigned threads)
    : gate_(gate),
      pool_(threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency())) {}

LoginPool::Client::Client(LoginPool& pool) : pool_(pool) {}

void LoginPool::Client::submit(const std::string& ip, std::function<void()> job) {
    const int priority = pool_.gate_.queue_priority(ip);
    pool_.pool_.submit(
        [state = state_, job = std::move(job)] {
            {
                std::lock_guard lock(state->mutex);
                if (state->stopped) return;
                ++state->running;
            }
            // The jobs catch what they throw (decide, run): `running` always comes down again.
            job();
            std::lock_guard lock(state->mutex);
            if (--state->running == 0) state->idle.notify_all();
        },
        priority);
}

void LoginPool::Client::decide(core::LoginAttempt attempt, Done done) {
    const std::string ip = attempt.client_ip;
    submit(ip, [gate = &pool_.gate_, attempt = std::move(attempt), done = std::move(done)] {
        std::optional<core::LoginOutcome> outcome;
        try {
            outcome = gate->attempt(attempt);
        } catch (const std::exception& e) {
            spdlog::error("{}: {}: login check failed: {}", core::to_string(attempt.interface),
                          attempt.client_ip, e.what());
        }
        try {
            done(std::move(outcome));
        } catch (const std::exception& e) {
            spdlog::error("{}: {}: cannot hand back a login's outcome: {}",
                          core::to_string(attempt.interface), attempt.client_ip, e.what());
        }
    });
}

void LoginPool::Client::run(const std::string& ip, std::function<void()> job) {
    submit(ip, [job = std::move(job), ip] {
        try {
            job();
        } catch (const std::exception& e) {
            spdlog::error("{}: gate work failed: {}", ip, e.what());
        }
    });
}

void LoginPool::Client::stop() {
    std::unique_lock lock(state_->mutex);
    state_->stopped = true;
    state_->idle.wait(lock, [this] { return state_->running == 0; });
}

}  // namespace drawbridge::auth
