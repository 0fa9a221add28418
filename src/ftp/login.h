// Who is logged in on one FTP session: USER and PASS decided by auth::LoginGate on the login
// pool, the connection's guess memo and its count of bad commands before a login, the grant the
// session is re-admitted with, and the user's files. Scores a connection that closes without
// trying to log in (docs/login-gate.md).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/guess_memo.h"
#include "core/site_settings.h"
#include "ftp/control_channel.h"
#include "ftp/session_context.h"
#include "vfs/file_session.h"

namespace drawbridge::ftp {

class Login {
  public:
    // Logged in, the session is re-admitted this often: rights taken back end it at once.
    static constexpr auto kReadmitEvery = std::chrono::seconds(1);

    Login(SessionContext& ctx, ControlChannel& control, const Peer& peer);
    ~Login();
    Login(const Login&) = delete;
    Login& operator=(const Login&) = delete;

    // The site's settings, loaded when the session starts and again for each PASS.
    void load_site() { site_ = ctx_.store.load_site_settings(); }
    const core::SiteSettings& site() const { return site_; }

    bool logged_in() const { return files_ != nullptr; }
    vfs::FileSession& files() const { return *files_; }
    // The logged-in user; nullopt before a login.
    const std::optional<core::User>& user() const { return user_; }
    // For the logs: the logged-in user's name, else the one USER gave.
    const std::string& name() const { return user_ ? user_->username : username_; }

    asio::awaitable<void> cmd_user(std::string name);
    asio::awaitable<void> cmd_pass(std::string password);
    // RFC 4217: the security exchange (AUTH TLS) starts the login over.
    void restart();

    // Counts a bad command before a login; false when that was one too many and the connection
    // has been closed.
    asio::awaitable<bool> count_bad_command();
    // Logged in, with a grant to re-admit (the watchdog does it every kReadmitEvery).
    bool granted() const { return grant_.has_value(); }
    // The refusal that ends a session whose rights were taken back; nullopt otherwise.
    std::optional<auth::Refusal> readmit();

    // The balancer's own health check (a PROXY LOCAL header), or a forged PROXY header: its
    // close is not scored.
    void skip_abandoned_report() { report_abandoned_ = false; }

  private:
    asio::awaitable<core::LoginOutcome> decide(core::LoginAttempt attempt);
    asio::awaitable<void> refuse(const core::LoginOutcome& outcome);

    SessionContext& ctx_;
    ControlChannel& control_;
    const Peer& peer_;
    core::SiteSettings site_;
    std::string username_;  // USER's name, waiting for PASS
    // The wrong guesses this connection has already had counted (a client may repeat one).
    std::shared_ptr<core::GuessMemo> guesses_ = std::make_shared<core::GuessMemo>();
    std::optional<core::User> user_;
    std::optional<core::SessionGrant> grant_;  // what the login proved; re-admitted each second
    std::unique_ptr<vfs::FileSession> files_;
    int bad_commands_ = 0;
    bool attempted_login_ = false;  // a PASS (or a plain USER the gate refused) reached the gate
    bool report_abandoned_ = true;
};

}  // namespace drawbridge::ftp
