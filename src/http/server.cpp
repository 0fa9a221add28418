// Beast and Asio live here only: one Beast+SSL translation unit is slow to compile, and handlers
// see plain Request/Response data.
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

namespace {

// TLS 1.2 with forward secrecy and AEAD ciphers only (TLS 1.3's suites are all AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// Large steps: Beast's own file_body reads 4 KiB at a time, which caps throughput.
constexpr std::size_t kChunk = 256 * 1024;
constexpr std::uint64_t kSmallFile = 64 * 1024;
// A refused request's body up to this size is read and dropped, so that the connection can
// carry the client's retry; a larger one closes the connection instead.
constexpr std::uint64_t kMaxDrain = 1 << 20;
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool has_no_body(int status) {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

struct Connection {
    std::unique_ptr<Handler> handler;
    auth::LoginPool::Client* logins = nullptr;
    std::string ip;  // the client's: the PROXY header's behind a trusted balancer
    bool secure = false;
    // Reported to the gate if it closes without a login attempt; not a balancer's health check
    // (PROXY LOCAL), a forged PROXY header or a refused address.
    bool report_abandoned = true;
    std::chrono::seconds idle;
    std::vector<char> chunk = std::vector<char>(kChunk);
    beast::flat_buffer buffer;
};

// A handler that throws (a database error, say) answers 500 and the connection closes; the
// reason goes to the server's log, not to the client.
template <class Fn>
auto guarded(Connection& c, Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const std::exception& e) {
        spdlog::error("http: {}: request failed: {}", c.ip, e.what());
    }
    Response r(500, "text/plain; charset=utf-8", "internal error\n");
    r.close = true;
    if constexpr (std::is_same_v<decltype(fn()), Prepared>)
        return Prepared{std::move(r), nullptr};
    else
        return r;
}

// Runs `fn` (a login's prepare or handle) on the login pool and resumes on the connection's
// executor with its result; the connection's coroutine is suspended meanwhile, so the handler
// is never used by two threads at once. Without a pool, runs it here.
template <class Fn>
net::awaitable<decltype(std::declval<Fn&>()())> on_login_pool(Connection& c, Fn fn) {
    if (!c.logins) co_return fn();
    auto ex = co_await net::this_coro::executor;
    std::optional<decltype(fn())> result;
    net::steady_timer done(ex, net::steady_timer::time_point::max());
    c.logins->run(c.ip, [&] {
        result.emplace(fn());  // guarded: does not throw
        net::post(ex, [&done] { done.cancel(); });
    });
    // A job dropped at the server's stop never resumes this coroutine: it goes with its
    // io_context, after the pool has let go of it (Server::stop).
    error_code ec;
    co_await done.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (!result) throw std::runtime_error("the login was not decided");
    co_return std::move(*result);
}

// Sends `left` bytes of `fd` from `offset` with sendfile(2), waiting for room in the socket
// as long as the connection's idle time allows.
net::awaitable<void> send_file(tcp::socket& socket, Connection& c, int fd, std::uint64_t offset,
                               std::uint64_t left) {
    socket.native_non_blocking(true);
    net::steady_timer idle(socket.get_executor());
    while (left > 0) {
        auto off = static_cast<off_t>(offset);
        const ssize_t n =
            ::sendfile(socket.native_handle(), fd, &off,
                       static_cast<std::size_t>(std::min<std::uint64_t>(left, 1 << 30)));
        if (n > 0) {
            left -= static_cast<std::uint64_t>(n);
            offset += static_cast<std::uint64_t>(n);
            continue;
        }
        if (n == 0) throw std::system_error(EIO, std::generic_category());  // the file shrank
        if (errno == EINTR) continue;
        if (errno != EAGAIN) throw std::system_error(errno, std::generic_category());
        // A client that reads nothing for the idle time is cut off, as on every other write.
        idle.expires_after(c.idle);
        idle.async_wait([&socket](error_code ec) {
            if (!ec) socket.cancel();
        });
        co_await socket.async_wait(tcp::socket::wait_write, net::use_awaitable);
        idle.cancel();
    }
}

template <class Stream>
net::awaitable<void> write_response(Stream& stream, Connection& c, Response& r, bool head,
                                    bool keep_alive) {
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(c.idle);
    const bool bodiless = has_no_body(r.status);
    // A small file goes out with its header in one write: a header and a body written apart
    // cost a second packet and, for small files, most of the time of a request.
    if (r.file && r.file_length <= kSmallFile) {
        if (head) {
            r.head_length = r.file_length;
        } else {
            r.body.resize(static_cast<std::size_t>(r.file_length));
            std::size_t got = 0;
            while (got < r.body.size()) {
                const ssize_t n = ::pread(r.file.get(), r.body.data() + got, r.body.size() - got,
                                          static_cast<off_t>(r.file_offset + got));
                if (n <= 0) throw std::system_error(n < 0 ? errno : EIO, std::generic_category());
                got += static_cast<std::size_t>(n);
            }
        }
        r.file.reset();
    }
    if (!r.file) {
        bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), 11};
        res.set(bhttp::field::server, "drawbridge");
        for (auto& [k, v] : r.headers) res.insert(k, v);
        res.keep_alive(keep_alive);
        if (!bodiless) {
            res.content_length(head && r.head_length ? *r.head_length : r.body.size());
            if (!head) res.body() = std::move(r.body);
        }
        if (head && !bodiless) {
            bhttp::response_serializer<bhttp::string_body> sr{res};
            co_await bhttp::async_write_header(stream, sr, net::use_awaitable);
        } else {
            co_await bhttp::async_write(stream, res, net::use_awaitable);
        }
        co_return;
    }
    bhttp::response<bhttp::buffer_body> res{static_cast<bhttp::status>(r.status), 11};
    res.set(bhttp::field::server, "drawbridge");
    for (auto& [k, v] : r.headers) res.insert(k, v);
    res.keep_alive(keep_alive);
    res.content_length(r.file_length);
    res.body().data = nullptr;
    res.body().more = true;
    bhttp::response_serializer<bhttp::buffer_body> sr{res};
    co_await bhttp::async_write_header(stream, sr, net::use_awaitable);
    if (head) co_return;
    std::uint64_t left = r.file_length, offset = r.file_offset;
    // Plain HTTP: the kernel copies the file to the socket (docs/webdav.md#large-files).
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>)
        co_return co_await send_file(stream.socket(), c, r.file.get(), offset, left);
    while (left > 0) {
        const ssize_t n = ::pread(r.file.get(), c.chunk.data(),
                                  static_cast<std::size_t>(std::min<std::uint64_t>(left, kChunk)),
                                  static_cast<off_t>(offset));
        // The file shrank under us: the promised length cannot be kept, so cut the connection.
        if (n <= 0) throw std::system_error(n < 0 ? errno : EIO, std::generic_category());
        left -= static_cast<std::uint64_t>(n);
        offset += static_cast<std::uint64_t>(n);
        res.body().data = c.chunk.data();
        res.body().size = static_cast<std::size_t>(n);
        res.body().more = left > 0;
        lowest.expires_after(c.idle);
        error_code ec;
        co_await bhttp::async_write(stream, sr, net::redirect_error(net::use_awaitable, ec));
        if (ec && ec != bhttp::error::need_buffer) throw boost::system::system_error(ec);
    }
}

// Reads the rest of the body into the handler's sink or the request; false when the client
// went away or the request is refused on the way (the response is then in `refusal`).
template <class Stream>
net::awaitable<bool> read_body(Stream& stream, Connection& c,
                               bhttp::request_parser<bhttp::buffer_body>& parser, Request& req,
                               BodySink* sink, int& sink_error, std::optional<Response>& refusal) {
    auto& lowest = beast::get_lowest_layer(stream);
    while (!parser.is_done()) {
        parser.get().body().data = c.chunk.data();
        parser.get().body().size = c.chunk.size();
        lowest.expires_after(c.idle);
        error_code ec;
        co_await bhttp::async_read(stream, c.buffer, parser,
                                   net::redirect_error(net::use_awaitable, ec));
        if (ec && ec != bhttp::error::need_buffer) co_return false;
        const std::size_t n = c.chunk.size() - parser.get().body().size;
        if (sink) {
            if ((sink_error = sink->write(c.chunk.data(), n))) co_return true;
        } else if (refusal) {
            // draining a refused request's body
        } else if (req.body.size() + n > kMaxBufferedBody) {
            refusal.emplace(413, "text/plain", "request body too large\n");
            refusal->close = true;
            co_return true;
        } else {
            req.body.append(c.chunk.data(), n);
        }
    }
    co_return true;
}

template <class Stream>
net::awaitable<void> serve(Stream& stream, Connection& c) {
    auto& lowest = beast::get_lowest_layer(stream);
    for (;;) {
        bhttp::request_parser<bhttp::buffer_body> parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        parser.header_limit(64 * 1024);
        lowest.expires_after(c.idle);
        error_code ec;
        co_await bhttp::async_read_header(stream, c.buffer, parser,
                                          net::redirect_error(net::use_awaitable, ec));
        if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
            ec == beast::error::timeout || ec == net::error::operation_aborted)
            co_return;
        auto& h = parser.get();
        Request req;
        for (const auto& f : h)
            req.headers.emplace_back(lower({f.name_string().data(), f.name_string().size()}),
                                     std::string(f.value().data(), f.value().size()));
        if (ec == bhttp::error::bad_transfer_encoding) {
            // Beast stops at a Transfer-Encoding that follows "chunked" or a Content-Length,
            // before it is among the fields: with it put back, framing_refusal says why.
            req.headers.emplace_back("transfer-encoding", "");
        } else if (ec) {
            Response bad(400, "text/plain", "malformed request: " + ec.message() + "\n");
            co_await write_response(stream, c, bad, false, false);
            co_return;
        }
        // Beast 1.74 reads a request with an unknown coding ("xchunked") as having no body, and
        // its body as the next request: such a request is refused before anything acts on it.
        auto refused = framing_refusal(req, h.version() == 11);
        if (!refused && ec) refused.emplace(400, "text/plain", "malformed request\n");
        if (refused) {
            co_await write_response(stream, c, *refused, false, false);
            co_return;
        }
        req.method = std::string(h.method_string());
        req.target = std::string(h.target());
        if (const auto len = parser.content_length()) req.content_length = *len;
        req.has_body = !parser.is_done();
        req.peer_ip = c.ip;
        req.secure = c.secure;
        bool keep_alive = h.keep_alive();
        const bool head = h.method() == bhttp::verb::head;

        const bool may_hash = c.handler->may_hash(req);
        Prepared p;
        if (may_hash)
            p = co_await on_login_pool(
                c, [&] { return guarded(c, [&] { return c.handler->prepare(req); }); });
        else
            p = guarded(c, [&] { return c.handler->prepare(req); });
        std::optional<Response> response = std::move(p.response);
        int sink_error = 0;
        const bool expects_continue = lower(req.header("expect")) == "100-continue";
        if (response && req.has_body) {
            // Refused before its body: drop a small body to keep the connection, or close. A
            // client waiting for "100 Continue" gets the refusal instead and no body to drop.
            if (expects_continue || !req.content_length || *req.content_length > kMaxDrain) {
                response->close = true;
            } else if (!(co_await read_body(stream, c, parser, req, nullptr, sink_error,
                                            response))) {
                co_return;
            }
        } else if (req.has_body) {
            if (expects_continue) {
                bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
                co_await bhttp::async_write(stream, cont, net::use_awaitable);
            }
            if (!(co_await read_body(stream, c, parser, req, p.sink.get(), sink_error, response)))
                co_return;  // the sink, destroyed unfinished, discards the partial upload
        }
        if (!response && !p.sink && may_hash) {
            response = co_await on_login_pool(
                c, [&] { return guarded(c, [&] { return c.handler->handle(req); }); });
        } else if (!response) {
            response = guarded(
                c, [&] { return p.sink ? p.sink->finish(sink_error) : c.handler->handle(req); });
            if (sink_error) response->close = true;  // the rest of the body was not read
        }
        p.sink.reset();
        keep_alive = keep_alive && !response->close;
        co_await write_response(stream, c, *response, head, keep_alive);
        if (!keep_alive) co_return;
    }
}

}  // namespace

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
        if (c.handler && c.handler->attempted_login()) return;
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
}

int Server::https_port() const {
    return impl_->https_port;
}

int Server::plain_port() const {
    return impl_->plain_port;
}

}  // namespace drawbridge::http
