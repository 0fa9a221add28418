// How the tests' PostgreSQL server is made fast enough to start in every test process (ctest
// runs each test in a process of its own): initdb runs once per machine into a template
// folder (under a lock, as ctest runs tests in parallel), and each process copies it to
// /dev/shm and starts it there with fsync off, which takes a fraction of a second.
#include "pg_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <random>
#include <stdexcept>

#include "store/pg_connection.h"

namespace drawbridge::store::testing {
namespace fs = std::filesystem;
namespace {

std::string bin(const char* program) {
    const char* dir = std::getenv("DRAWBRIDGE_PG_BIN");
    return std::string(dir ? dir : "/usr/lib/postgresql/15/bin") + "/" + program;
}

// PostgreSQL refuses to run as root: tests run as root on CI, so the server runs as the
// postgres account there.
std::string as_server_user(const std::string& command) {
    if (::geteuid() != 0) return command;
    return "runuser -u postgres -- " + command;
}

void run(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

void give_to_server_user(const fs::path& p) {
    if (::geteuid() == 0) run("chown -R postgres:postgres '" + p.string() + "'");
}

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("no free port");
    ::close(fd);
    return ntohs(a.sin_port);
}

// The initdb'd cluster every process copies, made once (per user, so a developer's and
// root's do not share one).
fs::path template_cluster() {
    const fs::path root =
        fs::temp_directory_path() / ("drawbridge-pg15-template-" + std::to_string(::geteuid()));
    const fs::path ready = root / "data" / "PG_VERSION";
    const std::string lock_file = root.string() + ".lock";
    const int lock = ::open(lock_file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0)
        throw std::runtime_error("cannot lock " + lock_file);
    struct Unlock {
        int fd;
        ~Unlock() { ::close(fd); }
    } unlock{lock};
    if (fs::exists(ready)) return root / "data";
    fs::remove_all(root);
    fs::create_directories(root);
    give_to_server_user(root);
    run(as_server_user(bin("initdb") + " -D '" + (root / "data").string() +
                       "' -U postgres --auth=trust -E UTF8 --locale=C -N >/dev/null"));
    return root / "data";
}

}  // namespace

PgServer& PgServer::get() {
    static PgServer server;
    static std::once_flag started;
    std::call_once(started, [] { server.start(); });
    if (!server.running_) throw std::runtime_error("the test PostgreSQL server did not start");
    return server;
}

void PgServer::start() {
    if (!fs::exists(bin("pg_ctl")))
        throw std::runtime_error(bin("pg_ctl") + " not found: run scripts/install-deps.sh");
    const auto source = template_cluster();
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::random_device rd;
    dir_ = base / ("drawbridge-pg-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir_);
    give_to_server_user(dir_);
    run(as_server_user("cp -a '" + source.string() + "' '" + (dir_ / "data").string() + "'"));
    // A port another process took between free_port() and the server's bind: try another.
    for (int attempt = 0; attempt < 5 && !running_; ++attempt) {
        port_ = free_port();
        const std::string options = "-p " + std::to_string(port_) + " -k " + dir_.string() +
                                    " -c listen_addresses=127.0.0.1 -c fsync=off"
                                    " -c synchronous_commit=off -c full_page_writes=off";
        const std::string command = as_server_user(
            bin("pg_ctl") + " -D '" + (dir_ / "data").string() + "' -l '" +
            (dir_ / "log").string() + "' -w -t 30 -o '" + options + "' start >/dev/null");
        running_ = std::system(command.c_str()) == 0;
    }
    if (!running_) throw std::runtime_error("pg_ctl start failed; see " + (dir_ / "log").string());
    // A watchdog for a process that dies without running its destructors (a crash, a
    // timeout's kill): the server never outlives the tests it was started for.
    const std::string stop_command =
        as_server_user(bin("pg_ctl") + " -D " + (dir_ / "data").string() + " -m immediate stop");
    run("setsid sh -c 'while kill -0 " + std::to_string(::getpid()) +
        " 2>/dev/null; do sleep 1; done; " + stop_command + "; rm -rf " + dir_.string() +
        "' </dev/null >/dev/null 2>&1 &");
}

void PgServer::stop() {
    if (!running_) return;
    running_ = false;
    std::system(as_server_user(bin("pg_ctl") + " -D '" + (dir_ / "data").string() +
                               "' -m immediate stop >/dev/null 2>&1")
                    .c_str());
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

std::string PgServer::uri(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PgServer::new_database() {
    const std::string name = "test_" + std::to_string(++databases_);
    pg::Connection admin(uri("postgres"));
    admin.script("CREATE DATABASE " + name + " TEMPLATE template0");
    return uri(name);
}

}  // namespace drawbridge::store::testing
