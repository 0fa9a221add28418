#include "ftp/login.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "ftp/replies.h"
#include "ftp/tls.h"

namespace drawbridge::ftp {

using asio::use_awaitable;

namespace {

constexpr int kMaxBadCommandsBeforeLogin = 10;

}  // namespace

Login::Login(SessionContext& ctx, ControlChannel& control, const Peer& peer)
    : ctx_(ctx), control_(control), peer_(peer) {}

Login::~Login() {
    ctx_.owners.remove(control_.tls_token());
    // A connection that closes without a login attempt scores its address a little (scanners).
    // The store write goes to the login pool, off the I/O thread.
    if (!attempted_login_ && report_abandoned_ && !ctx_.stopping) {
        ctx_.logins.run(peer_.ip, [&gate = ctx_.gate, ip = peer_.ip] {
            try {
                gate.connection_abandoned(core::Interface::ftp, ip);
            } catch (const std::exception& e) {
                spdlog::error("ftp: {}: cannot record an abandoned connection: {}", ip, e.what());
            }
        });
    }
}

asio::awaitable<core::LoginOutcome> Login::decide(core::LoginAttempt attempt) {
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
asio::awaitable<void> Login::refuse(const core::LoginOutcome& outcome) {
    co_await control_.reply(login_refusal(outcome.shown, site_.site_hostname));
    if (!outcome.end_connection) co_return;
    co_await control_.reply(guesses_->failures() >= auth::kMaxFailedLoginsPerConnection
                                ? "421 Too many failed logins; closing the connection."
                                : "421 This address may not log in now; closing the connection.");
    control_.close();
}

asio::awaitable<void> Login::cmd_user(std::string name) {
    if (files_) {
        co_await control_.reply("530 Already logged in; open a new connection to change users.");
        co_return;
    }
    // Where TLS is required, a plain login is refused here, before the client sends its
    // password in clear; the gate decides it from the site alone (docs/ftp.md#plain-ftp).
    if (!control_.secure()) {
        if (const auto refused =
                ctx_.gate.refuse_plain_user(core::Interface::ftp, name, peer_.ip, guesses_)) {
            attempted_login_ = true;
            username_.clear();
            co_await refuse(*refused);
            co_return;
        }
    }
    username_ = std::move(name);
    co_await control_.reply("331 Password required for " + username_.substr(0, 128) + ".");
}

asio::awaitable<void> Login::cmd_pass(std::string password) {
    if (files_) {
        co_await control_.reply("230 Already logged in.");
        co_return;
    }
    if (username_.empty()) {
        co_await control_.reply("503 Log in with USER first.");
        co_await count_bad_command();
        co_return;
    }
    load_site();
    const std::string username = std::exchange(username_, {});
    core::LoginAttempt attempt{username, core::Interface::ftp,
                               peer_.ip, core::PasswordCredential{std::move(password)},
                               {},       {}};
    attempt.secure_transport = control_.secure();  // plain FTP: the gate decides (insecure_ftp)
    // One PASS: a user with an authenticator app sends the code after the password.
    attempt.code_may_follow_password = true;
    attempt.guesses = guesses_;
    attempted_login_ = true;
    const auto outcome = co_await decide(std::move(attempt));
    if (!outcome.ok()) {
        co_await refuse(outcome);
        co_return;
    }
    const core::User& user = *outcome.user;
    try {
        files_ = ctx_.options.open_files(user, core::Interface::ftp, peer_.ip);
    } catch (const std::exception& e) {
        spdlog::error("ftp: cannot open the root folder of '{}': {}", user.username, e.what());
    }
    if (!files_) {
        co_await control_.reply("421 Your folder is unavailable; try again later.");
        control_.close();
        co_return;
    }
    user_ = user;
    grant_ = outcome.grant;
    control_.wake();  // the watchdog now wakes each second to re-admit the session
    if (control_.secure()) {
        ctx_.owners.add(control_.tls_token(), user.id);
        issue_login_tickets(control_.ssl());
    }
    co_await control_.reply("230 User " + user.username + " logged in.");
}

void Login::restart() {
    // AUTH after a login starts it over (RFC 4217 §4): nothing the plain login proved stands,
    // nor is it re-admitted any more.
    username_.clear();
    files_.reset();
    user_.reset();
    grant_.reset();
    ctx_.owners.remove(control_.tls_token());
}

asio::awaitable<bool> Login::count_bad_command() {
    if (files_ || ++bad_commands_ < kMaxBadCommandsBeforeLogin) co_return true;
    co_await control_.reply("421 Too many bad commands; closing the connection.");
    control_.close();
    co_return false;
}

std::optional<auth::Refusal> Login::readmit() {
    if (!grant_) return std::nullopt;
    return ctx_.gate.readmit(*grant_);
}

}  // namespace drawbridge::ftp
