#include "ftp/transfer.h"

#include "core/tcp_cork.h"

#include <sys/sendfile.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <vector>

#include "ftp/replies.h"
#include "ftp/wire.h"

namespace drawbridge::ftp {

using asio::use_awaitable;

namespace {

constexpr std::size_t kChunk = 256 * 1024;
constexpr std::size_t kListingChunk = 32 * 1024;
// How long a plain-FTP upload waits, after its data connection ends, for a sign that the client
// is gone (docs/vfs.md#uploads): the two FINs of a killed client arrive microseconds apart.
constexpr auto kPlainEndGrace = std::chrono::milliseconds(25);

// The end of an upload's data. Over TLS only the client's close_notify ends it (asio's eof): a
// TCP close without one (stream_truncated) may be a client killed or a connection cut
// mid-file, or a forged FIN, so the upload is not committed (as vsftpd's strict_ssl_read_eof).
bool is_end_of_upload(const boost::system::error_code& ec) {
    return ec == asio::error::eof;
}

}  // namespace

Transfer::Transfer(ControlChannel& control, DataChannel& data, const Login& login, const Peer& peer)
    : control_(control),
      channel_(data),
      login_(login),
      peer_(peer),
      done_(control.socket().get_executor()) {}

void Transfer::start(Job job, std::shared_ptr<void> session) {
    active_ = true;
    aborted_ = false;
    done_.expires_at(Clock::time_point::max());
    asio::co_spawn(
        control_.socket().get_executor(),
        [this, session, job = std::move(job)]() mutable -> asio::awaitable<void> {
            co_await run(std::move(job));
        },
        asio::detached);
}

asio::awaitable<void> Transfer::wait() {
    boost::system::error_code ec;
    while (active_) co_await done_.async_wait(asio::redirect_error(use_awaitable, ec));
}

asio::awaitable<void> Transfer::cmd_abor(std::string) {
    if (!active_) {
        co_await control_.reply("225 No transfer to abort.");
        co_return;
    }
    aborted_ = true;
    close();
    channel_.close();
    co_await wait();  // its 426 comes first
    co_await control_.reply("226 Abort successful.");
}

void Transfer::close() {
    if (data_) data_->close();
}

asio::awaitable<void> Transfer::run(Job job) {
    const bool upload = job.kind == Job::Kind::stor;
    vfs::FileSession& files = login_.files();
    std::uint64_t bytes = 0;
    int error = 0;  // for the audit
    std::string final_reply;
    std::unique_ptr<Stream> data;
    try {
        data = co_await channel_.open();
        if (!data) {
            error = ECONNREFUSED;
            final_reply = "425 Cannot open the data connection.";
        } else {
            data_ = data.get();
            co_await control_.reply(job.opening);
            if (!co_await channel_.protect(*data)) {
                error = EPERM;
                final_reply =
                    "522 The data connection must resume the TLS session of the control "
                    "connection.";
            }
            if (final_reply.empty()) {
                int file_err = 0;
                if (job.kind == Job::Kind::retr)
                    bytes = co_await send_file(*data, job);
                else if (upload) {
                    bytes = co_await receive_file(*data, job, file_err);
                    job.upload.add_bytes(bytes);
                } else
                    bytes = co_await send_listing(*data, job);
                // A client killed mid-upload closes both connections at once, in no set order.
                // Over TLS the missing close_notify already told; a plain data connection's
                // end is only a FIN, so give the control connection's own FIN a moment.
                const auto grace = data->secure() ? Clock::duration::zero() : kPlainEndGrace;
                if (file_err) {
                    error = file_err;
                    final_reply = file_error(file_err);
                } else if (upload && co_await control_.gone(grace)) {
                    // The client went away with the control connection: the end of the data
                    // may be a cut, not the end of the file, so the upload is not committed.
                    error = ECONNRESET;
                } else {
                    // Both ways: a client that sent close_notify after an upload waits for ours.
                    co_await data->shutdown(std::chrono::seconds(2));
                    if (upload) error = files.commit(job.upload);
                    final_reply = error ? file_error(error) : "226 Transfer complete.";
                }
            }
        }
    } catch (const boost::system::system_error& e) {
        error = aborted_ ? ECANCELED : ECONNRESET;
        final_reply = "426 Connection closed; transfer aborted.";
        if (!aborted_) spdlog::debug("ftp: data connection of {} ended: {}", peer_.ip, e.what());
    }
    if (data) data->close();
    data_ = nullptr;
    // An upload not committed above was cut short: its temporary file goes, and its `create`
    // is logged as failed. A download's `read` entry counts what was sent.
    if (upload) files.abort(job.upload, error ? error : ECONNRESET);
    if (job.kind == Job::Kind::retr) {
        job.download.add_bytes(bytes);
        files.finish(job.download, error);
    }
    control_.touch();
    try {
        if (!control_.closed()) co_await control_.reply(final_reply);
    } catch (const std::exception&) {
        control_.close();
    }
    active_ = false;
    done_.cancel();
}

asio::awaitable<std::uint64_t> Transfer::send_file(Stream& data, Job& job) {
    const int fd = job.download.fd();
    std::uint64_t sent = 0;
    if (!data.secure() && !ascii_) {
        // Plain binary: the kernel copies from the page cache to the socket.
        tcp::socket& s = data.socket();
        s.native_non_blocking(true);
        const int fdsock = s.native_handle();
        const core::TcpCork cork(fdsock);
        off_t offset = static_cast<off_t>(job.offset);
        for (;;) {
            // As much as the kernel takes at once (it caps one call near 2 GiB): fewer rounds
            // through the syscall and splice setup than fixed small steps.
            const ssize_t n = ::sendfile(fdsock, fd, &offset, 0x7ffff000);
            if (n > 0) {
                sent += static_cast<std::uint64_t>(n);
                control_.touch();
                continue;
            }
            if (n == 0) break;
            if (errno == EAGAIN) {
                co_await s.async_wait(tcp::socket::wait_write, use_awaitable);
                continue;
            }
            if (errno == EINTR) continue;
            throw boost::system::system_error(errno, boost::system::system_category());
        }
        co_return sent;
    }
    std::vector<char> buf(kChunk);
    std::string converted;
    off_t offset = static_cast<off_t>(job.offset);
    bool last_was_cr = false;
    for (;;) {
        const ssize_t n = ::pread(fd, buf.data(), buf.size(), offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw boost::system::system_error(errno, boost::system::system_category());
        if (n == 0) break;
        offset += n;
        if (ascii_) {
            // ASCII type: bare LF becomes CRLF on the wire.
            converted.clear();
            for (ssize_t i = 0; i < n; ++i) {
                if (buf[i] == '\n' && !last_was_cr) converted.push_back('\r');
                converted.push_back(buf[i]);
                last_was_cr = buf[i] == '\r';
            }
            co_await data.write(asio::buffer(converted));
        } else {
            co_await data.write(asio::buffer(buf.data(), static_cast<std::size_t>(n)));
        }
        sent += static_cast<std::uint64_t>(n);
        control_.touch();
    }
    co_return sent;
}

asio::awaitable<std::uint64_t> Transfer::receive_file(Stream& data, Job& job, int& file_err) {
    std::vector<char> buf(kChunk);
    std::uint64_t received = 0;
    bool pending_cr = false;  // ASCII: a CR at the end of a chunk, maybe half of a CRLF
    auto write_all = [&](const char* p, std::size_t len) {
        while (len > 0 && !file_err) {
            const ssize_t w = ::write(job.upload.fd(), p, len);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                file_err = errno;
                break;
            }
            p += w;
            len -= static_cast<std::size_t>(w);
        }
    };
    for (;;) {
        std::size_t n = 0;
        try {
            n = co_await data.read_some(asio::buffer(buf));
        } catch (const boost::system::system_error& e) {
            if (!is_end_of_upload(e.code()) || aborted_) throw;
            break;
        }
        received += n;
        control_.touch();
        if (!ascii_) {
            write_all(buf.data(), n);
        } else {
            // ASCII type: CRLF on the wire becomes LF in the file.
            std::string out;
            out.reserve(n + 1);
            for (std::size_t i = 0; i < n; ++i) {
                if (pending_cr) {
                    if (buf[i] != '\n') out.push_back('\r');
                    pending_cr = false;
                }
                if (buf[i] == '\r')
                    pending_cr = true;
                else
                    out.push_back(buf[i]);
            }
            write_all(out.data(), out.size());
        }
        if (file_err) co_return received;
    }
    if (pending_cr) write_all("\r", 1);
    co_return received;
}

asio::awaitable<std::uint64_t> Transfer::send_listing(Stream& data, Job& job) {
    co_return co_await stream_listing(
        login_.files(), job,
        [this, &data](std::string chunk) -> asio::awaitable<void> {
            co_await data.write(asio::buffer(chunk));
            control_.touch();
        },
        "");
}

asio::awaitable<std::uint64_t> stream_listing(vfs::FileSession& files, Job& job, ChunkWriter write,
                                              std::string prefix) {
    const auto now = std::time(nullptr);
    std::string chunk;
    std::uint64_t total = 0;
    auto add = [&](std::string_view name, struct stat st, std::string_view child) {
        if (S_ISLNK(st.st_mode) && job.kind == Job::Kind::mlsd) {
            // Show what a link inside the root points to; a link that leaves it stays a link.
            struct stat target {};
            if (files.stat(child, true, target) == 0) st = target;
        }
        chunk += prefix;
        switch (job.kind) {
            // Names are escaped (a CR or LF in one would end the line); LIST's ls_line does it.
            case Job::Kind::nlst:
                chunk += vfs::escape_controls(name) + "\r\n";
                break;
            case Job::Kind::mlsd:
                chunk += mlsx_facts(st, files.granted(child)) + " " + vfs::escape_controls(name) +
                         "\r\n";
                break;
            default:
                chunk += list_line(name, st, now);
        }
    };
    auto flush = [&]() -> asio::awaitable<void> {
        total += chunk.size();
        co_await write(std::move(chunk));
        chunk.clear();
    };
    if (job.single) {
        struct stat st {};
        files.stat(job.path, false, st);
        const auto slash = job.path.rfind('/');
        add(job.kind == Job::Kind::nlst ? std::string_view(job.path)
                                        : std::string_view(job.path).substr(slash + 1),
            st, job.path);
    } else {
        // Opened (and its list permission checked) by the command; in-progress uploads are
        // never among its entries.
        const std::string base = job.path == "/" ? "/" : job.path + "/";
        while (auto entry = job.dir.next()) {
            add(entry->first, entry->second, base + entry->first);
            if (chunk.size() >= kListingChunk) co_await flush();
        }
    }
    if (!chunk.empty()) co_await flush();
    co_return total;
}

}  // namespace drawbridge::ftp
