// The HTTPS listener (and an optional plain HTTP one): Boost.Beast on a pool of io_context
// threads, one coroutine per connection. It knows HTTP framing and TLS only; what a request
// means is the Handler's business (one Handler per connection, from `make_handler`).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/login_pool.h"
#include "http/message.h"

namespace drawbridge::http {

struct ServerOptions {
    std::string address = "127.0.0.1";
    int https_port = 8443;  // 0 picks a free port; -1 none
    int plain_port = -1;    // -1: no plain HTTP listener
    std::filesystem::path certificate;
    std::filesystem::path private_key;
    int threads = 0;  // io_context threads; 0: one per core
    int idle_timeout_seconds = 120;
    // Load balancers (CIDRs, node config proxy.trusted) whose connections must start with a
    // PROXY protocol header naming the client; anyone else's header closes the connection.
    std::vector<std::string> proxy_trusted;
    std::chrono::milliseconds proxy_header_timeout{3000};
    // Called on the connection's thread for each accepted connection, with the client's
    // address (the PROXY header's, behind a trusted balancer).
    std::function<std::unique_ptr<Handler>(const std::string& client_ip, bool secure)> make_handler;
    // Asked for every accepted connection before the TLS handshake, with the client's address:
    // false closes it (an address that is banned, block-listed or in no allow list). Unset:
    // everyone is admitted.
    std::function<bool(const std::string& client_ip)> admit;
    // Where requests that may decide a login run (Handler::may_hash), queued by the address's
    // priority, and where a connection that never attempted a login is reported to the gate
    // (LoginGate::connection_abandoned); null: logins on the I/O threads, no such reports.
    auth::LoginPool* logins = nullptr;
    // Called at stop, once the I/O threads have ended and before the connections go: whatever
    // may still call back into a connection finishes here (the action log's commit callbacks,
    // Handler::when_recorded).
    std::function<void()> drain;
};

class Server {
  public:
    explicit Server(ServerOptions options);
    ~Server();

    // Binds the ports (throws core::ListenError: 0 HTTPS, 1 plain HTTP) and starts the threads.
    void start();
    void stop();
    int https_port() const;  // the bound port, -1 when not listening
    int plain_port() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace drawbridge::http
