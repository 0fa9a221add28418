// One HTTP connection's I/O, for src/http/server.cpp only (which keeps Beast and Asio in one
// translation unit, slow to compile): reading requests and bodies, writing responses (sendfile on
// plain HTTP), and running the login work of a request on the login pool.
#pragma once

#include "core/tcp_cork.h"

#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <limits>
#include <optional>

#include "auth/login_pool.h"
#include "http/message.h"

namespace drawbridge::http::connection_io {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

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

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

inline bool has_no_body(int status) {
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
    // For bodies streamed in steps (uploads, large files over TLS); allocated on first use, so
    // that a connection of small requests does not hold it.
    std::vector<char> chunk;
    char* chunk_data() {
        if (chunk.empty()) chunk.resize(kChunk);
        return chunk.data();
    }
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

// Waits, without holding the I/O thread, until the action-log rows of the request just handled
// are committed; false when they could not be (the client then gets a 500, never an answer
// whose record a crash could lose).
inline net::awaitable<bool> recorded(Connection& c) {
    auto ex = co_await net::this_coro::executor;
    net::steady_timer done(ex, net::steady_timer::time_point::max());
    std::exception_ptr failure;
    // The callback runs on the log's writer thread, or here at once; the server flushes the
    // log before its io_context goes (Server::stop), so a posted wake-up never outlives it.
    if (!c.handler->when_recorded([&, ex](std::exception_ptr error) {
            net::post(ex, [&done, &failure, error] {
                failure = error;
                done.cancel();
            });
        }))
        co_return true;
    error_code ec;
    co_await done.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (!failure) co_return true;
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        spdlog::error("http: {}: the request's log entry was not committed: {}", c.ip, e.what());
    }
    co_return false;
}

// Sends `left` bytes of `fd` from `offset` with sendfile(2), waiting for room in the socket
// as long as the connection's idle time allows.
inline net::awaitable<void> send_file(tcp::socket& socket, Connection& c, int fd,
                                      std::uint64_t offset, std::uint64_t left) {
    socket.native_non_blocking(true);
    const core::TcpCork cork(socket.native_handle());
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
        const ssize_t n = ::pread(r.file.get(), c.chunk_data(),
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
        parser.get().body().data = c.chunk_data();
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
        if (!co_await recorded(c)) {
            response.emplace(500, "text/plain; charset=utf-8", "internal error\n");
            response->close = true;
        }
        keep_alive = keep_alive && !response->close;
        co_await write_response(stream, c, *response, head, keep_alive);
        if (!keep_alive) co_return;
    }
}

}  // namespace drawbridge::http::connection_io
