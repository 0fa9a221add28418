// Beast and Asio live here only (with http/connection_io.h, which only this file includes): one
// Beast+SSL translation unit is slow to compile, and handlers see plain Request/Response data.
#include "http/server.h"

#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "core/cidr.h"
#include "core/listen_error.h"
#include "core/proxy_asio.h"
#include "core/proxy_socket.h"
#include "http/connection_io.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

namespace drawbridge::http {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

using namespace connection_io;

struct Server::Impl {
    ServerOptions options;
    net::io_context ioc;
    net::ssl::context tls{net::ssl::context::tls_server};
    std::optional<tcp::acceptor> https, plain;
    int https_port = -1, plain_port = -1;
    std::vector<std::thread> threads;
    std::optional<auth::LoginPool::Client> logins;
    core::CidrList proxy_trusted;
    std::atomic<bool> stopping{false};  // connections closed by the stop are not abandoned

    explicit Impl(ServerOptions o) : options(std::move(o)) {
        if (options.logins) logins.emplace(*options.logins);
        std::string error;
        auto trusted = core::parse_cidr_list(options.proxy_trusted, &error);
        if (!trusted) throw std::runtime_error("http: proxy.trusted: " + error);
        proxy_trusted = std::move(*trusted);
    }

    int listen(std::optional<tcp::acceptor>& acceptor, int port, std::size_t listener) {
        const tcp::endpoint ep(net::ip::make_address(options.address),
                               static_cast<unsigned short>(port));
        acceptor.emplace(ioc);
        try {
            acceptor->open(ep.protocol());
            acceptor->set_option(net::socket_base::reuse_address(true));
            acceptor->bind(ep);
            acceptor->listen(net::socket_base::max_listen_connections);
        } catch (const boost::system::system_error& e) {
            throw core::ListenError(e.code().value(), options.address, port, listener);
        }
        return acceptor->local_endpoint().port();
    }

    net::awaitable<void> accept_loop(tcp::acceptor& acceptor, bool secure) {
        for (;;) {
            error_code ec;
            auto socket = co_await acceptor.async_accept(
                net::make_strand(ioc), net::redirect_error(net::use_awaitable, ec));
            if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
            if (ec) continue;  // a connection that reset before we took it
            socket.set_option(tcp::no_delay(true), ec);
            beast::tcp_stream stream(std::move(socket));
            auto executor = stream.get_executor();
            net::co_spawn(executor, run_connection(std::move(stream), secure), net::detached);
        }
    }

    // The PROXY protocol (docs/login-gate.md#proxy-protocol): from a trusted balancer the header
    // is required, read before anything else, and names the client. False closes the connection.
    net::awaitable<bool> read_client_address(tcp::socket& socket, Connection& c) {
        const auto header =
            co_await core::async_read_proxy_header(socket, options.proxy_header_timeout);
        if (header.state != core::ProxyParse::State::done) {
            spdlog::warn("http: {}: closed: trusted proxy sent no valid PROXY header: {}", c.ip,
                         header.error);
            co_return false;
        }
        if (header.header.source)
            c.ip = header.header.source->to_string();
        else
            c.report_abandoned = false;  // the balancer's own health check (LOCAL / UNKNOWN)
        co_return true;
    }

    // Whether a peer not in proxy.trusted opens with a PROXY header: an attempt to forge its
    // address. Over TLS the first bytes are only looked at (a ClientHello never starts like a
    // header, not even its first byte); over plain HTTP they are read into the connection's
    // buffer, where Beast's parser takes them, until they tell ("P" may begin "PUT").
    net::awaitable<bool> opens_with_proxy_header(beast::tcp_stream& stream, Connection& c) {
        if (c.secure) {
            // A silent client: the wait closes the socket, and the handshake fails at once.
            co_await core::async_wait_first_bytes(stream.socket(), kHandshakeTimeout);
            co_return core::peek_first_bytes(stream.socket().native_handle()) ==
                core::FirstBytes::proxy_header;
        }
        for (;;) {
            const auto data = c.buffer.data();
            const auto opening = core::classify_opening(
                std::string_view(static_cast<const char*>(data.data()), data.size()));
            if (opening != core::Opening::undecided)
                co_return opening == core::Opening::proxy_header;
            stream.expires_after(c.idle);
            error_code ec;
            const std::size_t n = co_await stream.async_read_some(
                c.buffer.prepare(4096), net::redirect_error(net::use_awaitable, ec));
            c.buffer.commit(n);
            if (ec) co_return false;  // gone or silent: the request parser finds out
        }
    }

    // A connection that closes without any request having reached the gate with credentials
    // scores its address a little, as on SFTP and FTP (docs/login-gate.md#http-abandoned). The
    // store write runs on the login pool, off the I/O threads.
    void report_if_abandoned(const Connection& c) {
        if (!c.report_abandoned || stopping || !logins) return;
        if (c.handler && (c.handler->attempted_login() || c.handler->only_loaded_pages())) return;
        const auto interface =
            c.handler ? c.handler->abandoned_interface() : core::Interface::restapi;
        logins->run(c.ip, [&gate = options.logins->gate(), ip = c.ip, interface] {
            gate.connection_abandoned(interface, ip);
        });
    }

    net::awaitable<void> run_connection(beast::tcp_stream stream, bool secure) {
        Connection c;
        if (logins) c.logins = &*logins;
        // Beast reads max(512, free capacity) bytes per call: without room reserved up front, a
        // large upload arrives 512 bytes per recvmsg.
        c.buffer.reserve(kChunk);
        c.secure = secure;
        c.idle = std::chrono::seconds(options.idle_timeout_seconds);
        error_code ec;
        const auto peer = stream.socket().remote_endpoint(ec);
        if (ec) co_return;
        c.ip = core::peer_text(peer);
        const auto peer_ip = core::IpAddress::parse(c.ip);
        const bool via_proxy = peer_ip && proxy_trusted.contains(*peer_ip);
        if (via_proxy && !(co_await read_client_address(stream.socket(), c))) co_return;
        if (options.admit && !options.admit(c.ip)) co_return;  // closed before any TLS byte
        if (!via_proxy && (co_await opens_with_proxy_header(stream, c))) {
            // Refused like a ban, not scored as a scanner (as on SFTP and FTP).
            spdlog::warn("http: {}: closed: PROXY protocol header from a peer not in proxy.trusted",
                         c.ip);
            co_return;
        }
        try {
            c.handler = options.make_handler(c.ip, secure);
            if (!secure) {
                co_await serve(stream, c);
                stream.socket().shutdown(tcp::socket::shutdown_send, ec);
                co_return;
            }
            beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(stream), tls);
            beast::get_lowest_layer(tls_stream).expires_after(kHandshakeTimeout);
            co_await tls_stream.async_handshake(net::ssl::stream_base::server, net::use_awaitable);
            co_await serve(tls_stream, c);
            beast::get_lowest_layer(tls_stream).expires_after(std::chrono::seconds(5));
            co_await tls_stream.async_shutdown(net::redirect_error(net::use_awaitable, ec));
        } catch (const std::exception& e) {
            spdlog::debug("http: {}: connection ended: {}", c.ip, e.what());
        }
        report_if_abandoned(c);
    }
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
    stop();
}

void Server::start() {
    auto& s = *impl_;
    if (s.options.https_port >= 0) {
        s.tls.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                          net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                          net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
        SSL_CTX_set_min_proto_version(s.tls.native_handle(), TLS1_2_VERSION);
        SSL_CTX_set_cipher_list(s.tls.native_handle(), kTls12Ciphers);
        s.tls.use_certificate_chain_file(s.options.certificate.string());
        s.tls.use_private_key_file(s.options.private_key.string(), net::ssl::context::pem);
        s.https_port = s.listen(s.https, s.options.https_port, 0);
        net::co_spawn(s.ioc, s.accept_loop(*s.https, true), net::detached);
    }
    if (s.options.plain_port >= 0) {
        s.plain_port = s.listen(s.plain, s.options.plain_port, 1);
        net::co_spawn(s.ioc, s.accept_loop(*s.plain, false), net::detached);
    }
    int n = s.options.threads > 0 ? s.options.threads
                                  : static_cast<int>(std::thread::hardware_concurrency());
    n = std::max(n, 1);
    for (int i = 0; i < n; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
}

void Server::stop() {
    auto& s = *impl_;
    if (s.threads.empty()) return;
    s.stopping = true;
    s.ioc.stop();
    for (auto& t : s.threads) t.join();
    s.threads.clear();
    // A login still being decided resumes a connection of the stopped io_context: wait for it
    // before that context (and the connection's coroutine) can go.
    if (s.logins) s.logins->stop();
    if (s.options.drain) s.options.drain();
}

int Server::https_port() const {
    return impl_->https_port;
}

int Server::plain_port() const {
    return impl_->plain_port;
}

}  // namespace drawbridge::http
