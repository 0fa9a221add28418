// The FTP listeners: explicit FTPS (and plain FTP where the site allows it) on one port,
// implicit FTPS on another, served by a small pool of single-threaded io_contexts.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "audit/action_log.h"
#include "auth/login_pool.h"
#include "ftp/options.h"
#include "store/store.h"

namespace drawbridge::ftp {

class Server {
  public:
    Server(ServerOptions options, auth::LoginPool& logins, audit::ActionLog& log,
           store::Store& store);
    ~Server();

    // Makes the certificate if needed, binds both ports (throws core::ListenError: 0 explicit,
    // 1 implicit) and starts serving.
    void start();
    void stop();
    int port() const { return port_; }
    int implicit_port() const { return implicit_port_; }  // -1 when none
    int live_sessions() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    int port_ = 0;
    int implicit_port_ = -1;
};

}  // namespace drawbridge::ftp
