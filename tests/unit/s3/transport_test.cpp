// The transport's timeouts against real sockets on loopback (docs/s3.md#transport).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "s3/client.h"
#include "s3/error.h"

namespace drawbridge::testing {
namespace {

// A peer that accepts connections (the kernel completes the handshake from the backlog) and
// never answers: what a stalled server looks like.
class SilentPeer {
  public:
    SilentPeer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 8) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            ADD_FAILURE() << "cannot listen on loopback";
        }
        port_ = ntohs(a.sin_port);
    }
    ~SilentPeer() { ::close(fd_); }
    int port() const { return port_; }

  private:
    int fd_ = -1;
    int port_ = 0;
};

TEST(S3Transport, StalledServerFailsAfterTheStallTimeout) {
    SilentPeer peer;
    s3::ClientConfig config;
    config.endpoint = "http://127.0.0.1:" + std::to_string(peer.port());
    config.credentials = {"AKIDEXAMPLE", "secret"};
    config.stall_timeout = std::chrono::seconds(1);
    config.attempts = 1;
    s3::Client client(config);
    const auto began = std::chrono::steady_clock::now();
    try {
        client.get_object("bucket", "key");
        ADD_FAILURE() << "a silent server answered";
    } catch (const s3::Error& e) {
        EXPECT_EQ(e.status(), 0);
        EXPECT_NE(std::string(e.what()).find("transport failure"), std::string::npos) << e.what();
    }
    const auto took = std::chrono::steady_clock::now() - began;
    EXPECT_GE(took, std::chrono::milliseconds(900));
    EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(S3Transport, RetriesATransportFailureThenGivesUp) {
    SilentPeer peer;
    s3::ClientConfig config;
    config.endpoint = "http://127.0.0.1:" + std::to_string(peer.port());
    config.credentials = {"AKIDEXAMPLE", "secret"};
    config.stall_timeout = std::chrono::seconds(1);
    config.attempts = 2;  // 1 s, 200 ms apart, 1 s
    s3::Client client(config);
    const auto began = std::chrono::steady_clock::now();
    EXPECT_THROW(client.head_object("bucket", "key"), s3::Error);
    EXPECT_GE(std::chrono::steady_clock::now() - began, std::chrono::milliseconds(2000));
}

TEST(S3Transport, BadArgumentsAreRefusedBeforeAnyRequest) {
    s3::ClientConfig config;
    config.endpoint = "http://127.0.0.1:1";
    s3::Client client(config);
    EXPECT_THROW(client.put_object("bucket", "", "v"), std::invalid_argument);
    EXPECT_THROW(client.put_object("bucket", std::string(1025, 'k'), "v"), std::invalid_argument);
    EXPECT_THROW(client.put_object("b/x", "k", "v"), std::invalid_argument);
    EXPECT_THROW(client.put_object("bucket", "k", "v", {{"mtime", "line\nbreak"}}),
                 std::invalid_argument);
    EXPECT_THROW(client.upload_part("bucket", "k", "id", 10001, "v"), std::invalid_argument);
    EXPECT_THROW(s3::Client(s3::ClientConfig{}), std::invalid_argument);  // no scheme
}

}  // namespace
}  // namespace drawbridge::testing
