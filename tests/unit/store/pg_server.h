// A real PostgreSQL 15 server for the store's tests (docs/store.md#tests): started on first
// use, once per test process, on 127.0.0.1 at a free port with trust authentication, and
// stopped when the process ends. Each test gets a database of its own.
#pragma once

#include <filesystem>
#include <string>

namespace drawbridge::store::testing {

class PgServer {
  public:
    // The server of this process, started on the first call; throws std::runtime_error when
    // it cannot be (PostgreSQL missing: scripts/install-deps.sh installs it).
    static PgServer& get();
    // A new, empty database; returns its connection URI.
    std::string new_database();
    std::string uri(const std::string& database) const;
    void stop();
    ~PgServer() { stop(); }

  private:
    PgServer() = default;
    void start();

    std::filesystem::path dir_;
    int port_ = 0;
    int databases_ = 0;
    bool running_ = false;
};

}  // namespace drawbridge::store::testing
