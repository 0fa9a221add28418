// The transfer in progress on one FTP session: it runs beside the command loop, over the data
// connection that DataChannel opens, moving a file either way (REST offsets, ASCII line ends)
// or a listing in constant memory. ABOR cuts it; the commands that must wait for its end wait
// here.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ftp/control_channel.h"
#include "ftp/data_channel.h"
#include "ftp/login.h"
#include "ftp/session_context.h"
#include "ftp/stream.h"
#include "vfs/file_session.h"

namespace drawbridge::ftp {

// What a data transfer does, decided by the command before the data connection opens.
struct Job {
    enum class Kind { retr, stor, list, nlst, mlsd } kind = Kind::retr;
    std::string path;        // virtual path (for the audit and the listing)
    std::string opening;     // the 150 reply's text
    vfs::Download download;  // retr
    vfs::Upload upload;      // stor
    vfs::DirReader dir;      // a listing of a folder, opened by the command
    std::uint64_t offset = 0;
    bool single = false;  // a listing of one file rather than a folder
};

// Writes the listing of `job.path` through `write` in chunks (constant memory), each line after
// `prefix`: over a data connection, or STAT's over the control connection.
using ChunkWriter = std::function<asio::awaitable<void>(std::string)>;
asio::awaitable<std::uint64_t> stream_listing(vfs::FileSession& files, Job& job, ChunkWriter write,
                                              std::string prefix);

class Transfer {
  public:
    Transfer(ControlChannel& control, DataChannel& data, const Login& login, const Peer& peer);

    // TYPE: ASCII converts line ends both ways; binary (I) sends the bytes as they are.
    bool ascii() const { return ascii_; }
    void set_ascii(bool ascii) { ascii_ = ascii; }

    // Runs `job` beside the command loop; `session` is kept alive until it ends.
    void start(Job job, std::shared_ptr<void> session);
    bool active() const { return active_; }
    // Until the transfer in progress (if any) has ended and replied.
    asio::awaitable<void> wait();
    // ABOR: the transfer answers 426, then ABOR 226.
    asio::awaitable<void> cmd_abor(std::string);
    // Closes the data connection in use (the session is ending).
    void close();

  private:
    asio::awaitable<void> run(Job job);
    asio::awaitable<std::uint64_t> send_file(Stream& data, Job& job);
    asio::awaitable<std::uint64_t> receive_file(Stream& data, Job& job, int& file_error);
    asio::awaitable<std::uint64_t> send_listing(Stream& data, Job& job);

    ControlChannel& control_;
    DataChannel& channel_;
    const Login& login_;
    const Peer& peer_;
    bool ascii_ = false;
    Stream* data_ = nullptr;  // the running transfer's connection, for ABOR
    bool active_ = false;
    bool aborted_ = false;
    asio::steady_timer done_;
};

}  // namespace drawbridge::ftp
