#include "sftp/server.h"

#include "core/listen_error.h"

#include <arpa/inet.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <system_error>
#include <unordered_map>

#include "core/cidr.h"
#include "core/proxy_socket.h"
#include "sftp/connection.h"

namespace drawbridge::sftp {
namespace fs = std::filesystem;

namespace {

struct HostKeySpec {
    const char* file;
    ssh_keytypes_e type;
    int bits;
};
constexpr HostKeySpec kHostKeys[] = {
    {"ssh_host_ed25519_key", SSH_KEYTYPE_ED25519, 0},
    {"ssh_host_ecdsa_key", SSH_KEYTYPE_ECDSA_P256, 256},
    {"ssh_host_rsa_key", SSH_KEYTYPE_RSA, 3072},
};

std::string peer_address(const sockaddr_storage& ss) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof buf);
    else
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, buf, sizeof buf);
    // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; the log and the rules use a.b.c.d.
    if (auto ip = core::IpAddress::parse(buf)) return ip->to_string();
    return buf;
}

}  // namespace

std::vector<fs::path> ensure_host_keys(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw std::system_error(ec, "cannot create " + dir.string());
    std::vector<fs::path> out;
    for (const auto& spec : kHostKeys) {
        const fs::path path = dir / spec.file;
        out.push_back(path);
        if (fs::exists(path)) continue;
        ssh_key key = nullptr;
        if (ssh_pki_generate(spec.type, spec.bits, &key) != SSH_OK)
            throw std::runtime_error(std::string("cannot generate host key ") + spec.file);
        const fs::path tmp = path.string() + ".tmp";
        const mode_t old = umask(077);  // the private key is never readable by others, even briefly
        const int rc = ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, tmp.c_str());
        umask(old);
        ssh_key_free(key);
        if (rc != SSH_OK) throw std::runtime_error("cannot write host key " + path.string());
        fs::rename(tmp, path);
        spdlog::info("generated SSH host key {}", path.string());
    }
    return out;
}

// One event loop: a thread, its own ssh_bind (host keys parsed once), an epoll set over its
// connections' sockets, and an eventfd through which the acceptors hand it new sockets.
struct Server::Worker {
    Server& server;
    std::thread thread;
    ssh_bind bind = ssh_bind_new();
    int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    std::mutex mutex;
    struct Incoming {
        int fd;
        std::string ip;
        bool score_if_abandoned;
        bool await_first_bytes;  // an untrusted peer that had sent nothing yet at accept
    };
    std::vector<Incoming> incoming;  // guarded by mutex
    // Sockets of untrusted peers waiting (briefly) for their first bytes, to refuse a PROXY
    // header before libssh would take it for a bad banner. Keyed by the epoll cookie.
    struct Waiting {
        Incoming in;
        std::chrono::steady_clock::time_point deadline;
    };
    std::unordered_map<void*, std::unique_ptr<Waiting>> waiting;
    std::vector<std::function<void()>> completions;  // guarded by mutex
    std::uint64_t next_id = 1;
    // Worker thread only; the value says whether the socket is watched for writability.
    std::unordered_map<Connection*, std::pair<std::unique_ptr<Connection>, bool>> connections;
    std::atomic<int> load{0};

    explicit Worker(Server& s) : server(s) {
        for (const auto& key : server.host_keys_)
            ssh_bind_options_set(bind, SSH_BIND_OPTIONS_HOSTKEY, key.c_str());
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr;  // the wake-up
        ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev);
    }
    ~Worker() {
        for (auto& [key, value] : connections) value.first->skip_abandoned_report();
        connections.clear();
        for (auto& in : incoming) ::close(in.fd);
        for (auto& [key, w] : waiting) ::close(w->in.fd);
        ssh_bind_free(bind);
        ::close(wake_fd);
        ::close(epoll_fd);
    }

    void hand_over(Incoming in) {
        ++load;
        {
            std::lock_guard lock(mutex);
            incoming.push_back(std::move(in));
        }
        wake();
    }

    void wake() {
        const std::uint64_t one = 1;
        (void)!::write(wake_fd, &one, sizeof one);
    }

    // From any thread: runs `fn` on this worker's thread.
    void post(std::function<void()> fn) {
        {
            std::lock_guard lock(mutex);
            completions.push_back(std::move(fn));
        }
        wake();
    }

    // A login attempt goes to the node's hashing pool; the outcome comes back here.
    void decide(Connection& c, core::LoginAttempt attempt) {
        server.logins_.decide(std::move(attempt), [this, c = &c, id = c.id()](
                                                      std::optional<core::LoginOutcome> decided) {
            // Undecided (the store unavailable, logged): this attempt is refused.
            auto outcome = std::make_shared<core::LoginOutcome>(decided ? std::move(*decided)
                                                                        : core::LoginOutcome{});
            post([this, c, id, outcome] {
                if (!connections.contains(c) || c->id() != id) return;  // gone meanwhile
                c->on_decided(*outcome);
                step(c, std::chrono::steady_clock::now());
            });
        });
    }

    void take_incoming() {
        std::uint64_t n = 0;
        (void)!::read(wake_fd, &n, sizeof n);
        std::vector<Incoming> batch;
        std::vector<std::function<void()>> done;
        {
            std::lock_guard lock(mutex);
            batch.swap(incoming);
            done.swap(completions);
        }
        for (auto& fn : done) fn();
        for (auto& in : batch) {
            if (!in.await_first_bytes) {
                start_connection(in);
                continue;
            }
            auto w = std::make_unique<Waiting>(
                Waiting{in, std::chrono::steady_clock::now() + kFirstBytesWait});
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLRDHUP;
            ev.data.ptr = w.get();
            if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, in.fd, &ev) != 0) {
                start_connection(in);
                continue;
            }
            waiting.emplace(w.get(), std::move(w));
        }
    }

    // SSH clients send their banner at once, so this wait ends early for every real client.
    static constexpr std::chrono::milliseconds kFirstBytesWait{250};

    void first_bytes(void* key) {
        auto it = waiting.find(key);
        if (it == waiting.end()) return;
        Incoming in = std::move(it->second->in);
        waiting.erase(it);
        ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, in.fd, nullptr);
        if (core::peek_first_bytes(in.fd) == core::FirstBytes::proxy_header) {
            spdlog::warn("sftp: {}: closed: PROXY protocol header from a peer not in proxy.trusted",
                         in.ip);
            ::close(in.fd);
            --load;
            return;
        }
        start_connection(in);
    }

    void start_connection(Incoming& in) {
        const int fd = in.fd;
        const std::string& ip = in.ip;
        ssh_session session = ssh_new();
        if (ssh_bind_accept_fd(bind, session, fd) != SSH_OK) {
            spdlog::warn("sftp: {}: {}", ip, ssh_get_error(bind));
            ssh_free(session);
            ::close(fd);
            --load;
            return;
        }
        auto c = std::make_unique<Connection>(
            session, next_id++, ip, server.gate_, server.log_, server.options_, *server.handles_,
            server.gate_.site_settings(),
            [this](Connection& conn, core::LoginAttempt a) { decide(conn, std::move(a)); });
        if (!in.score_if_abandoned) c->skip_abandoned_report();
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = c.get();
        if (!c->start() || ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd(), &ev) != 0) {
            --load;
            return;
        }
        Connection* key = c.get();
        connections.emplace(key, std::make_pair(std::move(c), false));
        step(key, std::chrono::steady_clock::now());
    }

    // Advances one connection; removes it when it is over.
    void step(Connection* c, std::chrono::steady_clock::time_point now) {
        auto it = connections.find(c);
        if (it == connections.end()) return;
        bool going_on = false;
        try {
            going_on = c->step(now, false);
        } catch (const std::exception& e) {
            c->fail(e.what());  // this connection ends; the loop and its others serve on
        }
        if (!going_on) {
            ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd(), nullptr);
            connections.erase(it);
            --load;
            return;
        }
        const bool want = c->wants_write();
        if (want != it->second.second) {
            epoll_event ev{};
            ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
            ev.data.ptr = c;
            ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd(), &ev);
            it->second.second = want;
        }
    }

    void run() {
        constexpr int kBatch = 256;
        epoll_event events[kBatch];
        auto next_sweep = std::chrono::steady_clock::now();
        while (!server.stopping_) {
            int timeout_ms = 1000;
            for (const auto& [key, w] : waiting) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      w->deadline - std::chrono::steady_clock::now())
                                      .count();
                timeout_ms = std::clamp(static_cast<int>(left) + 1, 0, timeout_ms);
            }
            const int n = ::epoll_wait(epoll_fd, events, kBatch, timeout_ms);
            for (int i = 0; i < n; ++i) {
                void* key = events[i].data.ptr;
                if (!key) {
                    take_incoming();
                    continue;
                }
                if (waiting.contains(key)) {
                    first_bytes(key);
                    continue;
                }
                auto* c = static_cast<Connection*>(key);
                c->poll();
                step(c, std::chrono::steady_clock::now());
            }
            const auto now = std::chrono::steady_clock::now();
            std::vector<void*> expired;
            for (const auto& [key, w] : waiting)
                if (w->deadline <= now) expired.push_back(key);
            for (void* key : expired) first_bytes(key);
            // Timers (idle, login grace, closing linger) for every connection, once a second.
            if (now >= next_sweep) {
                next_sweep = now + std::chrono::seconds(1);
                std::vector<Connection*> all;
                all.reserve(connections.size());
                for (auto& [key, value] : connections) all.push_back(key);
                for (auto* c : all) step(c, now);
            }
        }
        // Uploads in progress are dropped, never committed; closing for a stop is no abandon.
        for (auto& [key, value] : connections) value.first->skip_abandoned_report();
        connections.clear();
        load = 0;
    }
};

Server::Server(ServerOptions options, auth::LoginPool& logins, audit::ActionLog& log)
    : options_(std::move(options)),
      gate_(logins.gate()),
      log_(log),
      logins_(logins),
      handles_(std::make_unique<HandleCounter>(options_.max_handles_per_session,
                                               options_.max_handles_per_user)) {
    std::string error;
    auto trusted = core::parse_cidr_list(options_.proxy_trusted, &error);
    if (!trusted) throw std::runtime_error("sftp: proxy.trusted: " + error);
    proxy_trusted_ = std::move(*trusted);
}

Server::~Server() {
    stop();
}

void Server::start() {
    host_keys_ = ensure_host_keys(options_.host_key_dir);
    for (std::size_t i = 0; i < options_.ports.size(); ++i) {
        const int port = options_.ports[i];
        const auto ip = core::IpAddress::parse(options_.address);
        if (!ip) throw std::runtime_error("sftp: '" + options_.address + "' is not an IP address");
        const int fd = ::socket(ip->v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_storage ss{};
        socklen_t len = 0;
        if (ip->v4) {
            auto& a = reinterpret_cast<sockaddr_in&>(ss);
            a.sin_family = AF_INET;
            a.sin_port = htons(static_cast<uint16_t>(port));
            std::memcpy(&a.sin_addr, ip->bytes.data() + 12, 4);
            len = sizeof a;
        } else {
            auto& a = reinterpret_cast<sockaddr_in6&>(ss);
            a.sin6_family = AF_INET6;
            a.sin6_port = htons(static_cast<uint16_t>(port));
            std::memcpy(&a.sin6_addr, ip->bytes.data(), 16);
            len = sizeof a;
        }
        if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 1024) != 0) {
            const int e = errno;
            ::close(fd);
            throw core::ListenError(e, options_.address, port, i);
        }
        getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
        bound_ports_.push_back(ntohs(ss.ss_family == AF_INET
                                         ? reinterpret_cast<sockaddr_in&>(ss).sin_port
                                         : reinterpret_cast<sockaddr_in6&>(ss).sin6_port));
        listen_fds_.push_back(fd);
    }
    const int n = options_.workers > 0
                      ? options_.workers
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < n; ++i) workers_.push_back(std::make_unique<Worker>(*this));
    for (auto& w : workers_) w->thread = std::thread([w = w.get()] { w->run(); });
    for (int fd : listen_fds_) acceptors_.emplace_back([this, fd] { accept_loop(fd); });
}

void Server::stop() {
    if (stopping_.exchange(true)) return;
    for (int fd : listen_fds_) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : acceptors_)
        if (t.joinable()) t.join();
    for (int fd : listen_fds_) ::close(fd);
    // Logins first: a decision finishing now posts to a worker, which is still there.
    logins_.stop();
    for (auto& w : workers_) {
        w->wake();
        if (w->thread.joinable()) w->thread.join();
    }
    workers_.clear();
}

int Server::connection_count() const {
    int n = 0;
    for (const auto& w : workers_) n += w->load;
    return n;
}

void Server::accept_loop(int listen_fd) {
    while (!stopping_) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
        if (fd < 0) {
            if (stopping_) return;
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
            }
            return;
        }
        // SSH's handshake is a volley of small packets: without this, Nagle's algorithm and
        // delayed ACKs add ~40 ms to each round trip.
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::string ip = peer_address(ss);
        bool score_if_abandoned = true;
        bool await_first_bytes = false;
        if (!client_address(fd, ip, score_if_abandoned, await_first_bytes)) {
            ::close(fd);
            continue;
        }
        // Refusals that need no credentials are made here, before any SSH byte is exchanged.
        // A gate that cannot decide (its database away) refuses: this connection ends, the
        // listener serves on.
        try {
            if (auto refusal = gate_.admit_connection(core::Interface::sftp, ip)) {
                spdlog::info("sftp: refused {} before the handshake: {}", ip, refusal->detail);
                ::close(fd);
                continue;
            }
        } catch (const std::exception& e) {
            spdlog::error("sftp: refused {} before the handshake: the login gate failed: {}", ip,
                          e.what());
            ::close(fd);
            continue;
        }
        // The least loaded worker takes it.
        Worker* target = workers_.front().get();
        for (auto& w : workers_)
            if (w->load < target->load) target = w.get();
        target->hand_over({fd, ip, score_if_abandoned, await_first_bytes});
    }
}

// The PROXY protocol: from a trusted load balancer the header is required and names the
// client; from anyone else a header is an attempt to forge an address. The acceptor reads it
// with a short timeout: a trusted balancer writes it as the connection opens, so waiting here
// only ever stalls for a broken balancer.
bool Server::client_address(int fd, std::string& ip, bool& score_if_abandoned,
                            bool& await_first_bytes) {
    const auto peer = core::IpAddress::parse(ip);
    const bool trusted = peer && proxy_trusted_.contains(*peer);
    if (!trusted) {
        // What has arrived is looked at here; if nothing has yet, the worker waits a moment for
        // the first bytes (never the acceptor, which would delay every other client).
        switch (core::peek_first_bytes(fd)) {
            case core::FirstBytes::proxy_header:
                spdlog::warn(
                    "sftp: {}: closed: PROXY protocol header from a peer not in proxy.trusted", ip);
                return false;
            case core::FirstBytes::none_yet:
                await_first_bytes = true;
                break;
            case core::FirstBytes::other:
                break;
        }
        return true;
    }
    const auto header = core::read_proxy_header(fd, options_.proxy_header_timeout);
    if (header.state != core::ProxyParse::State::done) {
        spdlog::warn("sftp: {}: closed: trusted proxy sent no valid PROXY header: {}", ip,
                     header.error);
        return false;
    }
    if (header.header.source) {
        ip = header.header.source->to_string();
    } else {
        score_if_abandoned = false;  // the balancer's own health check (LOCAL / UNKNOWN)
    }
    return true;
}

}  // namespace drawbridge::sftp
