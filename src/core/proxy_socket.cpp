#include "core/proxy_socket.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace drawbridge::core {

ProxyParse read_proxy_header(int fd, std::chrono::milliseconds timeout) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    std::string data;
    auto fail = [](std::string why) {
        ProxyParse p;
        p.state = ProxyParse::State::invalid;
        p.error = std::move(why);
        return p;
    };
    for (;;) {
        auto parsed = parse_proxy_header(data);
        if (parsed.state != ProxyParse::State::need_more) return parsed;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return fail("no complete PROXY header within " + std::to_string(timeout.count()) +
                        " ms");
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) return fail(std::string("poll: ") + std::strerror(errno));
        if (ready <= 0) continue;
        char buf[4096];
        const std::size_t want = std::min(parsed.want, sizeof buf);
        const ssize_t n = ::recv(fd, buf, want, 0);
        if (n == 0)
            return fail(data.empty() ? "closed before sending a PROXY header"
                                     : "closed in the middle of a PROXY header");
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            return fail(std::string("recv: ") + std::strerror(errno));
        }
        data.append(buf, static_cast<std::size_t>(n));
    }
}

FirstBytes peek_first_bytes(int fd) {
    char buf[12];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return FirstBytes::none_yet;
    if (n <= 0) return FirstBytes::other;  // closed or failed: the protocol will find out
    return looks_like_proxy_header(std::string_view(buf, static_cast<std::size_t>(n)))
               ? FirstBytes::proxy_header
               : FirstBytes::other;
}

}  // namespace drawbridge::core
