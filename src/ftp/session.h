// One FTP control connection and its data connections, as Asio coroutines on one io_context
// (so a session's own state needs no lock). Commands go through one table; logins through
// auth::LoginGate; files through vfs::FileSession.
//
// Replies chosen with ?: are built in a variable before co_await: GCC 12 destroys the
// temporaries of a conditional expression inside a co_await twice.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "audit/action_log.h"
#include "auth/login_gate.h"
#include "auth/login_pool.h"
#include "core/guess_memo.h"
#include "core/site_settings.h"
#include "ftp/options.h"
#include "ftp/stream.h"
#include "ftp/tls.h"
#include "ftp/wire.h"
#include "store/store.h"
#include "vfs/file_session.h"
#include "vfs/listing.h"

namespace drawbridge::ftp {

// Hands out passive ports from the configured range, round robin, shared by every session.
class PassivePorts {
  public:
    PassivePorts(int min, int max) : min_(min), max_(max) {}
    // Opens a listening socket on `address`, on a free port of the range.
    std::unique_ptr<tcp::acceptor> open(const asio::any_io_executor& ex,
                                        const asio::ip::address& address);

  private:
    int min_, max_;
    std::atomic<unsigned> next_{0};
};

// Everything a session shares with the others of its server.
struct SessionContext {
    const ServerOptions& options;
    auth::LoginGate& gate;
    audit::ActionLog& log;
    store::Store& store;
    asio::ssl::context& tls;
    auth::LoginPool::Client& logins;  // logins hash passwords away from the I/O threads
    PassivePorts& ports;
    SessionOwners& owners;
    std::atomic<int>& live_sessions;
    const std::atomic<bool>& stopping;  // the server is stopping: closes are no abandons
};

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(SessionContext& ctx, tcp::socket socket, bool implicit_tls, std::string peer_ip);
    ~Session();
    static void start(std::shared_ptr<Session> session);
    // The balancer's own health check (a PROXY LOCAL header): its close is not scored.
    void skip_abandoned_report() { report_abandoned_ = false; }
    // A peer not in proxy.trusted: a PROXY header as its first bytes closes the connection.
    void refuse_proxy_header() { check_first_bytes_ = true; }

    struct Command;

  private:
    using Clock = std::chrono::steady_clock;
    struct Line {
        std::string text;
        bool too_long = false;
        bool eof = false;
    };
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

    asio::awaitable<void> run();
    asio::awaitable<void> watchdog();
    asio::awaitable<void> say_and_close(const std::string& text);
    asio::awaitable<Line> read_line();
    // Implicit FTPS: waits for the client's first bytes and refuses a PROXY header.
    asio::awaitable<bool> first_bytes_acceptable();
    void refuse_forged_proxy_header();
    asio::awaitable<void> send_raw(std::string text);
    // One reply line: a control character in it (a file name's CR or LF) is escaped, so that a
    // name never ends the reply early or forges another.
    asio::awaitable<void> reply(std::string text) {
        co_await send_raw(vfs::escape_controls(text) + "\r\n");
    }
    asio::awaitable<void> dispatch(CommandLine cmd);
    asio::awaitable<bool> count_bad_command();
    asio::awaitable<void> refuse_login(const core::LoginOutcome& outcome);
    asio::awaitable<void> wait_for_transfer();
    void close_all();
    std::string path_of(std::string_view arg) const;
    asio::awaitable<core::LoginOutcome> decide(core::LoginAttempt attempt);

    // control (session.cpp)
    asio::awaitable<void> cmd_user(std::string);
    asio::awaitable<void> cmd_pass(std::string);
    asio::awaitable<void> cmd_quit(std::string);
    asio::awaitable<void> cmd_noop(std::string);
    asio::awaitable<void> cmd_syst(std::string);
    asio::awaitable<void> cmd_feat(std::string);
    asio::awaitable<void> cmd_opts(std::string);
    asio::awaitable<void> cmd_help(std::string);
    asio::awaitable<void> cmd_stat(std::string);
    asio::awaitable<void> cmd_type(std::string);
    asio::awaitable<void> cmd_mode(std::string);
    asio::awaitable<void> cmd_stru(std::string);
    asio::awaitable<void> cmd_allo(std::string);
    asio::awaitable<void> cmd_auth(std::string);
    asio::awaitable<void> cmd_pbsz(std::string);
    asio::awaitable<void> cmd_prot(std::string);
    asio::awaitable<void> cmd_ccc(std::string);
    asio::awaitable<void> cmd_abor(std::string);
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
    // What the user's folder permissions allow at `path` (for MLSx's perm fact).
    asio::awaitable<void> upload(std::string arg, bool append, bool unique);
    // data connections and transfers (session_data.cpp)
    asio::awaitable<void> cmd_pasv(std::string);
    asio::awaitable<void> cmd_epsv(std::string);
    asio::awaitable<void> cmd_port(std::string);
    asio::awaitable<void> cmd_eprt(std::string);
    asio::awaitable<void> set_active(const HostPort& hp);
    asio::awaitable<bool> ready_for_transfer();
    void start_transfer(Job job);
    asio::awaitable<void> transfer(Job job);
    bool data_session_acceptable(SSL* data) const;
    asio::awaitable<std::unique_ptr<Stream>> open_data();
    // Whether the control connection has ended (an upload's end of data is then no proof
    // that the file is complete); `plain_data` waits a moment for it.
    asio::awaitable<bool> control_gone(bool plain_data);
    asio::awaitable<std::uint64_t> send_file(Stream& data, Job& job);
    asio::awaitable<std::uint64_t> receive_file(Stream& data, Job& job, int& file_error);
    asio::awaitable<std::uint64_t> send_listing(Stream& data, Job& job);
    // Writes the listing of `job.path` through `write` in chunks (constant memory).
    using ChunkWriter = std::function<asio::awaitable<void>(std::string)>;
    asio::awaitable<std::uint64_t> stream_listing(Job& job, ChunkWriter write, std::string prefix);

    SessionContext& ctx_;
    Stream control_;
    bool implicit_tls_;
    std::string peer_ip_;  // the client's address (from the PROXY header behind a balancer)
    asio::ip::address client_address_;
    bool check_first_bytes_ = false;
    bool report_abandoned_ = true;
    bool attempted_login_ = false;  // a PASS (or a plain USER the gate refused) reached the gate
    std::string tls_token_;  // ties data connections' TLS sessions to this control connection
    core::SiteSettings site_;
    std::string in_;   // received bytes not yet split into lines
    std::string out_;  // replies waiting for the writer
    bool writing_ = false;
    bool closed_ = false;
    Clock::time_point last_activity_ = Clock::now();
    asio::steady_timer idle_timer_;

    // login state
    std::string username_;
    // The wrong guesses this connection has already had counted (a client may repeat one).
    std::shared_ptr<core::GuessMemo> guesses_ = std::make_shared<core::GuessMemo>();
    std::optional<core::User> user_;
    std::optional<core::SessionGrant> grant_;  // what the login proved; re-admitted each second
    static constexpr auto kReadmitEvery = std::chrono::seconds(1);
    std::unique_ptr<vfs::FileSession> files_;
    int bad_commands_ = 0;

    // command state
    std::string cwd_ = "/";
    bool ascii_ = false;
    bool protect_data_ = false;  // PROT P
    bool epsv_all_ = false;
    std::uint64_t rest_ = 0;
    std::uint64_t restart_ = 0;  // the REST offset that applies to the current command
    std::optional<std::string> rename_from_;

    // data connection state
    std::unique_ptr<tcp::acceptor> passive_;
    std::optional<tcp::endpoint> active_;
    Stream* data_ = nullptr;  // the running transfer's connection, for ABOR
    bool transfer_active_ = false;
    bool transfer_aborted_ = false;
    asio::steady_timer transfer_done_;

    static const Command kCommands[];
};

}  // namespace drawbridge::ftp
