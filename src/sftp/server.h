// The SFTP listener: our sockets, libssh for the SSH transport and user authentication (every
// attempt through LoginGate), and our own SFTP v3 engine on the channel's data.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "audit/action_log.h"
#include "auth/login_gate.h"
#include "auth/login_pool.h"
#include "core/cidr.h"
#include "sftp/session.h"
#include "vfs/file_session.h"

namespace drawbridge::sftp {

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::vector<int> ports = {2022};  // 0 picks a free port (tests)
    std::filesystem::path host_key_dir;
    int idle_timeout_seconds = 120;
    int workers = 0;  // event-loop threads; 0: one per core
    // Open handles (files and folders) a session, and a user across its sessions, may hold.
    std::size_t max_handles_per_session = HandleCounter::kDefaultPerSession;
    std::size_t max_handles_per_user = HandleCounter::kDefaultPerUser;
    // Legacy SSH algorithms for every connection (the site setting sftp_insecure_ciphers does the
    // same at run time).
    bool legacy_algorithms = false;
    // Load balancers whose connections must start with a PROXY protocol header (v1 or v2);
    // the header's source address is then the client's. Everyone else must not send one.
    std::vector<std::string> proxy_trusted;
    std::chrono::milliseconds proxy_header_timeout{3000};
    // Opens a logged-in user's files (root, folder permissions, upload mode).
    vfs::FileSessionOpener open_files;
};

// Generates the Ed25519, ECDSA P-256 and RSA 3072 host keys that are missing (mode 0600) and
// returns the paths of all three.
std::vector<std::filesystem::path> ensure_host_keys(const std::filesystem::path& dir);

class Server {
  public:
    Server(ServerOptions options, auth::LoginPool& logins, audit::ActionLog& log);
    ~Server();

    // Binds every port (throws core::ListenError with the index in `ports`) and starts
    // accepting.
    void start();
    void stop();
    const std::vector<int>& bound_ports() const { return bound_ports_; }
    int connection_count() const;

  private:
    struct Worker;
    void accept_loop(int listen_fd);
    // Applies the PROXY protocol to an accepted socket: false when it must be closed.
    bool client_address(int fd, std::string& ip, bool& score_if_abandoned, bool& await_first_bytes);

    ServerOptions options_;
    auth::LoginGate& gate_;
    audit::ActionLog& log_;
    auth::LoginPool::Client logins_;  // login decisions (password hashing)
    // Shared by every connection; declared before workers_, which outlive it otherwise.
    std::unique_ptr<HandleCounter> handles_;
    core::CidrList proxy_trusted_;
    std::vector<std::filesystem::path> host_keys_;
    std::vector<int> listen_fds_;
    std::vector<int> bound_ports_;
    std::vector<std::thread> acceptors_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<bool> stopping_{false};
};

}  // namespace drawbridge::sftp
