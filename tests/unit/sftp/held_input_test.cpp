#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sftp/input.h"

namespace drawbridge::sftp {
namespace {

std::string packet(const std::string& body) {
    const auto n = static_cast<std::uint32_t>(body.size());
    return std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)} +
           body;
}

// An engine that handles whole packets while `ready`, as Session::consume does.
struct Engine {
    bool ready = true;
    std::vector<std::string> seen;
    Taken operator()(std::string_view data) {
        Taken t;
        for (;;) {
            const Frame f = frame(data.substr(t.bytes), 100);
            if (f.kind == Frame::bad) t.ok = false;
            if (f.kind != Frame::whole) break;
            if (!ready) {
                t.paused = true;
                break;
            }
            seen.emplace_back(data.substr(t.bytes + 4, f.size - 4));
            t.bytes += f.size;
        }
        return t;
    }
};

TEST(HeldInputTest, HeldBytesGoFirstAndTakeFromTheTransportOnlyWhatTheirPacketNeeds) {
    Engine engine;
    HeldInput input([&](std::string_view d) { return engine(d); }, 100);
    const std::string stream = packet("one") + packet("two") + packet("three");
    input.hold(std::string_view(stream).substr(0, 5));  // early input: a packet's start
    const std::string transport = stream.substr(5);
    EXPECT_EQ(input.take(transport), transport.size());
    EXPECT_EQ(engine.seen, (std::vector<std::string>{"one", "two", "three"}));
    EXPECT_EQ(input.size(), 0u);
    // A packet's start stays with the transport, which offers it again.
    EXPECT_EQ(input.take(std::string_view(stream).substr(0, 6)), 0u);
}

TEST(HeldInputTest, APauseEndsWhenTheEngineTakesAgain) {
    Engine engine;
    HeldInput input([&](std::string_view d) { return engine(d); }, 100);
    const std::string two = packet("a") + packet("b");
    engine.ready = false;
    EXPECT_EQ(input.take(two), 0u);
    EXPECT_TRUE(input.paused());
    engine.ready = true;
    EXPECT_EQ(input.take({}), 0u);  // nothing held: the pause is over, nothing to do
    EXPECT_FALSE(input.paused());
    input.hold(two);  // the connection takes back what the transport kept
    EXPECT_EQ(input.take({}), 0u);
    EXPECT_EQ(engine.seen, (std::vector<std::string>{"a", "b"}));
}

TEST(HeldInputTest, ABadStreamTakesEverythingAndStays) {
    Engine engine;
    HeldInput input([&](std::string_view d) { return engine(d); }, 100);
    const std::string bad = packet("ok") + packet(std::string(101, 'x'));
    EXPECT_EQ(input.take(bad), bad.size());
    EXPECT_TRUE(input.bad());
    EXPECT_EQ(input.take("more"), 4u);
    EXPECT_EQ(engine.seen, (std::vector<std::string>{"ok"}));
}

}  // namespace
}  // namespace drawbridge::sftp
