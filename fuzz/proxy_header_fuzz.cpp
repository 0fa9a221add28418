// libFuzzer harness: PROXY protocol v1/v2 headers through parse_proxy_header,
// looks_like_proxy_header and classify_opening, checking the contract the listeners rely on.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/proxy_protocol.h"

using drawbridge::core::classify_opening;
using drawbridge::core::looks_like_proxy_header;
using drawbridge::core::Opening;
using drawbridge::core::parse_proxy_header;
using drawbridge::core::ProxyParse;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const bool looks = looks_like_proxy_header(in);
    const ProxyParse p = parse_proxy_header(in);
    switch (p.state) {
        case ProxyParse::State::need_more:
            if (p.want == 0) __builtin_trap();  // asking for nothing more would spin
            break;
        case ProxyParse::State::done:
            // A header is whole within the bytes read, and starts like one.
            if (!looks || p.header.length == 0 || p.header.length > size) __builtin_trap();
            if (p.header.version != 1 && p.header.version != 2) __builtin_trap();
            if (p.header.source_port < 0 || p.header.source_port > 65535) __builtin_trap();
            if (p.header.source) (void)p.header.source->to_string();
            // The header alone parses the same (what follows it is the protocol's).
            if (parse_proxy_header(in.substr(0, p.header.length)).state != ProxyParse::State::done)
                __builtin_trap();
            break;
        case ProxyParse::State::invalid:
            if (p.error.empty()) __builtin_trap();
            break;
    }
    // Refusing an untrusted peer's header never lets one through: bytes that the parser would
    // take as a header are never "other", and "other" never starts a header.
    const Opening opening = classify_opening(in);
    if (p.state == ProxyParse::State::done && opening != Opening::proxy_header) __builtin_trap();
    if (opening == Opening::other && (looks || p.state != ProxyParse::State::invalid))
        __builtin_trap();
    // Reading exactly `want` more bytes never passes the header: each prefix asks for no more
    // than the full input holds, when the full input is a header.
    if (p.state == ProxyParse::State::done) {
        for (std::size_t n = 0; n < p.header.length; ++n) {
            const auto q = parse_proxy_header(in.substr(0, n));
            if (q.state == ProxyParse::State::invalid) __builtin_trap();
            if (q.state == ProxyParse::State::done) __builtin_trap();
            if (n + q.want > p.header.length) __builtin_trap();
        }
    }
    return 0;
}
