#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "audit/action_log.h"
#include "core/clock.h"
#include "sftp/session.h"
#include "store/store.h"
#include "vfs/local_root.h"

namespace drawbridge::sftp {
namespace {

namespace fs = std::filesystem;

std::string packet(std::uint8_t type, std::uint32_t id, const std::string& body = {}) {
    Writer w(type);
    w.u32(id);
    std::string p = w.finish();
    p += body;
    const auto len = static_cast<std::uint32_t>(p.size() - 4);
    p[0] = static_cast<char>(len >> 24);
    p[1] = static_cast<char>(len >> 16);
    p[2] = static_cast<char>(len >> 8);
    p[3] = static_cast<char>(len);
    return p;
}

std::string str(std::string_view s) {
    std::string out(4, '\0');
    out[0] = static_cast<char>(s.size() >> 24);
    out[1] = static_cast<char>(s.size() >> 16);
    out[2] = static_cast<char>(s.size() >> 8);
    out[3] = static_cast<char>(s.size());
    return out + std::string(s);
}

std::string u32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
            static_cast<char>(v)};
}

const std::string kInit = [] {
    Writer w(1);
    w.u32(3);
    return w.finish();
}();

class SessionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::random_device rd;
        dir_ = fs::temp_directory_path() /
               ("drawbridge-sftp-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(dir_);
        store_ = store::open_sqlite_store(dir_ / "db");
        log_ = std::make_unique<audit::ActionLog>(*store_, clock_);
        core::User u;
        u.id = 1;
        u.username = "alice";
        files_ = std::make_unique<vfs::FileSession>(
            std::make_unique<vfs::LocalRoot>(vfs::LocalRoot::open(dir_ / "root", true)), *log_, u,
            core::Interface::sftp, "127.0.0.1");
        session_ = std::make_unique<Session>(
            *files_, [this](std::string p) { out_.push_back(std::move(p)); });
    }
    void TearDown() override {
        session_.reset();
        files_.reset();
        log_.reset();
        store_.reset();
        fs::remove_all(dir_);
    }
    // The reply's type, id and (for STATUS) code.
    struct Reply {
        std::uint8_t type;
        std::uint32_t id;
        std::uint32_t code;
        Reader rest;
    };
    Reply last() {
        EXPECT_FALSE(out_.empty());
        Reader r(std::string_view(out_.back()).substr(4));
        Reply rep{r.u8(), 0, 0, Reader("")};
        if (rep.type != 2) rep.id = r.u32();
        if (rep.type == 101) rep.code = r.u32();
        rep.rest = r;
        return rep;
    }
    fs::path dir_;
    core::ManualClock clock_{1795000000};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<audit::ActionLog> log_;
    std::unique_ptr<vfs::FileSession> files_;
    std::unique_ptr<Session> session_;
    std::vector<std::string> out_;
};

TEST_F(SessionTest, InitAnswersVersion3WithTheExtensions) {
    ASSERT_TRUE(session_->feed(kInit));
    Reader r(std::string_view(out_.back()).substr(4));
    EXPECT_EQ(r.u8(), 2);
    EXPECT_EQ(r.u32(), 3u);
    std::vector<std::string> names;
    while (!r.empty()) {
        names.emplace_back(r.str());
        r.str();
    }
    for (auto want : {"posix-rename@openssh.com", "statvfs@openssh.com", "fstatvfs@openssh.com",
                      "hardlink@openssh.com", "fsync@openssh.com", "limits@openssh.com",
                      "lsetstat@openssh.com", "copy-data", "home-directory"})
        EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
}

TEST_F(SessionTest, RequestsBeforeInitCloseTheStream) {
    EXPECT_FALSE(session_->feed(packet(16, 7, str("/"))));
    EXPECT_TRUE(out_.empty());
}

TEST_F(SessionTest, OversizedAndEmptyPacketsCloseTheStream) {
    ASSERT_TRUE(session_->feed(kInit));
    EXPECT_FALSE(session_->feed(u32(kMaxPacket + 1)));
    TearDown();
    SetUp();
    ASSERT_TRUE(session_->feed(kInit));
    EXPECT_FALSE(session_->feed(u32(0)));
}

TEST_F(SessionTest, UnknownRequestsAndExtensionsAreUnsupported) {
    ASSERT_TRUE(session_->feed(kInit));
    ASSERT_TRUE(session_->feed(packet(99, 42)));
    auto rep = last();
    EXPECT_EQ(rep.type, 101);
    EXPECT_EQ(rep.id, 42u);
    EXPECT_EQ(rep.code, SSH_FX_OP_UNSUPPORTED);
    ASSERT_TRUE(session_->feed(packet(200, 43, str("nonsense@example.com"))));
    rep = last();
    EXPECT_EQ(rep.id, 43u);
    EXPECT_EQ(rep.code, SSH_FX_OP_UNSUPPORTED);
}

TEST_F(SessionTest, TruncatedArgumentsAreBadMessages) {
    ASSERT_TRUE(session_->feed(kInit));
    ASSERT_TRUE(session_->feed(packet(3, 5, str("/f") + u32(0x1A))));  // OPEN without attrs
    EXPECT_EQ(last().code, SSH_FX_BAD_MESSAGE);
    ASSERT_TRUE(session_->feed(packet(16, 6, u32(100) + "short")));  // string longer than packet
    EXPECT_EQ(last().code, SSH_FX_BAD_MESSAGE);
    ASSERT_TRUE(session_->feed(packet(4, 8, str("no-such-handle"))));
    EXPECT_EQ(last().code, SSH_FX_FAILURE);
}

TEST_F(SessionTest, PacketsSplitAcrossReadsAndManyInOne) {
    std::string all = kInit + packet(16, 1, str("a/../b")) + packet(16, 2, str("/../.."));
    for (char c : all) ASSERT_TRUE(session_->feed(std::string_view(&c, 1)));
    ASSERT_EQ(out_.size(), 3u);
    Reader r(std::string_view(out_[1]).substr(4));
    EXPECT_EQ(r.u8(), 104);
    EXPECT_EQ(r.u32(), 1u);
    EXPECT_EQ(r.u32(), 1u);
    EXPECT_EQ(r.str(), "/b");
    Reader r2(std::string_view(out_[2]).substr(4));
    r2.u8();
    r2.u32();
    r2.u32();
    EXPECT_EQ(r2.str(), "/");
}

TEST_F(SessionTest, LimitsAdvertiseLargeTransfers) {
    ASSERT_TRUE(session_->feed(kInit));
    ASSERT_TRUE(session_->feed(packet(200, 9, str("limits@openssh.com"))));
    auto rep = last();
    EXPECT_EQ(rep.type, 201);
    EXPECT_EQ(rep.rest.u64(), kMaxPacket);
    EXPECT_EQ(rep.rest.u64(), kMaxReadWrite);
    EXPECT_EQ(rep.rest.u64(), kMaxWrite);
    EXPECT_EQ(rep.rest.u64(), HandleCounter::kDefaultPerSession);  // open handles
}

// One client must not take every descriptor of the process: past the cap an open fails, and
// a close makes room again.
TEST_F(SessionTest, HandlesAreCappedPerSession) {
    ASSERT_TRUE(session_->feed(kInit));
    std::ofstream(dir_ / "root" / "f") << "x";
    std::string first_handle;
    for (std::uint32_t i = 0; i < HandleCounter::kDefaultPerSession; ++i) {
        ASSERT_TRUE(session_->feed(packet(3, i, str("/f") + u32(1) + u32(0))));
        auto rep = last();
        ASSERT_EQ(rep.type, 102) << i;
        if (i == 0) first_handle = std::string(rep.rest.str());
    }
    ASSERT_TRUE(session_->feed(packet(3, 9000, str("/f") + u32(1) + u32(0))));
    auto refused = last();
    ASSERT_EQ(refused.type, 101);
    EXPECT_EQ(refused.code, static_cast<std::uint32_t>(SSH_FX_FAILURE));
    EXPECT_NE(refused.rest.str().find("too many open handles"), std::string_view::npos);
    ASSERT_TRUE(session_->feed(packet(11, 9001, str("/"))));  // folders count too
    EXPECT_EQ(last().type, 101);
    ASSERT_TRUE(session_->feed(packet(4, 9002, str(first_handle))));
    ASSERT_TRUE(session_->feed(packet(3, 9003, str("/f") + u32(1) + u32(0))));
    EXPECT_EQ(last().type, 102);
}

// consume() handles the whole packets at the start of what it is offered and leaves the rest
// to the caller: the start of a packet, and everything from a packet that waits for
// back-pressure (docs/sftp.md#input).
TEST_F(SessionTest, ConsumeTakesWholePacketsAndLeavesTheRest) {
    const std::string open = packet(3, 1, str("/up") + u32(SSH_FXF_WRITE | SSH_FXF_CREAT) + u32(0));
    const std::string all = kInit + open;
    const std::string_view view(all);
    auto t = session_->consume(view.substr(0, all.size() - 5));
    EXPECT_TRUE(t.ok);
    EXPECT_FALSE(t.paused);
    EXPECT_EQ(t.bytes, kInit.size());
    const auto rest = frame(view.substr(kInit.size(), open.size() - 5), kMaxPacket);
    EXPECT_EQ(rest.kind, Frame::more);
    EXPECT_EQ(rest.size, 5u);
    EXPECT_EQ(frame(view.substr(kInit.size(), 1), kMaxPacket).size, 3u);  // the length first
    EXPECT_EQ(frame(open, kMaxPacket).kind, Frame::whole);
    EXPECT_EQ(frame(open, kMaxPacket).size, open.size());
    EXPECT_EQ(frame(u32(0), kMaxPacket).kind, Frame::bad);
    EXPECT_EQ(frame(u32(kMaxPacket + 1), kMaxPacket).kind, Frame::bad);
    t = session_->consume(view.substr(kInit.size()));
    EXPECT_EQ(t.bytes, open.size());
    EXPECT_EQ(last().type, 102);
}

TEST_F(SessionTest, ConsumeStopsAtAWholePacketWhileTheOutputIsFull) {
    ASSERT_TRUE(session_->feed(kInit));
    bool ready = false;
    session_->set_backpressure([&] { return ready; });
    const std::string two = packet(16, 1, str("/")) + packet(16, 2, str("/"));
    auto t = session_->consume(two);
    EXPECT_TRUE(t.ok);
    EXPECT_TRUE(t.paused);
    EXPECT_EQ(t.bytes, 0u);
    EXPECT_EQ(out_.size(), 1u);
    // The start of a packet is not waiting for the output: it waits for its end.
    EXPECT_FALSE(session_->consume(std::string_view(two).substr(0, 6)).paused);
    ready = true;
    t = session_->consume(two);
    EXPECT_EQ(t.bytes, two.size());
    EXPECT_FALSE(t.paused);
    EXPECT_EQ(out_.size(), 3u);
}

// A WRITE's data goes to the file from the bytes offered, during the call: the caller may
// reuse them at once.
TEST_F(SessionTest, WritesGoToTheFileFromTheInputItself) {
    ASSERT_TRUE(session_->feed(kInit));
    ASSERT_TRUE(session_->feed(
        packet(3, 1, str("/up") + u32(SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC) + u32(0))));
    const std::string handle(last().rest.str());
    const std::string data(300 * 1024, 'd');
    std::string input = packet(6, 2, str(handle) + u32(0) + u32(0) + str(data)) +
                        packet(6, 3, str(handle) + u32(0) + u32(data.size()) + str("end"));
    const auto t = session_->consume(input);
    EXPECT_EQ(t.bytes, input.size());
    input.assign(input.size(), 'X');
    EXPECT_EQ(last().code, SSH_FX_OK);
    ASSERT_TRUE(session_->feed(packet(4, 4, str(handle))));
    std::ifstream in(dir_ / "root" / "up", std::ios::binary);
    const std::string written((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(written, data + "end");
}

// A transport may deliver input while it sends a reply: those bytes are handled after the
// packet being handled, in order, and never over the bytes being read.
TEST_F(SessionTest, InputFedFromInsideAReplyIsHandledInOrder) {
    std::vector<std::string> replies;
    std::unique_ptr<Session> s;
    bool fed = false;
    s = std::make_unique<Session>(*files_, [&](std::string p) {
        replies.push_back(std::move(p));
        if (!std::exchange(fed, true)) {
            EXPECT_TRUE(s->feed(packet(16, 2, str("/b"))));
            EXPECT_EQ(s->consume(packet(16, 9, str("/x"))).bytes, 0u);  // reentered: nothing
        }
    });
    ASSERT_TRUE(s->feed(kInit + packet(16, 1, str("/a"))));
    ASSERT_EQ(replies.size(), 3u);
    std::vector<std::uint32_t> ids;
    for (std::size_t i = 1; i < replies.size(); ++i) {
        Reader r(std::string_view(replies[i]).substr(4));
        r.u8();
        ids.push_back(r.u32());
    }
    EXPECT_EQ(ids, (std::vector<std::uint32_t>{1, 2}));
}

// A READ reply is read straight into the reply packet, and holds what the file has.
TEST_F(SessionTest, ReadRepliesHoldWhatTheFileHas) {
    std::ofstream(dir_ / "root" / "f") << "hello";
    ASSERT_TRUE(session_->feed(kInit));
    ASSERT_TRUE(session_->feed(packet(3, 1, str("/f") + u32(SSH_FXF_READ) + u32(0))));
    const std::string handle(last().rest.str());
    ASSERT_TRUE(session_->feed(packet(5, 2, str(handle) + u32(0) + u32(1) + u32(kMaxReadWrite))));
    const std::string& data = out_.back();
    EXPECT_EQ(data.size(), 4u + 1 + 4 + 4 + 4);  // length, type, id, string of 4 bytes
    auto rep = last();
    EXPECT_EQ(rep.type, 103);
    EXPECT_EQ(rep.rest.str(), "ello");
    EXPECT_TRUE(rep.rest.empty());
    ASSERT_TRUE(session_->feed(packet(5, 3, str(handle) + u32(0) + u32(5) + u32(100))));
    EXPECT_EQ(last().code, SSH_FX_EOF);
}

}  // namespace
}  // namespace drawbridge::sftp
