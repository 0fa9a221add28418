// LoginPool: the one set of threads where the logins of every listener are decided, so that a
// password hash (hundreds of milliseconds of one core by design) never runs on a thread that
// serves connections, and so that the logins of addresses with a clean record go ahead of a
// storm of guesses on every protocol at once (docs/login-gate.md#hashing-pool).
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth/login_gate.h"
#include "core/login.h"
#include "core/work_pool.h"

namespace drawbridge::auth {

class LoginPool {
  public:
    // `threads` 0: one per core.
    LoginPool(LoginGate& gate, unsigned threads = 0);
    ~LoginPool() { stop(); }
    LoginPool(const LoginPool&) = delete;
    LoginPool& operator=(const LoginPool&) = delete;

    // Drops the queued work and waits for the running work.
    void stop() { pool_.stop(); }

    // One listener's share of the pool. A listener stops on its own (its event loops and the
    // connections they hold go away): stop() then drops this client's queued work and waits
    // for its running work, whose completion may still touch the listener.
    class Client {
      public:
        explicit Client(LoginPool& pool);
        ~Client() { stop(); }
        Client(const Client&) = delete;
        Client& operator=(const Client&) = delete;

        // Decides `attempt` on a pool thread, queued by the gate's priority for its address;
        // `done` runs there with the outcome, or nullopt when it could not be decided (the
        // store unavailable: logged, and the attempt refused by the caller).
        using Done = std::function<void(std::optional<core::LoginOutcome>)>;
        void decide(core::LoginAttempt attempt, Done done);
        // Other gate work on behalf of `ip` that may wait on the store (scoring a connection
        // that never logged in), queued like its logins.
        void run(const std::string& ip, std::function<void()> job);
        void stop();

      private:
        struct State {
            std::mutex mutex;
            std::condition_variable idle;
            int running = 0;
            bool stopped = false;
        };
        void submit(const std::string& ip, std::function<void()> job);

        LoginPool& pool_;
        std::shared_ptr<State> state_ = std::make_shared<State>();
    };

    LoginGate& gate() { return gate_; }

  private:
    LoginGate& gate_;
    core::WorkPool pool_;
};

}  // namespace drawbridge::auth
