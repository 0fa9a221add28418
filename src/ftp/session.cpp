#include "ftp/session.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/crypto.h"
#include "core/proxy_protocol.h"
#include "core/proxy_socket.h"
#include "ftp/replies.h"
#include "ftp/tls.h"

namespace drawbridge::ftp {

using asio::use_awaitable;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxLine = 4096;  // PATH_MAX plus a verb
constexpr int kMaxBadCommandsBeforeLogin = 10;

enum Flags : unsigned {
    kLogin = 1,    // needs a logged-in user
    kArg = 2,      // needs an argument
    kAnytime = 4,  // answered at once while a transfer runs (others wait for it to end)
};

}  // namespace

struct Session::Command {
    std::string_view verb;
    asio::awaitable<void> (Session::*fn)(std::string);
    unsigned flags;
    std::string_view help;
};

// The one dispatch table (RFC 959, 2228, 2389, 2428, 3659, 4217). X* are RFC 775's aliases.
const Session::Command Session::kCommands[] = {
    {"USER", &Session::cmd_user, kArg, "USER <name>"},
    {"PASS", &Session::cmd_pass, 0, "PASS <password>"},
    {"QUIT", &Session::cmd_quit, 0, "QUIT"},
    {"NOOP", &Session::cmd_noop, kAnytime, "NOOP"},
    {"SYST", &Session::cmd_syst, 0, "SYST"},
    {"FEAT", &Session::cmd_feat, 0, "FEAT"},
    {"OPTS", &Session::cmd_opts, kArg, "OPTS UTF8 ON"},
    {"HELP", &Session::cmd_help, 0, "HELP"},
    {"STAT", &Session::cmd_stat, kAnytime, "STAT [<path>]"},
    {"AUTH", &Session::cmd_auth, kArg, "AUTH TLS"},
    {"PBSZ", &Session::cmd_pbsz, kArg, "PBSZ 0"},
    {"PROT", &Session::cmd_prot, kArg, "PROT P"},
    {"CCC", &Session::cmd_ccc, 0, "CCC (refused)"},
    {"ABOR", &Session::cmd_abor, kAnytime, "ABOR"},
    {"PWD", &Session::cmd_pwd, kLogin, "PWD"},
    {"XPWD", &Session::cmd_pwd, kLogin, "XPWD"},
    {"CWD", &Session::cmd_cwd, kLogin | kArg, "CWD <path>"},
    {"XCWD", &Session::cmd_cwd, kLogin | kArg, "XCWD <path>"},
    {"CDUP", &Session::cmd_cdup, kLogin, "CDUP"},
    {"XCUP", &Session::cmd_cdup, kLogin, "XCUP"},
    {"TYPE", &Session::cmd_type, kLogin | kArg, "TYPE A|I"},
    {"MODE", &Session::cmd_mode, kLogin | kArg, "MODE S"},
    {"STRU", &Session::cmd_stru, kLogin | kArg, "STRU F"},
    {"ALLO", &Session::cmd_allo, kLogin, "ALLO <size>"},
    {"PASV", &Session::cmd_pasv, kLogin, "PASV"},
    {"EPSV", &Session::cmd_epsv, kLogin, "EPSV [1|2|ALL]"},
    {"PORT", &Session::cmd_port, kLogin | kArg, "PORT h1,h2,h3,h4,p1,p2"},
    {"EPRT", &Session::cmd_eprt, kLogin | kArg, "EPRT |1|address|port|"},
    {"LIST", &Session::cmd_list, kLogin, "LIST [<path>]"},
    {"NLST", &Session::cmd_nlst, kLogin, "NLST [<path>]"},
    {"MLSD", &Session::cmd_mlsd, kLogin, "MLSD [<path>]"},
    {"MLST", &Session::cmd_mlst, kLogin, "MLST [<path>]"},
    {"RETR", &Session::cmd_retr, kLogin | kArg, "RETR <path>"},
    {"STOR", &Session::cmd_stor, kLogin | kArg, "STOR <path>"},
    {"APPE", &Session::cmd_appe, kLogin | kArg, "APPE <path>"},
    {"STOU", &Session::cmd_stou, kLogin, "STOU [<name>]"},
    {"REST", &Session::cmd_rest, kLogin | kArg, "REST <offset>"},
    {"SIZE", &Session::cmd_size, kLogin | kArg, "SIZE <path>"},
    {"MDTM", &Session::cmd_mdtm, kLogin | kArg, "MDTM <path>"},
    {"MFMT", &Session::cmd_mfmt, kLogin | kArg, "MFMT <YYYYMMDDHHMMSS> <path>"},
    {"RNFR", &Session::cmd_rnfr, kLogin | kArg, "RNFR <path>"},
    {"RNTO", &Session::cmd_rnto, kLogin | kArg, "RNTO <path>"},
    {"DELE", &Session::cmd_dele, kLogin | kArg, "DELE <path>"},
    {"MKD", &Session::cmd_mkd, kLogin | kArg, "MKD <path>"},
    {"XMKD", &Session::cmd_mkd, kLogin | kArg, "XMKD <path>"},
    {"RMD", &Session::cmd_rmd, kLogin | kArg, "RMD <path>"},
    {"XRMD", &Session::cmd_rmd, kLogin | kArg, "XRMD <path>"},
};

Session::Session(SessionContext& ctx, tcp::socket socket, bool implicit_tls, std::string peer_ip)
    : ctx_(ctx),
      control_(std::move(socket)),
      implicit_tls_(implicit_tls),
      peer_ip_(std::move(peer_ip)),
      tls_token_(core::crypto::random_bytes(16)),
      idle_timer_(control_.socket().get_executor()),
      transfer_done_(control_.socket().get_executor()) {
    boost::system::error_code ec;
    client_address_ = asio::ip::make_address(peer_ip_, ec);
    ++ctx_.live_sessions;
}

Session::~Session() {
    ctx_.owners.remove(tls_token_);
    --ctx_.live_sessions;
    // A connection that closes without a login attempt scores its address a little (scanners).
    // The store write goes to the login pool, off the I/O thread.
    if (!attempted_login_ && report_abandoned_ && !ctx_.stopping) {
        ctx_.logins.run(peer_ip_, [&gate = ctx_.gate, ip = peer_ip_] {
            try {
                gate.connection_abandoned(core::Interface::ftp, ip);
            } catch (const std::exception& e) {
                spdlog::error("ftp: {}: cannot record an abandoned connection: {}", ip, e.what());
            }
        });
    }
}

void Session::refuse_forged_proxy_header() {
    spdlog::warn("ftp: {}: closed: PROXY protocol header from a peer not in proxy.trusted",
                 peer_ip_);
    report_abandoned_ = false;  // as on SFTP: refused like a ban, not scored as a scanner
    close_all();
}

asio::awaitable<bool> Session::first_bytes_acceptable() {
    if (!check_first_bytes_) co_return true;
    check_first_bytes_ = false;
    // The watchdog closes the socket of a client that never sends anything.
    boost::system::error_code ec;
    co_await control_.socket().async_wait(tcp::socket::wait_read,
                                          asio::redirect_error(use_awaitable, ec));
    if (ec || closed_) co_return false;
    // A TLS ClientHello never starts like a PROXY header, not even its first byte.
    if (core::peek_first_bytes(control_.socket().native_handle()) ==
        core::FirstBytes::proxy_header) {
        refuse_forged_proxy_header();
        co_return false;
    }
    co_return true;
}

void Session::start(std::shared_ptr<Session> s) {
    auto ex = s->control_.socket().get_executor();
    asio::co_spawn(
        ex, [s]() -> asio::awaitable<void> { co_await s->run(); }, asio::detached);
    asio::co_spawn(
        ex, [s]() -> asio::awaitable<void> { co_await s->watchdog(); }, asio::detached);
}

void Session::close_all() {
    closed_ = true;
    control_.close();
    if (data_) data_->close();
    if (passive_) {
        boost::system::error_code ec;
        passive_->close(ec);
    }
    idle_timer_.cancel();
}

std::string Session::path_of(std::string_view arg) const {
    // dispatch() has refused an argument the vfs does not decode; cwd_ never holds one.
    return vfs::virtual_path(arg, cwd_).value_or(cwd_);
}

asio::awaitable<void> Session::run() {
    try {
        site_ = ctx_.store.load_site_settings();
        if (implicit_tls_) {
            if (!co_await first_bytes_acceptable()) {
                close_all();
                co_return;
            }
            control_.start_tls(ctx_.tls);
            bind_session_token(control_.ssl(), &tls_token_);
            co_await control_.handshake();
            mark_session(control_.ssl(), tls_token_);
            protect_data_ = true;
        }
        co_await reply("220 drawbridge FTP server ready.");
        while (!closed_) {
            Line line = co_await read_line();
            if (line.eof) break;
            last_activity_ = Clock::now();
            if (line.too_long) {
                co_await reply("500 Command line too long.");
                if (!co_await count_bad_command()) break;
                continue;
            }
            auto cmd = parse_command(line.text);
            if (!cmd) continue;
            co_await dispatch(std::move(*cmd));
        }
    } catch (const boost::system::system_error& e) {
        spdlog::debug("ftp: {}: {}", peer_ip_, e.what());  // the peer went away
    } catch (const std::exception& e) {
        // A fault while serving this session ends it, and only it.
        spdlog::error("ftp: {}: session of '{}' failed and is closed: {}", peer_ip_,
                      user_ ? user_->username : username_, e.what());
    }
    close_all();
    // An upload the client never finished is settled by its transfer; wait for it.
    co_await wait_for_transfer();
}

asio::awaitable<void> Session::watchdog() {
    const auto idle = std::chrono::seconds(ctx_.options.idle_timeout_seconds);
    boost::system::error_code ec;
    while (!closed_) {
        // Logged in, it also wakes each second: rights taken back end the session at once.
        auto deadline = last_activity_ + idle;
        if (grant_) deadline = std::min(deadline, Clock::now() + kReadmitEvery);
        idle_timer_.expires_at(deadline);
        co_await idle_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
        if (closed_) break;
        if (grant_) {
            if (const auto refused = ctx_.gate.readmit(*grant_)) {
                spdlog::info("ftp: {}: session of '{}' ended: {} ({})", peer_ip_, user_->username,
                             core::to_string(refused->reason), refused->detail);
                co_await say_and_close(
                    "421 Session ended: " + std::string(core::info(refused->reason).title) + ".");
                break;
            }
        }
        if (Clock::now() < last_activity_ + idle) continue;
        spdlog::info("ftp: closing idle session of '{}' from {}",
                     user_ ? user_->username : username_, peer_ip_);
        co_await say_and_close("421 Idle timeout; closing the connection.");
    }
}

// A last reply, unless a reply is being written (it would interleave), then closing.
asio::awaitable<void> Session::say_and_close(const std::string& text) {
    if (!writing_) {
        out_ += text + "\r\n";
        boost::system::error_code write_ec;
        if (control_.secure())
            co_await asio::async_write(*control_.tls(), asio::buffer(out_),
                                       asio::redirect_error(use_awaitable, write_ec));
        else
            co_await asio::async_write(control_.socket(), asio::buffer(out_),
                                       asio::redirect_error(use_awaitable, write_ec));
    }
    close_all();
}

asio::awaitable<Session::Line> Session::read_line() {
    Line out;
    bool discarding = false;
    char buf[2048];
    for (;;) {
        // FTP servers speak first, so a client not behind a trusted balancer shows what it is
        // with its first bytes: a PROXY header there is an attempt to forge its address.
        if (check_first_bytes_) {
            const auto opening = core::classify_opening(in_);
            if (opening == core::Opening::proxy_header) {
                refuse_forged_proxy_header();
                out.eof = true;
                co_return out;
            }
            if (opening == core::Opening::other) check_first_bytes_ = false;
        }
        const auto nl = check_first_bytes_ ? std::string::npos : in_.find('\n');
        if (nl != std::string::npos) {
            if (discarding || nl > kMaxLine) {
                out.too_long = true;
            } else {
                out.text = in_.substr(0, nl);
            }
            in_.erase(0, nl + 1);
            co_return out;
        }
        if (in_.size() > kMaxLine) {
            in_.clear();
            discarding = true;
        }
        try {
            const std::size_t n = co_await control_.read_some(asio::buffer(buf));
            in_.append(buf, n);
        } catch (const boost::system::system_error&) {
            out.eof = true;
            co_return out;
        }
    }
}

asio::awaitable<void> Session::send_raw(std::string text) {
    out_ += text;
    // Replies come from the command loop and from a transfer's end: one writer at a time.
    if (writing_) co_return;
    writing_ = true;
    try {
        while (!out_.empty()) {
            std::string chunk;
            chunk.swap(out_);
            co_await control_.write(asio::buffer(chunk));
        }
    } catch (...) {
        writing_ = false;
        throw;
    }
    writing_ = false;
}

asio::awaitable<bool> Session::count_bad_command() {
    if (files_ || ++bad_commands_ < kMaxBadCommandsBeforeLogin) co_return true;
    co_await reply("421 Too many bad commands; closing the connection.");
    close_all();
    co_return false;
}

asio::awaitable<void> Session::wait_for_transfer() {
    boost::system::error_code ec;
    while (transfer_active_)
        co_await transfer_done_.async_wait(asio::redirect_error(use_awaitable, ec));
}

asio::awaitable<void> Session::dispatch(CommandLine cmd) {
    const Command* c = nullptr;
    for (const auto& row : kCommands)
        if (row.verb == cmd.verb) c = &row;
    if (!c) {
        co_await reply("500 Unknown command '" + cmd.verb.substr(0, 16) + "'.");
        co_await count_bad_command();
        co_return;
    }
    if (transfer_active_ && !(c->flags & kAnytime)) co_await wait_for_transfer();
    if ((c->flags & kLogin) && !files_) {
        co_await reply("530 Please log in with USER and PASS first.");
        co_await count_bad_command();
        co_return;
    }
    // Arguments are paths for most commands; a NUL in one is refused here, before any command
    // sees it, with the vfs's words (see vfs::path_fault).
    if (const auto why = vfs::path_fault(cmd.arg); !why.empty()) {
        co_await reply("501 Refused: " + std::string(why) + ".");
        co_await count_bad_command();
        co_return;
    }
    if ((c->flags & kArg) && cmd.arg.empty()) {
        co_await reply("501 Syntax error: " + std::string(c->help) + ".");
        co_await count_bad_command();
        co_return;
    }
    if (cmd.verb != "RNTO") {
        // RNFR's name holds only for the command right after it.
        if (cmd.verb != "RNFR") rename_from_.reset();
    }
    // REST's offset holds only for the command right after it.
    restart_ = std::exchange(rest_, 0);
    co_await (this->*(c->fn))(std::move(cmd.arg));
}

asio::awaitable<void> Session::cmd_quit(std::string) {
    co_await reply("221 Goodbye.");
    close_all();
}

asio::awaitable<void> Session::cmd_noop(std::string) {
    co_await reply("200 NOOP ok.");
}

asio::awaitable<void> Session::cmd_syst(std::string) {
    co_await reply("215 UNIX Type: L8");
}

asio::awaitable<void> Session::cmd_feat(std::string) {
    co_await send_raw(
        "211-Features:\r\n"
        " AUTH TLS\r\n"
        " PBSZ\r\n"
        " PROT\r\n"
        " EPRT\r\n"
        " EPSV\r\n"
        " MDTM\r\n"
        " MFMT\r\n"
        " MLST type*;size*;modify*;perm*;unix.mode*;\r\n"
        " REST STREAM\r\n"
        " SIZE\r\n"
        " TVFS\r\n"
        " UTF8\r\n"
        "211 End\r\n");
}

asio::awaitable<void> Session::cmd_opts(std::string arg) {
    auto cmd = parse_command(arg);
    if (cmd && cmd->verb == "UTF8") {
        co_await reply("200 UTF8 mode is always on.");
    } else if (cmd && cmd->verb == "MLST") {
        co_await reply("200 MLST OPTS type;size;modify;perm;unix.mode;");
    } else {
        co_await reply("501 Option not understood.");
    }
}

asio::awaitable<void> Session::cmd_help(std::string) {
    std::string text = "214-The following commands are recognized:\r\n";
    for (const auto& c : kCommands) text += " " + std::string(c.help) + "\r\n";
    co_await send_raw(text + "214 Help OK.\r\n");
}

asio::awaitable<void> Session::cmd_stat(std::string arg) {
    if (!arg.empty()) {
        if (!files_) {
            co_await reply("530 Please log in with USER and PASS first.");
            co_return;
        }
        if (transfer_active_) {
            co_await reply("450 A transfer is running; STAT of a path waits for it.");
            co_return;
        }
        Job job;
        job.kind = Job::Kind::list;
        job.path = path_of(list_path_arg(arg));
        struct stat st {};
        if (const int e = files_->stat(job.path, false, st)) {
            co_await reply(file_error(e));
            co_return;
        }
        job.single = !S_ISDIR(st.st_mode);
        // A listing over the control connection: the same rule as LIST.
        if (const int e = job.single ? 0 : files_->list(job.path, job.dir)) {
            co_await reply(file_error(e));
            co_return;
        }
        co_await reply("213-Status of " + job.path + ":");
        co_await stream_listing(
            job, [this](std::string chunk) -> asio::awaitable<void> { co_await send_raw(chunk); },
            " ");
        co_await reply("213 End of status.");
        co_return;
    }
    std::string text = "211-drawbridge FTP server status:\r\n";
    text += " Connected from " + peer_ip_ + "\r\n";
    text += files_ ? " Logged in as " + user_->username + "\r\n" : " Not logged in\r\n";
    text += std::string(" Control connection ") +
            (control_.secure() ? "protected by TLS" : "in plain text") + "\r\n";
    text += std::string(" TYPE: ") + (ascii_ ? "ASCII" : "BINARY") +
            "; PROT: " + (protect_data_ ? "P" : "C") + "\r\n";
    if (transfer_active_) text += " A data transfer is in progress\r\n";
    co_await send_raw(text + "211 End of status.\r\n");
}

asio::awaitable<void> Session::cmd_type(std::string arg) {
    auto cmd = parse_command(arg);
    const std::string t = cmd ? cmd->verb : "";
    if (t == "I" || (t == "L" && cmd->arg == "8")) {
        ascii_ = false;
        co_await reply("200 Type set to I.");
    } else if (t == "A" && (cmd->arg.empty() || cmd->arg == "N")) {
        ascii_ = true;
        co_await reply("200 Type set to A.");
    } else {
        co_await reply("504 TYPE " + arg.substr(0, 16) + " is not supported; use A or I.");
    }
}

asio::awaitable<void> Session::cmd_mode(std::string arg) {
    if (arg == "S" || arg == "s")
        co_await reply("200 Mode set to S.");
    else
        co_await reply("504 Only MODE S (stream) is supported.");
}

asio::awaitable<void> Session::cmd_stru(std::string arg) {
    if (arg == "F" || arg == "f")
        co_await reply("200 Structure set to F.");
    else
        co_await reply("504 Only STRU F (file) is supported.");
}

asio::awaitable<void> Session::cmd_allo(std::string) {
    co_await reply("202 No storage allocation necessary.");
}

asio::awaitable<void> Session::cmd_abor(std::string) {
    if (!transfer_active_) {
        co_await reply("225 No transfer to abort.");
        co_return;
    }
    transfer_aborted_ = true;
    if (data_) data_->close();
    if (passive_) {
        boost::system::error_code ec;
        passive_->close(ec);
    }
    co_await wait_for_transfer();  // its 426 comes first
    co_await reply("226 Abort successful.");
}

asio::awaitable<void> Session::cmd_rest(std::string arg) {
    std::uint64_t offset = 0;
    const auto [p, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), offset);
    if (ec != std::errc{} || p != arg.data() + arg.size()) {
        co_await reply("501 REST needs a byte offset.");
        co_return;
    }
    rest_ = offset;
    co_await reply("350 Restarting at " + std::to_string(offset) + ". Send STOR or RETR.");
}

}  // namespace drawbridge::ftp
