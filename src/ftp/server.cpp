#include "ftp/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <optional>

#include "core/cidr.h"
#include "ftp/session.h"
#include "ftp/tls.h"

namespace drawbridge::ftp {

namespace {

std::string peer_text(const tcp::endpoint& ep) {
    const std::string text = ep.address().to_string();
    // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; the log and the rules use a.b.c.d.
    if (auto ip = core::IpAddress::parse(text)) return ip->to_string();
    return text;
}

}  // namespace

struct Server::Impl {
    ServerOptions options;
    auth::LoginGate& gate;
    audit::ActionLog& log;
    store::Store& store;
    std::optional<asio::ssl::context> tls;
    asio::thread_pool login_pool{2};
    std::unique_ptr<PassivePorts> ports;
    SessionOwners owners;
    std::atomic<int> live_sessions{0};
    std::unique_ptr<SessionContext> ctx;
    // One io_context per thread: a session stays on its context, so it needs no strand.
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
    std::vector<std::thread> threads;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::atomic<unsigned> next_context{0};
    bool running = false;

    Impl(ServerOptions o, auth::LoginGate& g, audit::ActionLog& l, store::Store& s)
        : options(std::move(o)), gate(g), log(l), store(s) {}

    int listen(int port, bool implicit) {
        boost::system::error_code ec;
        const auto address = asio::ip::make_address(options.address, ec);
        if (ec) throw std::runtime_error("ftp: '" + options.address + "' is not an IP address");
        auto acceptor = std::make_unique<tcp::acceptor>(*contexts[0]);
        const tcp::endpoint ep(address, static_cast<std::uint16_t>(port));
        acceptor->open(ep.protocol());
        acceptor->set_option(tcp::acceptor::reuse_address(true));
        acceptor->bind(ep, ec);
        if (ec)
            throw std::system_error(
                ec.value(), std::generic_category(),
                "ftp: cannot bind " + options.address + ":" + std::to_string(port));
        acceptor->listen(asio::socket_base::max_listen_connections);
        const int bound = acceptor->local_endpoint().port();
        accept(*acceptor, implicit);
        acceptors.push_back(std::move(acceptor));
        return bound;
    }

    void accept(tcp::acceptor& acceptor, bool implicit) {
        auto& target = *contexts[next_context++ % contexts.size()];
        acceptor.async_accept(
            target, [this, &acceptor, implicit](boost::system::error_code ec, tcp::socket socket) {
                if (ec == asio::error::operation_aborted) return;
                if (!ec) {
                    boost::system::error_code peer_ec;
                    const auto peer = socket.remote_endpoint(peer_ec);
                    // Refusals that need no credentials (an address no allow list admits) are
                    // made here, before a greeting or a TLS handshake.
                    if (!peer_ec) {
                        if (auto refusal =
                                ctx->gate.admit_connection(core::Interface::ftp, peer_text(peer))) {
                            spdlog::info("ftp: refused {} at accept: {}", peer_text(peer),
                                         refusal->detail);
                            socket.close(peer_ec);
                            accept(acceptor, implicit);
                            return;
                        }
                        socket.set_option(tcp::no_delay(true), peer_ec);
                        Session::start(std::make_shared<Session>(*ctx, std::move(socket), implicit,
                                                                 peer_text(peer)));
                    }
                }
                accept(acceptor, implicit);
            });
    }
};

Server::Server(ServerOptions options, auth::LoginGate& gate, audit::ActionLog& log,
               store::Store& store)
    : impl_(std::make_unique<Impl>(std::move(options), gate, log, store)) {}

Server::~Server() {
    stop();
}

void Server::start() {
    auto& m = *impl_;
    const CertificatePaths paths{m.options.cert_file, m.options.key_file};
    m.tls.emplace(make_server_context(paths));
    m.ports =
        std::make_unique<PassivePorts>(m.options.passive_port_min, m.options.passive_port_max);
    m.ctx = std::make_unique<SessionContext>(SessionContext{m.options, m.gate, m.log, m.store,
                                                            *m.tls, m.login_pool, *m.ports,
                                                            m.owners, m.live_sessions});
    int threads = m.options.threads;
    if (threads <= 0)
        threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
    for (int i = 0; i < threads; ++i) {
        m.contexts.push_back(std::make_unique<asio::io_context>(1));
        m.guards.push_back(asio::make_work_guard(*m.contexts.back()));
    }
    port_ = m.listen(m.options.port, false);
    if (m.options.implicit_port >= 0) implicit_port_ = m.listen(m.options.implicit_port, true);
    for (auto& c : m.contexts) m.threads.emplace_back([ctx = c.get()] { ctx->run(); });
    m.running = true;
}

void Server::stop() {
    auto& m = *impl_;
    if (!m.running) return;
    m.running = false;
    for (auto& c : m.contexts) c->stop();
    for (auto& t : m.threads) t.join();
    // A login still being checked posts its answer to a stopped context: wait for it before
    // the sessions (held by their contexts) go.
    m.login_pool.join();
    m.acceptors.clear();
    m.guards.clear();
    m.contexts.clear();
}

int Server::live_sessions() const {
    return impl_->live_sessions.load();
}

}  // namespace drawbridge::ftp
