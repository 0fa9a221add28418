#pragma once
// Holds a TCP socket corked while a file goes out with sendfile(2): the kernel then sends only
// full segments and pushes once per call instead of once per page, which was most of a large
// download's server CPU (docs/ftp.md#speed). Uncorking, on leaving, sends the tail at once.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace drawbridge::core {

class TcpCork {
  public:
    explicit TcpCork(int socket) : socket_(socket) { set(1); }
    ~TcpCork() { set(0); }
    TcpCork(const TcpCork&) = delete;
    TcpCork& operator=(const TcpCork&) = delete;

  private:
    // A socket that refuses the option is served as before, uncorked.
    void set(int on) { ::setsockopt(socket_, IPPROTO_TCP, TCP_CORK, &on, sizeof on); }
    int socket_;
};

}  // namespace drawbridge::core
