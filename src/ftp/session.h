// One FTP session, as Asio coroutines on one io_context (so its state needs no lock): the
// command loop, a watchdog (idle timeout, re-admission) and the transfer in progress. It owns
// one object per concern, each in its own file: the control connection (ControlChannel), who
// is logged in (Login, through auth::LoginGate), where data connections come from and how they
// are protected (DataChannel), and the transfer (Transfer). Commands go through one table,
// whose flags are enforced once by dispatch(); files through vfs::FileSession.
//
// Replies chosen with ?: are built in a variable before co_await: GCC 12 destroys the
// temporaries of a conditional expression inside a co_await twice.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ftp/control_channel.h"
#include "ftp/data_channel.h"
#include "ftp/login.h"
#include "ftp/session_context.h"
#include "ftp/transfer.h"
#include "ftp/wire.h"

namespace drawbridge::ftp {

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(SessionContext& ctx, tcp::socket socket, bool implicit_tls, std::string peer_ip);
    ~Session();
    static void start(std::shared_ptr<Session> session);
    // The balancer's own health check (a PROXY LOCAL header): its close is not scored.
    void skip_abandoned_report() { login_.skip_abandoned_report(); }
    // A peer not in proxy.trusted: a PROXY header as its first bytes closes the connection.
    void refuse_proxy_header() { control_.refuse_proxy_header(); }

    struct Command;

  private:
    asio::awaitable<void> run();
    asio::awaitable<void> watchdog();
    void refuse_forged_proxy_header();
    asio::awaitable<void> dispatch(CommandLine cmd);
    asio::awaitable<void> reply(std::string text) { return control_.reply(std::move(text)); }
    std::string path_of(std::string_view arg) const;
    // The logged-in user's files (dispatch() has checked the login of the commands that use it).
    vfs::FileSession& files() const { return login_.files(); }

    // commands answered by one of the session's parts
    asio::awaitable<void> cmd_user(std::string arg) { return login_.cmd_user(std::move(arg)); }
    asio::awaitable<void> cmd_pass(std::string arg) { return login_.cmd_pass(std::move(arg)); }
    asio::awaitable<void> cmd_pbsz(std::string arg) { return data_.cmd_pbsz(std::move(arg)); }
    asio::awaitable<void> cmd_prot(std::string arg) { return data_.cmd_prot(std::move(arg)); }
    asio::awaitable<void> cmd_pasv(std::string arg) { return data_.cmd_pasv(std::move(arg)); }
    asio::awaitable<void> cmd_epsv(std::string arg) { return data_.cmd_epsv(std::move(arg)); }
    asio::awaitable<void> cmd_port(std::string arg) { return data_.cmd_port(std::move(arg)); }
    asio::awaitable<void> cmd_eprt(std::string arg) { return data_.cmd_eprt(std::move(arg)); }
    asio::awaitable<void> cmd_abor(std::string arg) { return transfer_.cmd_abor(std::move(arg)); }
    // HELP lists the table (session.cpp)
    asio::awaitable<void> cmd_help(std::string);
    // the other control commands (session_commands.cpp)
    asio::awaitable<void> cmd_auth(std::string);
    asio::awaitable<void> cmd_ccc(std::string);
    asio::awaitable<void> cmd_quit(std::string);
    asio::awaitable<void> cmd_noop(std::string);
    asio::awaitable<void> cmd_syst(std::string);
    asio::awaitable<void> cmd_feat(std::string);
    asio::awaitable<void> cmd_opts(std::string);
    asio::awaitable<void> cmd_stat(std::string);
    asio::awaitable<void> cmd_type(std::string);
    asio::awaitable<void> cmd_mode(std::string);
    asio::awaitable<void> cmd_stru(std::string);
    asio::awaitable<void> cmd_allo(std::string);
    asio::awaitable<void> cmd_rest(std::string);
    // files (session_files.cpp)
    asio::awaitable<void> cmd_pwd(std::string);
    asio::awaitable<void> cmd_cwd(std::string);
    asio::awaitable<void> cmd_cdup(std::string);
    asio::awaitable<void> cmd_size(std::string);
    asio::awaitable<void> cmd_mdtm(std::string);
    asio::awaitable<void> cmd_mfmt(std::string);
    asio::awaitable<void> cmd_rnfr(std::string);
    asio::awaitable<void> cmd_rnto(std::string);
    asio::awaitable<void> cmd_dele(std::string);
    asio::awaitable<void> cmd_mkd(std::string);
    asio::awaitable<void> cmd_rmd(std::string);
    asio::awaitable<void> cmd_mlst(std::string);
    asio::awaitable<void> cmd_retr(std::string);
    asio::awaitable<void> cmd_stor(std::string);
    asio::awaitable<void> cmd_appe(std::string);
    asio::awaitable<void> cmd_stou(std::string);
    asio::awaitable<void> cmd_list(std::string);
    asio::awaitable<void> cmd_nlst(std::string);
    asio::awaitable<void> cmd_mlsd(std::string);
    asio::awaitable<void> listing(Job::Kind kind, std::string arg);
    asio::awaitable<void> upload(std::string arg, bool append, bool unique);

    SessionContext& ctx_;
    const Peer peer_;
    const bool implicit_tls_;
    // Declared in the order they depend on each other (and destroyed in reverse).
    ControlChannel control_;
    Login login_;
    DataChannel data_;
    Transfer transfer_;

    // what the file commands remember between commands
    std::string cwd_ = "/";
    std::uint64_t rest_ = 0;
    std::uint64_t restart_ = 0;  // the REST offset that applies to the current command
    std::optional<std::string> rename_from_;

    static const Command kCommands[];
};

}  // namespace drawbridge::ftp
