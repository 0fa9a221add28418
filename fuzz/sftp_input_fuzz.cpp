// The SFTP stream's framing (sftp::frame) and the path of input from the transport's buffer to
// the engine (sftp::HeldInput, docs/sftp.md#input), with every field of each packet read as the
// handlers read them (sftp::Reader). The transport is modelled as libssh's channel buffer: it
// keeps what is not taken and offers it again with what follows; bytes arrive in chunks the
// input chooses, the engine pauses when the input says so, and held bytes are taken back after
// a pause as the connection does. Whatever the chunks and pauses, the engine must see exactly
// the packets of the whole stream, in order, and find it bad exactly when framing the whole
// stream at once does; held bytes stay within one packet's start unless paused.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sftp/input.h"
#include "sftp/wire.h"

using namespace drawbridge::sftp;

namespace {

// A broken expectation names its line, then aborts (libFuzzer keeps the input).
void check_at(bool ok, int line) {
    if (ok) return;
    std::fprintf(stderr, "sftp_input_fuzz: check on line %d failed\n", line);
    std::abort();
}
#define check(ok) check_at((ok), __LINE__)

// Reads the fields a handler could read: a type, an id, strings, attributes, numbers. A string
// read lies within the packet.
void read_fields(std::string_view packet) {
    Reader r(packet);
    r.u8();
    r.u32();
    for (int i = 0; i < 2; ++i) {
        const std::string_view field = r.str();
        check(!r.ok() || (field.data() >= packet.data() &&
                          field.data() + field.size() <= packet.data() + packet.size()));
        r.attrs();
        r.u64();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto max = in.ConsumeIntegralInRange<std::uint32_t>(1, 300);
    const auto early = in.ConsumeIntegralInRange<std::size_t>(0, 64);
    std::vector<std::pair<std::size_t, std::uint8_t>> steps;  // chunk size, flags
    for (int i = in.ConsumeIntegralInRange(0, 40); i > 0; --i)
        steps.emplace_back(in.ConsumeIntegralInRange<std::size_t>(0, 400),
                           in.ConsumeIntegral<std::uint8_t>());
    const std::string stream = in.ConsumeRemainingBytesAsString();

    // The whole stream framed at once.
    std::vector<std::string> want;
    bool want_bad = false;
    for (std::string_view rest = stream;;) {
        const Frame f = frame(rest, max);
        if (f.kind == Frame::bad) want_bad = true;
        if (f.kind != Frame::whole) break;
        check(f.size >= 5 && f.size <= rest.size() && f.size <= std::size_t{max} + 4);
        want.emplace_back(rest.substr(4, f.size - 4));
        rest.remove_prefix(f.size);
    }

    std::vector<std::string> seen;
    bool ready = true;
    HeldInput input(
        [&](std::string_view bytes) {
            Taken t;
            for (;;) {
                const Frame f = frame(bytes.substr(t.bytes), max);
                if (f.kind == Frame::bad) t.ok = false;
                if (f.kind == Frame::more) check(f.size > 0);
                if (f.kind != Frame::whole) break;
                if (!ready) {
                    t.paused = true;
                    break;
                }
                const std::string_view packet = bytes.substr(t.bytes + 4, f.size - 4);
                read_fields(packet);
                seen.emplace_back(packet);
                t.bytes += f.size;
            }
            return t;
        },
        max);

    std::string transport;  // libssh's channel buffer: what was offered and not taken
    std::size_t at = std::min(early, stream.size());
    input.hold(std::string_view(stream).substr(0, at));  // before the subsystem was open
    const auto offer = [&] {
        const std::size_t taken = input.take(transport);
        check(taken <= transport.size());
        transport.erase(0, taken);
        check(input.paused() || input.bad() || input.size() < std::size_t{max} + 4);
    };
    const auto resume = [&] {
        ready = true;
        input.take({});
        if (input.paused() || input.bad() || transport.empty()) return;
        input.hold(transport);  // taken back, as after a pause
        transport.clear();
        input.take({});
    };
    for (const auto& [chunk, flags] : steps) {
        if (input.bad()) break;
        const std::size_t n = std::min(chunk, stream.size() - at);
        transport.append(stream, at, n);
        at += n;
        ready = !(flags & 1);
        offer();
        if (input.paused() && (flags & 2)) resume();
    }
    // The rest arrives at once, and the output drains: everything whole is handled.
    transport.append(stream, at, std::string::npos);
    ready = true;
    if (!input.bad()) offer();
    for (int i = 0; i < 3 && !input.bad(); ++i) resume();

    check(input.bad() == want_bad);
    check(seen == want);
    return 0;
}
