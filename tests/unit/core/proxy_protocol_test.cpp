// The PROXY protocol parser: v1 text, v2 binary, incremental input that never over-reads, and
// the malformed headers a listener must refuse.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "core/proxy_protocol.h"
#include "core/proxy_socket.h"

namespace drawbridge::core {
namespace {

using State = ProxyParse::State;

std::string v2(unsigned char ver_cmd, unsigned char family, const std::string& body) {
    std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
    h += static_cast<char>(ver_cmd);
    h += static_cast<char>(family);
    h += static_cast<char>(body.size() >> 8);
    h += static_cast<char>(body.size() & 0xff);
    return h + body;
}

std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int x : b) s += static_cast<char>(x);
    return s;
}

// Feeds a parser the way a socket reader does: exactly `want` bytes at a time.
ProxyParse feed(const std::string& stream, std::size_t* consumed) {
    std::string data;
    for (;;) {
        auto p = parse_proxy_header(data);
        if (p.state != State::need_more) {
            *consumed = data.size();
            return p;
        }
        if (data.size() + p.want > stream.size()) {
            *consumed = data.size();
            return p;
        }
        data += stream.substr(data.size(), p.want);
    }
}

TEST(ProxyProtocol, V1Tcp4) {
    const std::string h = "PROXY TCP4 81.2.69.142 10.0.0.1 51234 22\r\n";
    const auto p = parse_proxy_header(h + "SSH-2.0-x\r\n");
    ASSERT_EQ(p.state, State::done) << p.error;
    EXPECT_EQ(p.header.version, 1);
    EXPECT_EQ(p.header.source->to_string(), "81.2.69.142");
    EXPECT_EQ(p.header.source_port, 51234);
    EXPECT_EQ(p.header.length, h.size());
}

TEST(ProxyProtocol, V1Tcp6AndUnknown) {
    auto p = parse_proxy_header("PROXY TCP6 2001:218::1 ::1 4000 2022\r\n");
    ASSERT_EQ(p.state, State::done) << p.error;
    EXPECT_EQ(p.header.source->to_string(), "2001:218::1");
    p = parse_proxy_header("PROXY UNKNOWN\r\n");
    ASSERT_EQ(p.state, State::done);
    EXPECT_FALSE(p.header.source);
    p = parse_proxy_header("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n");
    ASSERT_EQ(p.state, State::done);
    EXPECT_FALSE(p.header.source);
}

TEST(ProxyProtocol, V1Malformed) {
    for (const char* bad : {
             "PROXY TCP4 81.2.69.142 10.0.0.1 51234\r\n",     // missing a port
             "PROXY TCP4 2001:db8::1 10.0.0.1 1 2\r\n",       // family mismatch
             "PROXY TCP4 81.2.69 10.0.0.1 1 2\r\n",           // short address
             "PROXY TCP4 81.2.69.142 10.0.0.1 65536 22\r\n",  // port out of range
             "PROXY TCP4 81.2.69.142 10.0.0.1 0123 22\r\n",   // leading zero
             "PROXY UDP4 81.2.69.142 10.0.0.1 1 2\r\n",       // not TCP
             "PROXY TCP4  81.2.69.142 10.0.0.1 1 2\r\n",      // double space
             "PROXY TCP4 81.2.69.142 10.0.0.1 1 2\n",         // LF only
             "PROXY UNKNOWN x\n y\r\n",                       // bare LF before CRLF
             "PROXX TCP4 81.2.69.142 10.0.0.1 1 2\r\n",       // not PROXY
             "SSH-2.0-OpenSSH_9.2\r\n",                       // no header at all
         })
        EXPECT_EQ(parse_proxy_header(bad).state, State::invalid) << bad;
    EXPECT_EQ(parse_proxy_header("PROXY TCP4 " + std::string(120, '1')).state, State::invalid);
}

TEST(ProxyProtocol, V2Inet) {
    const std::string body =
        bytes({81, 2, 69, 142, 10, 0, 0, 1, 0xc8, 0x22, 0x00, 0x16}) + bytes({0x03, 0, 1, 7});
    const auto h = v2(0x21, 0x11, body);  // PROXY, TCP over IPv4, with a TLV
    const auto p = parse_proxy_header(h + "SSH");
    ASSERT_EQ(p.state, State::done) << p.error;
    EXPECT_EQ(p.header.version, 2);
    EXPECT_EQ(p.header.source->to_string(), "81.2.69.142");
    EXPECT_EQ(p.header.source_port, 0xc822);
    EXPECT_EQ(p.header.length, h.size());
}

TEST(ProxyProtocol, V2Inet6AndLocal) {
    std::string body(36, '\0');
    body[0] = 0x20, body[1] = 0x01, body[2] = 0x02, body[3] = 0x18, body[15] = 1;  // 2001:218::1
    auto p = parse_proxy_header(v2(0x21, 0x21, body));
    ASSERT_EQ(p.state, State::done) << p.error;
    EXPECT_EQ(p.header.source->to_string(), "2001:218::1");
    EXPECT_FALSE(p.header.source->v4);
    p = parse_proxy_header(v2(0x20, 0x00, ""));  // LOCAL: a health check
    ASSERT_EQ(p.state, State::done);
    EXPECT_FALSE(p.header.source);
}

TEST(ProxyProtocol, V2Malformed) {
    const std::string inet = bytes({1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2});
    EXPECT_EQ(parse_proxy_header(v2(0x11, 0x11, inet)).state, State::invalid);  // version 1
    EXPECT_EQ(parse_proxy_header(v2(0x22, 0x11, inet)).state, State::invalid);  // command 2
    EXPECT_EQ(parse_proxy_header(v2(0x21, 0x11, inet.substr(0, 8))).state, State::invalid);
    EXPECT_EQ(parse_proxy_header(v2(0x21, 0x51, inet)).state, State::invalid);  // family 5
    std::string wrong_sig = v2(0x21, 0x11, inet);
    wrong_sig[7] = 'X';
    EXPECT_EQ(parse_proxy_header(wrong_sig).state, State::invalid);
}

TEST(ProxyProtocol, IncrementalReadsStopExactlyAtTheHeader) {
    const std::string after = "SSH-2.0-client\r\n";
    for (const std::string& h :
         {std::string("PROXY TCP4 81.2.69.142 10.0.0.1 51234 22\r\n"),
          std::string("PROXY UNKNOWN\r\n"),
          v2(0x21, 0x11, bytes({81, 2, 69, 142, 10, 0, 0, 1, 1, 2, 0, 22})), v2(0x20, 0, "")}) {
        std::size_t consumed = 0;
        const auto p = feed(h + after, &consumed);
        ASSERT_EQ(p.state, State::done) << p.error;
        EXPECT_EQ(consumed, h.size());
        EXPECT_EQ(p.header.length, h.size());
    }
    std::size_t consumed = 0;
    EXPECT_EQ(feed("PROXY TCP4 81.2", &consumed).state, State::need_more);
}

TEST(ProxyProtocol, LooksLike) {
    EXPECT_TRUE(looks_like_proxy_header("PRO"));
    EXPECT_TRUE(looks_like_proxy_header(std::string("\r\n\r\n\0\r", 6)));
    EXPECT_FALSE(looks_like_proxy_header("SSH-2.0"));
    EXPECT_FALSE(looks_like_proxy_header(""));
}

TEST(ProxyProtocol, OpeningsAreDecidedOnlyWhenTheBytesTell) {
    EXPECT_EQ(classify_opening(""), Opening::undecided);
    EXPECT_EQ(classify_opening("P"), Opening::undecided);  // "PUT", "POST", "PROPFIND"...
    EXPECT_EQ(classify_opening("PROX"), Opening::undecided);
    EXPECT_EQ(classify_opening("PROXY"), Opening::undecided);
    EXPECT_EQ(classify_opening("PROXY "), Opening::proxy_header);
    EXPECT_EQ(classify_opening("PUT /x HTTP/1.1"), Opening::other);
    EXPECT_EQ(classify_opening("PROPFIND"), Opening::other);
    EXPECT_EQ(classify_opening("PROXYX"), Opening::other);
    EXPECT_EQ(classify_opening("USER alice"), Opening::other);
    EXPECT_EQ(classify_opening("\x16\x03\x01"), Opening::other);  // a TLS ClientHello
    const std::string sig("\r\n\r\n\0\r\nQUIT\n", 12);
    EXPECT_EQ(classify_opening(sig.substr(0, 11)), Opening::undecided);
    EXPECT_EQ(classify_opening(sig), Opening::proxy_header);
    EXPECT_EQ(classify_opening("\r\nGET"), Opening::other);
}

TEST(ProxySocket, ReadsTheHeaderAndLeavesTheRest) {
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    EXPECT_EQ(peek_first_bytes(sv[0]), FirstBytes::none_yet);
    const std::string h = "PROXY TCP4 89.160.20.115 10.0.0.1 1000 22\r\nSSH-2.0-x\r\n";
    ASSERT_EQ(write(sv[1], h.data(), h.size()), static_cast<ssize_t>(h.size()));
    EXPECT_EQ(peek_first_bytes(sv[0]), FirstBytes::proxy_header);
    const auto p = read_proxy_header(sv[0], std::chrono::milliseconds(500));
    ASSERT_EQ(p.state, State::done) << p.error;
    EXPECT_EQ(p.header.source->to_string(), "89.160.20.115");
    char rest[32] = {};
    EXPECT_EQ(read(sv[0], rest, sizeof rest), 11);
    EXPECT_EQ(std::string(rest), "SSH-2.0-x\r\n");
    ASSERT_EQ(write(sv[1], "SSH-2.0-y\r\n", 11), 11);
    EXPECT_EQ(peek_first_bytes(sv[0]), FirstBytes::other);
    close(sv[0]);
    close(sv[1]);
}

TEST(ProxySocket, TimesOutOnSilenceAndFailsOnClose) {
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ASSERT_EQ(write(sv[1], "PROXY TCP4", 10), 10);
    auto p = read_proxy_header(sv[0], std::chrono::milliseconds(100));
    EXPECT_EQ(p.state, State::invalid);
    EXPECT_NE(p.error.find("within"), std::string::npos);
    close(sv[1]);
    p = read_proxy_header(sv[0], std::chrono::milliseconds(100));
    EXPECT_EQ(p.state, State::invalid);
    close(sv[0]);
}

}  // namespace
}  // namespace drawbridge::core
