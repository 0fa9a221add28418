// HTTP requests and responses as plain data, so that request handlers know nothing of Beast,
// Asio or TLS: the connection (server.cpp) parses into a Request, asks a Handler, and writes the
// Response, streaming file bodies and upload bodies itself.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/types.h"
#include "vfs/local_root.h"

namespace drawbridge::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
    std::string method;  // as sent ("PROPFIND")
    std::string target;  // raw request-target, still percent-encoded
    Headers headers;     // names lower-cased
    std::optional<std::uint64_t> content_length;
    bool has_body = false;  // a body follows (content-length > 0 or chunked)
    std::string body;       // filled when the handler let the connection buffer it
    std::string peer_ip;
    bool secure = false;  // arrived over TLS

    // The value of the first header `name` (lower case), or "" when absent.
    std::string_view header(std::string_view name) const;
    bool has_header(std::string_view name) const;
};

struct Response {
    int status = 200;
    Headers headers;
    std::string body;
    // A file body streamed by the connection: `length` bytes from `offset` of `file`.
    vfs::UniqueFd file;
    std::uint64_t file_offset = 0;
    std::uint64_t file_length = 0;
    // Content-Length to announce for HEAD when there is no body to send.
    std::optional<std::uint64_t> head_length;
    bool close = false;  // close the connection after this response

    Response() = default;
    explicit Response(int s) : status(s) {}
    Response(int s, std::string content_type, std::string b) : status(s), body(std::move(b)) {
        headers.emplace_back("Content-Type", std::move(content_type));
    }
    Response& set(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
};

// Where a streamed request body goes (a PUT's file). The connection calls write() with each
// chunk as it arrives, then finish() once the body is complete; dropped without finish(), the
// sink discards what it wrote (the client went away).
class BodySink {
  public:
    virtual ~BodySink() = default;
    // 0, or an errno value: the connection stops reading and answers with finish()'s response.
    virtual int write(const char* data, std::size_t size) = 0;
    virtual Response finish(int write_error) = 0;
};

// What a handler decides once it has a request's headers.
struct Prepared {
    std::optional<Response> response;  // answer now, without reading the body
    std::unique_ptr<BodySink> sink;    // stream the body here
    // Neither: the connection buffers the body (up to kMaxBufferedBody) into Request::body
    // and calls Handler::handle.
};

inline constexpr std::size_t kMaxBufferedBody = 1 << 20;

// The refusal of a request whose end two HTTP parsers could see in different places (a proxy in
// front and this server): the bytes after it would then be read as another request, which the
// proxy never checked (request smuggling, RFC 9112 §6.1, §6.3, §11.2). nullopt when its framing
// is plain: no Transfer-Encoding but one "chunked", not both Content-Length and
// Transfer-Encoding, exactly one Host in HTTP/1.1 (at most one in 1.0). The refusal closes the
// connection, since where the body ends is not known.
std::optional<Response> framing_refusal(const Request& request, bool http11);

// One per connection, so that it may keep per-connection state (an authenticated user).
class Handler {
  public:
    virtual ~Handler() = default;
    virtual Prepared prepare(Request& request) = 0;
    virtual Response handle(Request& request) = 0;
    // Whether answering `request` may decide a login (hash a secret: hundreds of milliseconds
    // by design), so the server runs its prepare() and handle() on the login pool instead of an
    // I/O thread (docs/login-gate.md#hashing-pool).
    virtual bool may_hash(const Request&) const { return false; }
    // Whether a request of this connection has reached the login gate with credentials (a
    // login attempt, whatever its outcome, or a live REST session token). The server reports a
    // connection that closes without one as abandoned, on `abandoned_interface()`
    // (docs/login-gate.md#http-abandoned).
    virtual bool attempted_login() const { return false; }
    // Whether every request of this connection (at least one) loaded the web UI's page or one
    // of its assets: a browser showing the sign-in page, which the server does not report as
    // abandoned either.
    virtual bool only_loaded_pages() const { return false; }
    virtual core::Interface abandoned_interface() const { return core::Interface::restapi; }
    // A request is answered only once its action-log rows are committed; the handler queues
    // them instead of waiting on the I/O thread, and the server waits here, calling back with
    // the commit's error if any (docs/action-log.md#group-commit). False: nothing pending.
    virtual bool when_recorded(std::function<void(std::exception_ptr)>) { return false; }
};

}  // namespace drawbridge::http
