// Logging in (USER, PASS through LoginGate) and the TLS commands (AUTH, PBSZ, PROT, CCC).
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "ftp/replies.h"
#include "ftp/session.h"
#include "ftp/tls.h"

namespace drawbridge::ftp {

using asio::use_awaitable;
namespace fs = std::filesystem;

asio::awaitable<core::LoginOutcome> Session::decide(core::LoginAttempt attempt) {
    // A password hash costs hundreds of milliseconds by design: it is spent on the node's login
    // pool, in the order of the addresses' records, not on the I/O thread that serves other
    // sessions (docs/login-gate.md#hashing-pool).
    auto ex = co_await asio::this_coro::executor;
    std::optional<core::LoginOutcome> result;
    asio::steady_timer done(ex, Clock::time_point::max());
    ctx_.logins.decide(std::move(attempt), [&](std::optional<core::LoginOutcome> outcome) {
        result = std::move(outcome);
        asio::post(ex, [&done] { done.cancel(); });
    });
    // The cancel is posted to this same single-threaded executor, so it cannot run before this
    // wait starts. A decision dropped at the server's stop never resumes this coroutine: it goes
    // with its io_context, after the pool has let go of it (Server::stop).
    boost::system::error_code ec;
    co_await done.async_wait(asio::redirect_error(use_awaitable, ec));
    if (!result) throw std::runtime_error("login check failed");
    co_return std::move(*result);
}

// The refusal's reply; the gate says when the connection ends with it (the address banned or
// blocked, or the per-connection cap on failed logins: docs/login-gate.md#per-connection-cap).
asio::awaitable<void> Session::refuse_login(const core::LoginOutcome& outcome) {
    co_await reply(login_refusal(outcome.shown, site_.site_hostname));
    if (!outcome.end_connection) co_return;
    co_await reply(guesses_->failures() >= auth::kMaxFailedLoginsPerConnection
                       ? "421 Too many failed logins; closing the connection."
                       : "421 This address may not log in now; closing the connection.");
    close_all();
}

asio::awaitable<void> Session::cmd_user(std::string arg) {
    if (files_) {
        co_await reply("530 Already logged in; open a new connection to change users.");
        co_return;
    }
    // Where TLS is required, a plain login is refused here, before the client sends its
    // password in clear; the gate decides it from the site alone (docs/ftp.md#plain-ftp).
    if (!control_.secure()) {
        if (const auto refused =
                ctx_.gate.refuse_plain_user(core::Interface::ftp, arg, peer_ip_, guesses_)) {
            attempted_login_ = true;
            username_.clear();
            co_await refuse_login(*refused);
            co_return;
        }
    }
    username_ = std::move(arg);
    co_await reply("331 Password required for " + username_.substr(0, 128) + ".");
}

asio::awaitable<void> Session::cmd_pass(std::string arg) {
    if (files_) {
        co_await reply("230 Already logged in.");
        co_return;
    }
    if (username_.empty()) {
        co_await reply("503 Log in with USER first.");
        co_await count_bad_command();
        co_return;
    }
    site_ = ctx_.store.load_site_settings();
    const std::string username = std::exchange(username_, {});
    core::LoginAttempt attempt{
        username, core::Interface::ftp, peer_ip_, core::PasswordCredential{std::move(arg)}, {}, {}};
    attempt.secure_transport = control_.secure();  // plain FTP: the gate decides (insecure_ftp)
    attempt.guesses = guesses_;
    attempted_login_ = true;
    const auto outcome = co_await decide(std::move(attempt));
    if (!outcome.ok()) {
        co_await refuse_login(outcome);
        co_return;
    }
    const core::User& user = *outcome.user;
    try {
        files_ = ctx_.options.open_files(user, core::Interface::ftp, peer_ip_);
    } catch (const std::exception& e) {
        spdlog::error("ftp: cannot open the root folder of '{}': {}", user.username, e.what());
    }
    if (!files_) {
        co_await reply("421 Your folder is unavailable; try again later.");
        close_all();
        co_return;
    }
    user_ = user;
    grant_ = outcome.grant;
    idle_timer_.cancel();  // the watchdog now wakes each second to re-admit the session
    cwd_ = "/";
    if (control_.secure()) {
        ctx_.owners.add(tls_token_, user.id);
        issue_login_tickets(control_.ssl());
    }
    co_await reply("230 User " + user.username + " logged in.");
}

asio::awaitable<void> Session::cmd_auth(std::string arg) {
    for (auto& ch : arg) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (control_.secure()) {
        co_await reply("503 TLS is already in use on this connection.");
        co_return;
    }
    // SSL is what curl asks first; TLS-C and TLS-P are the draft's names for the same thing.
    if (arg != "TLS" && arg != "SSL" && arg != "TLS-C" && arg != "TLS-P") {
        co_await reply("504 AUTH " + arg.substr(0, 16) + " is not supported; use AUTH TLS.");
        co_return;
    }
    co_await reply("234 AUTH " + arg + " successful; start the TLS handshake.");
    // Anything the client sent after AUTH in plain text is not trusted inside TLS.
    in_.clear();
    control_.start_tls(ctx_.tls);
    bind_session_token(control_.ssl(), &tls_token_);
    co_await control_.handshake();
    mark_session(control_.ssl(), tls_token_);
    // RFC 4217: the security exchange resets the login.
    username_.clear();
    files_.reset();
    user_.reset();
    ctx_.owners.remove(tls_token_);
}

asio::awaitable<void> Session::cmd_pbsz(std::string) {
    if (!control_.secure()) {
        co_await reply("503 PBSZ needs AUTH TLS first.");
        co_return;
    }
    // The buffer size is always 0 over TLS (RFC 4217 §9); nothing to remember.
    co_await reply("200 PBSZ=0");
}

asio::awaitable<void> Session::cmd_prot(std::string arg) {
    if (!control_.secure()) {
        co_await reply("503 PROT needs AUTH TLS first.");
        co_return;
    }
    const char level = static_cast<char>(std::toupper(static_cast<unsigned char>(arg[0])));
    if (arg.size() == 1 && level == 'P') {
        protect_data_ = true;
        co_await reply("200 Protection level set to P.");
    } else if (arg.size() == 1 && level == 'C') {
        co_await reply("534 Data connections must be protected when the control is; use PROT P.");
    } else {
        co_await reply("536 Only PROT P is supported.");
    }
}

asio::awaitable<void> Session::cmd_ccc(std::string) {
    co_await reply("534 CCC is not allowed: the control connection stays protected.");
}

}  // namespace drawbridge::ftp
