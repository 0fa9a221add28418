// Data connections (PASV, EPSV, PORT, EPRT) and the transfers over them: files both ways, with
// REST and ASCII line ends, and listings streamed in constant memory.
#include <openssl/crypto.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <vector>

#include "core/cidr.h"
#include "ftp/replies.h"
#include "ftp/session.h"
#include "ftp/tls.h"

namespace drawbridge::ftp {

using asio::use_awaitable;

namespace {

constexpr std::size_t kChunk = 256 * 1024;
constexpr std::size_t kListingChunk = 32 * 1024;
constexpr auto kDataConnectTimeout = std::chrono::seconds(30);
// How long a plain-FTP upload waits, after its data connection ends, for a sign that the client
// is gone (docs/vfs.md#uploads): the two FINs of a killed client arrive microseconds apart.
constexpr auto kPlainEndGrace = std::chrono::milliseconds(25);

// Dual-stack sockets show IPv4 peers as ::ffff:a.b.c.d.
asio::ip::address plain(const asio::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    return a;
}

// The end of an upload's data. Over TLS only the client's close_notify ends it (asio's eof): a
// TCP close without one (stream_truncated) may be a client killed or a connection cut
// mid-file, or a forged FIN, so the upload is not committed (as vsftpd's strict_ssl_read_eof).
bool is_end_of_upload(const boost::system::error_code& ec) {
    return ec == asio::error::eof;
}

}  // namespace

std::unique_ptr<tcp::acceptor> PassivePorts::open(const asio::any_io_executor& ex,
                                                  const asio::ip::address& address) {
    const int count = min_ > 0 && max_ >= min_ ? max_ - min_ + 1 : 1;
    for (int i = 0; i < count; ++i) {
        const int port = min_ > 0 ? min_ + static_cast<int>(next_++ % count) : 0;
        auto acceptor = std::make_unique<tcp::acceptor>(ex);
        boost::system::error_code ec;
        const tcp::endpoint ep(address, static_cast<std::uint16_t>(port));
        acceptor->open(ep.protocol(), ec);
        if (!ec) acceptor->bind(ep, ec);
        if (!ec) acceptor->listen(1, ec);
        if (!ec) return acceptor;
    }
    return nullptr;
}

asio::awaitable<void> Session::cmd_pasv(std::string) {
    if (epsv_all_) {
        co_await reply("503 EPSV ALL was sent; use EPSV.");
        co_return;
    }
    const auto local = plain(control_.socket().local_endpoint().address());
    std::string announced = ctx_.options.passive_address;
    if (announced.empty()) {
        if (!local.is_v4()) {
            co_await reply("522 PASV is for IPv4; use EPSV.");
            co_return;
        }
        announced = local.to_string();
    }
    active_.reset();
    passive_ = ctx_.ports.open(control_.socket().get_executor(), local);
    if (!passive_) {
        co_await reply("425 No passive port is free; try again.");
        co_return;
    }
    co_await reply(pasv_reply(announced, passive_->local_endpoint().port()));
}

asio::awaitable<void> Session::cmd_epsv(std::string arg) {
    if (arg == "ALL" || arg == "all") {
        epsv_all_ = true;
        co_await reply("200 EPSV ALL ok.");
        co_return;
    }
    const auto local = control_.socket().local_endpoint().address();
    if (!arg.empty() && arg != (plain(local).is_v4() ? "1" : "2")) {
        const std::string text = std::string("522 Network protocol not supported, use (") +
                                 (plain(local).is_v4() ? "1" : "2") + ").";
        co_await reply(text);
        co_return;
    }
    active_.reset();
    passive_ = ctx_.ports.open(control_.socket().get_executor(), local);
    if (!passive_) {
        co_await reply("425 No passive port is free; try again.");
        co_return;
    }
    co_await reply("229 Entering Extended Passive Mode (|||" +
                   std::to_string(passive_->local_endpoint().port()) + "|).");
}

asio::awaitable<void> Session::set_active(const HostPort& hp) {
    if (epsv_all_) {
        co_await reply("503 EPSV ALL was sent; use EPSV.");
        co_return;
    }
    boost::system::error_code ec;
    const auto target = asio::ip::make_address(hp.ip, ec);
    // No FTP bounce: data goes only to the client's own address (behind a balancer, the one
    // its PROXY header named), and not to a system port.
    if (ec || plain(target) != plain(client_address_) || hp.port < 1024) {
        co_await reply("504 Data connections go only to your own address, port 1024 or above.");
        co_return;
    }
    passive_.reset();
    active_ = tcp::endpoint(target, hp.port);
    co_await reply("200 Active data connection to " + hp.ip + " port " + std::to_string(hp.port) +
                   ".");
}

asio::awaitable<void> Session::cmd_port(std::string arg) {
    const auto hp = parse_port_arg(arg);
    if (!hp) {
        co_await reply("501 PORT needs h1,h2,h3,h4,p1,p2.");
        co_return;
    }
    co_await set_active(*hp);
}

asio::awaitable<void> Session::cmd_eprt(std::string arg) {
    const auto hp = parse_eprt_arg(arg);
    if (!hp) {
        co_await reply("501 EPRT needs |1|address|port| or |2|address|port|.");
        co_return;
    }
    co_await set_active(*hp);
}

asio::awaitable<bool> Session::ready_for_transfer() {
    if (!passive_ && !active_) {
        co_await reply("425 Use PASV, EPSV, PORT or EPRT first.");
        co_return false;
    }
    if (control_.secure() && !protect_data_) {
        co_await reply("521 Data connections must be protected; send PBSZ 0 and PROT P.");
        co_return false;
    }
    co_return true;
}

void Session::start_transfer(Job job) {
    transfer_active_ = true;
    transfer_aborted_ = false;
    transfer_done_.expires_at(Clock::time_point::max());
    auto self = shared_from_this();
    asio::co_spawn(
        control_.socket().get_executor(),
        [self, job = std::move(job)]() mutable -> asio::awaitable<void> {
            co_await self->transfer(std::move(job));
        },
        asio::detached);
}

asio::awaitable<std::unique_ptr<Stream>> Session::open_data() {
    auto ex = control_.socket().get_executor();
    asio::steady_timer timer(ex);
    timer.expires_after(kDataConnectTimeout);
    boost::system::error_code ec;
    const auto peer = plain(control_.socket().remote_endpoint().address());
    const auto client = plain(client_address_);
    if (passive_) {
        auto acceptor = std::move(passive_);
        timer.async_wait([a = acceptor.get()](boost::system::error_code e) {
            if (!e) a->close(e);
        });
        passive_.reset();
        for (;;) {
            tcp::socket s(ex);
            co_await acceptor->async_accept(s, asio::redirect_error(use_awaitable, ec));
            if (ec) break;
            // Only the client itself may take its data connection: from the control
            // connection's peer, which behind a trusted balancer is the balancer relaying it,
            // or from the client's own address when it reaches the passive port directly.
            const auto from = plain(s.remote_endpoint(ec).address());
            if (from == peer || from == client) {
                timer.cancel();
                co_return std::make_unique<Stream>(std::move(s));
            }
            spdlog::warn("ftp: refused a data connection from {} meant for {}",
                         s.remote_endpoint(ec).address().to_string(), peer_ip_);
        }
        timer.cancel();
        co_return nullptr;
    }
    tcp::socket s(ex);
    const tcp::endpoint target = *std::exchange(active_, std::nullopt);
    timer.async_wait([&s](boost::system::error_code e) {
        if (!e) s.close(e);
    });
    co_await s.async_connect(target, asio::redirect_error(use_awaitable, ec));
    timer.cancel();
    if (ec) co_return nullptr;
    co_return std::make_unique<Stream>(std::move(s));
}

asio::awaitable<void> Session::transfer(Job job) {
    const bool upload = job.kind == Job::Kind::stor;
    std::uint64_t bytes = 0;
    int error = 0;  // for the audit
    std::string final_reply;
    std::unique_ptr<Stream> data;
    try {
        data = co_await open_data();
        if (!data) {
            error = ECONNREFUSED;
            final_reply = "425 Cannot open the data connection.";
        } else {
            data_ = data.get();
            co_await reply(job.opening);
            if (protect_data_) {
                data->start_tls(ctx_.tls);
                // No session tickets on a data connection: an uploading client never reads
                // them, and unread data makes its close a reset that cuts the upload short.
                SSL_set_num_tickets(data->ssl(), 0);
                co_await data->handshake();
                if (site_.ftp_require_tls_session_reuse && !data_session_acceptable(data->ssl())) {
                    error = EPERM;
                    final_reply =
                        "522 The data connection must resume the TLS session of the control "
                        "connection.";
                }
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
                if (file_err) {
                    error = file_err;
                    final_reply = file_error(file_err);
                } else if (upload && co_await control_gone(!data->secure())) {
                    // The client went away with the control connection: the end of the data
                    // may be a cut, not the end of the file, so the upload is not committed.
                    error = ECONNRESET;
                } else {
                    // Both ways: a client that sent close_notify after an upload waits for ours.
                    co_await data->shutdown(std::chrono::seconds(2));
                    if (upload) error = files_->commit(job.upload);
                    final_reply = error ? file_error(error) : "226 Transfer complete.";
                }
            }
        }
    } catch (const boost::system::system_error& e) {
        error = transfer_aborted_ ? ECANCELED : ECONNRESET;
        final_reply = "426 Connection closed; transfer aborted.";
        if (!transfer_aborted_)
            spdlog::debug("ftp: data connection of {} ended: {}", peer_ip_, e.what());
    }
    if (data) data->close();
    data_ = nullptr;
    // An upload not committed above was cut short: its temporary file goes, and its `create`
    // is logged as failed. A download's `read` entry counts what was sent.
    if (upload) files_->abort(job.upload, error ? error : ECONNRESET);
    if (job.kind == Job::Kind::retr) {
        job.download.add_bytes(bytes);
        files_->finish(job.download, error);
    }
    last_activity_ = Clock::now();
    try {
        if (!closed_) co_await reply(final_reply);
    } catch (const std::exception&) {
        close_all();
    }
    transfer_active_ = false;
    transfer_done_.cancel();
}

asio::awaitable<bool> Session::control_gone(bool plain_data) {
    // A client killed mid-upload closes both connections at once, in no set order. Over TLS the
    // missing close_notify already told; a plain data connection's end is only a FIN, so give
    // the control connection's own FIN a moment (kPlainEndGrace) to arrive.
    const auto deadline = Clock::now() + (plain_data ? kPlainEndGrace : Clock::duration::zero());
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (;;) {
        // Let a completion already queued for the control connection run first.
        co_await asio::post(co_await asio::this_coro::executor, use_awaitable);
        if (closed_) co_return true;
        char c = 0;
        const ssize_t n = ::recv(control_.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            co_return true;
        if (n > 0 || Clock::now() >= deadline) co_return false;
        pause.expires_after(std::chrono::milliseconds(5));
        co_await pause.async_wait(use_awaitable);
    }
}

bool Session::data_session_acceptable(SSL* data) const {
    const auto token = resumed_token(data);
    if (!token) return false;
    if (token->size() == tls_token_.size() &&
        CRYPTO_memcmp(token->data(), tls_token_.data(), token->size()) == 0)
        return true;
    return user_ && ctx_.owners.user_of(*token) == user_->id;
}

asio::awaitable<std::uint64_t> Session::send_file(Stream& data, Job& job) {
    const int fd = job.download.fd();
    std::uint64_t sent = 0;
    if (!data.secure() && !ascii_) {
        // Plain binary: the kernel copies from the page cache to the socket.
        tcp::socket& s = data.socket();
        s.native_non_blocking(true);
        off_t offset = static_cast<off_t>(job.offset);
        for (;;) {
            const ssize_t n = ::sendfile(s.native_handle(), fd, &offset, 1 << 20);
            if (n > 0) {
                sent += static_cast<std::uint64_t>(n);
                last_activity_ = Clock::now();
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
        last_activity_ = Clock::now();
    }
    co_return sent;
}

asio::awaitable<std::uint64_t> Session::receive_file(Stream& data, Job& job, int& file_err) {
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
        boost::system::error_code ec;
        std::size_t n = 0;
        try {
            n = co_await data.read_some(asio::buffer(buf));
        } catch (const boost::system::system_error& e) {
            if (!is_end_of_upload(e.code()) || transfer_aborted_) throw;
            break;
        }
        received += n;
        last_activity_ = Clock::now();
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

asio::awaitable<std::uint64_t> Session::send_listing(Stream& data, Job& job) {
    co_return co_await stream_listing(
        job,
        [&data](std::string chunk) -> asio::awaitable<void> {
            co_await data.write(asio::buffer(chunk));
        },
        "");
}

asio::awaitable<std::uint64_t> Session::stream_listing(Job& job, ChunkWriter write,
                                                       std::string prefix) {
    const auto now = std::time(nullptr);
    std::string chunk;
    std::uint64_t total = 0;
    auto add = [&](std::string_view name, struct stat st, std::string_view child) {
        if (S_ISLNK(st.st_mode) && job.kind == Job::Kind::mlsd) {
            // Show what a link inside the root points to; a link that leaves it stays a link.
            struct stat target {};
            if (files_->stat(child, true, target) == 0) st = target;
        }
        chunk += prefix;
        switch (job.kind) {
            // Names are escaped (a CR or LF in one would end the line); LIST's ls_line does it.
            case Job::Kind::nlst:
                chunk += vfs::escape_controls(name) + "\r\n";
                break;
            case Job::Kind::mlsd:
                chunk += mlsx_facts(st, files_->granted(child)) + " " + vfs::escape_controls(name) +
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
        last_activity_ = Clock::now();
    };
    if (job.single) {
        struct stat st {};
        files_->stat(job.path, false, st);
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
