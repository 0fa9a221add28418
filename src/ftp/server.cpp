#include "ftp/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "core/cidr.h"
#include "core/listen_error.h"
#include "core/proxy_asio.h"
#include "ftp/session.h"
#include "ftp/tls.h"

namespace drawbridge::ftp {

struct Server::Impl {
    ServerOptions options;
    auth::LoginGate& gate;
    audit::ActionLog& log;
    store::Store& store;
    std::optional<asio::ssl::context> tls;
    auth::LoginPool::Client logins;
    std::unique_ptr<PassivePorts> ports;
    SessionOwners owners;
    std::atomic<int> live_sessions{0};
    std::atomic<bool> stopping{false};
    core::CidrList proxy_trusted;
    std::unique_ptr<SessionContext> ctx;
    // One io_context per thread: a session stays on its context, so it needs no strand.
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
    std::vector<std::thread> threads;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::atomic<unsigned> next_context{0};
    bool running = false;

    Impl(ServerOptions o, auth::LoginPool& p, audit::ActionLog& l, store::Store& s)
        : options(std::move(o)), gate(p.gate()), log(l), store(s), logins(p) {
        std::string error;
        auto trusted = core::parse_cidr_list(options.proxy_trusted, &error);
        if (!trusted) throw std::runtime_error("ftp: proxy.trusted: " + error);
        proxy_trusted = std::move(*trusted);
    }

    int listen(int port, bool implicit) {
        boost::system::error_code ec;
        const auto address = asio::ip::make_address(options.address, ec);
        if (ec) throw std::runtime_error("ftp: '" + options.address + "' is not an IP address");
        auto acceptor = std::make_unique<tcp::acceptor>(*contexts[0]);
        const tcp::endpoint ep(address, static_cast<std::uint16_t>(port));
        acceptor->open(ep.protocol());
        acceptor->set_option(tcp::acceptor::reuse_address(true));
        acceptor->bind(ep, ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) throw core::ListenError(ec.value(), options.address, port, implicit ? 1 : 0);
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
                    auto ex = socket.get_executor();
                    asio::co_spawn(ex, admit(std::move(socket), implicit), asio::detached);
                }
                accept(acceptor, implicit);
            });
    }

    // Who the client is (the PROXY protocol), then whether it may connect at all, before a
    // greeting or a TLS handshake.
    asio::awaitable<void> admit(tcp::socket socket, bool implicit) {
        boost::system::error_code ec;
        const auto peer = socket.remote_endpoint(ec);
        if (ec) co_return;
        std::string ip = core::peer_text(peer);
        const auto peer_ip = core::IpAddress::parse(ip);
        const bool via_proxy = peer_ip && proxy_trusted.contains(*peer_ip);
        bool score_if_abandoned = true;
        if (via_proxy) {
            // From a trusted balancer the header is required and names the client.
            const auto header =
                co_await core::async_read_proxy_header(socket, options.proxy_header_timeout);
            if (header.state != core::ProxyParse::State::done) {
                spdlog::warn("ftp: {}: closed: trusted proxy sent no valid PROXY header: {}", ip,
                             header.error);
                socket.close(ec);
                co_return;
            }
            if (header.header.source)
                ip = header.header.source->to_string();
            else
                score_if_abandoned = false;  // the balancer's own health check (LOCAL / UNKNOWN)
        }
        // Refusals that need no credentials (a ban, an address no allow list admits).
        if (auto refusal = gate.admit_connection(core::Interface::ftp, ip)) {
            spdlog::info("ftp: refused {} at accept: {}", ip, refusal->detail);
            socket.close(ec);
            co_return;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto session = std::make_shared<Session>(*ctx, std::move(socket), implicit, ip);
        if (!score_if_abandoned) session->skip_abandoned_report();
        // Anyone else's header is an attempt to forge an address: the session refuses it.
        if (!via_proxy) session->refuse_proxy_header();
        Session::start(std::move(session));
    }
};

Server::Server(ServerOptions options, auth::LoginPool& logins, audit::ActionLog& log,
               store::Store& store)
    : impl_(std::make_unique<Impl>(std::move(options), logins, log, store)) {}

Server::~Server() {
    stop();
}

void Server::start() {
    auto& m = *impl_;
    const CertificatePaths paths{m.options.cert_file, m.options.key_file};
    m.tls.emplace(make_server_context(paths));
    m.ports =
        std::make_unique<PassivePorts>(m.options.passive_port_min, m.options.passive_port_max);
    m.ctx = std::make_unique<SessionContext>(
        SessionContext{m.options, m.gate, m.log, m.store, *m.tls, m.logins, *m.ports, m.owners,
                       m.live_sessions, m.stopping, m.proxy_trusted});
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
    m.stopping = true;  // sessions closed by the stop are not abandoned connections
    for (auto& c : m.contexts) c->stop();
    for (auto& t : m.threads) t.join();
    // A login still being checked posts its answer to a stopped context: wait for it before
    // the sessions (held by their contexts) go.
    m.logins.stop();
    m.acceptors.clear();
    m.guards.clear();
    m.contexts.clear();
}

int Server::live_sessions() const {
    return impl_->live_sessions.load();
}

}  // namespace drawbridge::ftp
