// The session's life (start, the command loop, the watchdog) and the one command table with
// its dispatch. The control commands are in session_commands.cpp, the file commands in
// session_files.cpp.
#include "ftp/session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "core/failure_reason.h"

namespace drawbridge::ftp {

namespace {

enum Flags : unsigned {
    kLogin = 1,    // needs a logged-in user
    kArg = 2,      // needs an argument
    kAnytime = 4,  // answered at once while a transfer runs (others wait for it to end)
};

Peer make_peer(std::string ip) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(ip, ec);
    return Peer{std::move(ip), address};
}

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
      peer_(make_peer(std::move(peer_ip))),
      implicit_tls_(implicit_tls),
      control_(std::move(socket)),
      login_(ctx, control_, peer_),
      data_(ctx, control_, login_, peer_),
      transfer_(control_, data_, login_, peer_) {
    // Closing the control connection ends the session: its data connections go with it.
    control_.on_close([this] {
        transfer_.close();
        data_.close();
    });
    ++ctx_.live_sessions;
}

Session::~Session() {
    --ctx_.live_sessions;
}

void Session::start(std::shared_ptr<Session> s) {
    auto ex = s->control_.socket().get_executor();
    asio::co_spawn(
        ex, [s]() -> asio::awaitable<void> { co_await s->run(); }, asio::detached);
    asio::co_spawn(
        ex, [s]() -> asio::awaitable<void> { co_await s->watchdog(); }, asio::detached);
}

void Session::refuse_forged_proxy_header() {
    spdlog::warn("ftp: {}: closed: PROXY protocol header from a peer not in proxy.trusted",
                 peer_.ip);
    login_.skip_abandoned_report();  // as on SFTP: refused like a ban, not scored as a scanner
    control_.close();
}

std::string Session::path_of(std::string_view arg) const {
    // dispatch() has refused an argument the vfs does not decode; cwd_ never holds one.
    return vfs::virtual_path(arg, cwd_).value_or(cwd_);
}

asio::awaitable<void> Session::run() {
    try {
        login_.load_site();
        if (implicit_tls_) {
            if (!co_await control_.first_bytes_acceptable()) {
                if (control_.forged_proxy_header()) refuse_forged_proxy_header();
                control_.close();
                co_return;
            }
            co_await control_.start_tls(ctx_.tls);
            data_.protect_from_start();
        }
        co_await reply("220 drawbridge FTP server ready.");
        while (!control_.closed()) {
            ControlChannel::Line line = co_await control_.read_line();
            if (line.eof) {
                if (control_.forged_proxy_header()) refuse_forged_proxy_header();
                break;
            }
            control_.touch();
            if (line.too_long) {
                co_await reply("500 Command line too long.");
                if (!co_await login_.count_bad_command()) break;
                continue;
            }
            auto cmd = parse_command(line.text);
            if (!cmd) continue;
            co_await dispatch(std::move(*cmd));
        }
    } catch (const boost::system::system_error& e) {
        spdlog::debug("ftp: {}: {}", peer_.ip, e.what());  // the peer went away
    } catch (const std::exception& e) {
        // A fault while serving this session ends it, and only it.
        spdlog::error("ftp: {}: session of '{}' failed and is closed: {}", peer_.ip, login_.name(),
                      e.what());
    }
    control_.close();
    // An upload the client never finished is settled by its transfer; wait for it.
    co_await transfer_.wait();
}

asio::awaitable<void> Session::watchdog() {
    const auto idle = std::chrono::seconds(ctx_.options.idle_timeout_seconds);
    while (!control_.closed()) {
        // Logged in, it also wakes each second: rights taken back end the session at once.
        auto deadline = control_.last_activity() + idle;
        if (login_.granted()) deadline = std::min(deadline, Clock::now() + Login::kReadmitEvery);
        co_await control_.sleep_until(deadline);
        if (control_.closed()) break;
        if (const auto refused = login_.readmit()) {
            spdlog::info("ftp: {}: session of '{}' ended: {} ({})", peer_.ip, login_.name(),
                         core::to_string(refused->reason), refused->detail);
            co_await control_.say_and_close(
                "421 Session ended: " + std::string(core::info(refused->reason).title) + ".");
            break;
        }
        if (Clock::now() < control_.last_activity() + idle) continue;
        spdlog::info("ftp: closing idle session of '{}' from {}", login_.name(), peer_.ip);
        co_await control_.say_and_close("421 Idle timeout; closing the connection.");
    }
}

asio::awaitable<void> Session::dispatch(CommandLine cmd) {
    const Command* c = nullptr;
    for (const auto& row : kCommands)
        if (row.verb == cmd.verb) c = &row;
    if (!c) {
        co_await reply("500 Unknown command '" + cmd.verb.substr(0, 16) + "'.");
        co_await login_.count_bad_command();
        co_return;
    }
    if (transfer_.active() && !(c->flags & kAnytime)) co_await transfer_.wait();
    if ((c->flags & kLogin) && !login_.logged_in()) {
        co_await reply("530 Please log in with USER and PASS first.");
        co_await login_.count_bad_command();
        co_return;
    }
    // Arguments are paths for most commands; a NUL in one is refused here, before any command
    // sees it, with the vfs's words (see vfs::path_fault).
    if (const auto why = vfs::path_fault(cmd.arg); !why.empty()) {
        co_await reply("501 Refused: " + std::string(why) + ".");
        co_await login_.count_bad_command();
        co_return;
    }
    if ((c->flags & kArg) && cmd.arg.empty()) {
        co_await reply("501 Syntax error: " + std::string(c->help) + ".");
        co_await login_.count_bad_command();
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

// HELP lists the table.
asio::awaitable<void> Session::cmd_help(std::string) {
    std::string text = "214-The following commands are recognized:\r\n";
    for (const auto& c : kCommands) text += " " + std::string(c.help) + "\r\n";
    co_await control_.send_raw(text + "214 Help OK.\r\n");
}

}  // namespace drawbridge::ftp
