// One SSH connection: its libssh session, its login through LoginGate, its SFTP channel and the
// replies waiting for the client's window. A connection belongs to one worker thread, the only
// thread that ever touches it (libssh sessions are not thread-safe). Each has its own ssh_event:
// libssh polls its event from inside its own calls (a write flushes by polling), and a poll
// shared by many sessions would run other sessions' callbacks in the middle of this one's.
#pragma once

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>

#include "audit/action_log.h"
#include "auth/login_gate.h"
#include "core/guess_memo.h"
#include "sftp/input.h"
#include "sftp/server.h"
#include "sftp/session.h"
#include "vfs/file_session.h"

namespace drawbridge::sftp {

class Connection {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;

    // Takes ownership of `session`, already accepted on its socket.
    // Decides a login attempt away from the event loop, then has on_decided() called on this
    // connection's worker thread (unless the connection is gone by then).
    using Decider = std::function<void(Connection&, core::LoginAttempt)>;

    Connection(ssh_session session, std::uint64_t id, std::string ip, auth::LoginGate& gate,
               audit::ActionLog& log, const ServerOptions& options, HandleCounter& handles,
               const core::SiteSettings& site, Decider decider);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Starts the key exchange without blocking. False when the connection failed at once.
    bool start();
    // The socket, for the worker's epoll; poll() lets libssh handle what arrived on it (never
    // waits); wants_write() is true while libssh holds output the socket did not take.
    int fd() const;
    void poll();
    bool wants_write() const;
    // Work after a poll: flush replies, resume paused SFTP requests, close when the client is
    // done, idle, or never logged in. False when the connection is over and may be destroyed.
    bool step(TimePoint now, bool stopping);
    const std::string& ip() const { return ip_; }
    std::uint64_t id() const { return id_; }
    void on_decided(const core::LoginOutcome& outcome);
    // A fault while serving this connection (an exception from a handler): logged once, and
    // the next step() closes the connection.
    void fail(const char* what);
    // Closing this connection unauthenticated is not reported to brute-force protection (a
    // balancer's health check, or the server stopping).
    void skip_abandoned_report() { report_abandoned_ = false; }

  private:
    friend struct Callbacks;

    struct MessageFree {
        void operator()(ssh_message m) const { ssh_message_free(m); }
    };
    using Message = std::unique_ptr<std::remove_pointer_t<ssh_message>, MessageFree>;

    void take_messages();
    void on_auth_request(Message msg);
    void on_channel_open(Message msg);
    void on_channel_request(Message msg);
    // A shell or a command (legacy scp, `ssh host cmd`): told on stderr that this server speaks
    // SFTP only, then the channel closes with a failing exit status.
    void refuse_command(ssh_message m, const char* what);
    // Channel data, from libssh's channel buffer: complete SFTP packets are handled in place
    // and their bytes taken; the rest (the start of a packet, or requests waiting for
    // back-pressure) stays in libssh's buffer, which offers it again with what follows. Before
    // the subsystem is open, bytes are kept here. Returns how many bytes were taken.
    std::size_t receive(std::string_view data);
    // Hands the SFTP engine what input_ holds, then `data`; returns how many bytes of `data`
    // it took.
    std::size_t take_input(std::string_view data);
    // After back-pressure: handles what input_ holds, then takes back what libssh kept.
    void resume_input();
    void decide(Message msg, core::Credential credential, std::string username);
    bool open_sftp();
    void flush();
    void flush_outbox();
    void coalesce_outbox_front();
    void close_channel();

    ssh_session session_;
    std::uint64_t id_;
    ssh_event event_ = nullptr;
    std::string ip_;
    auth::LoginGate& gate_;
    audit::ActionLog& log_;
    const ServerOptions& options_;
    HandleCounter& handles_;
    bool show_failure_reasons_ = false;
    Decider decider_;
    bool attempted_ = false;  // any login attempt or key probe
    // Why the gate ended this connection with its last refusal (the address banned, too many
    // failed logins on it): closed after the reply; empty while it may go on.
    std::string ended_because_;
    bool report_abandoned_ = true;  // also: a half-done login (partial_) is recorded at close
    bool failed_ = false;

    ssh_channel_callbacks_struct channel_cb_{};
    ssh_counter_struct socket_counter_{};  // bytes read from and written to the socket
    ssh_counter_struct packet_counter_{};  // SSH packets, keepalives included

    std::optional<core::User> user_;
    std::optional<core::SessionGrant> grant_;  // what the login proved; re-admitted each second
    TimePoint readmitted_at_;
    std::set<core::Factor> verified_;
    std::optional<std::int64_t> verified_user_id_;
    // A first factor proved and nothing decided since: when the connection closes so, the gate
    // records the login as refused for the missing factor (LoginGate::refuse_partial).
    std::optional<core::LoginOutcome> partial_;
    std::string partial_username_;
    std::string deciding_username_;  // the name of the attempt in pending_auth_
    // Wrong guesses counted already: OpenSSH offers one password by keyboard-interactive and
    // then by "password", which is one guess.
    std::shared_ptr<core::GuessMemo> guesses_ = std::make_shared<core::GuessMemo>();
    std::string kbdint_user_;   // the answer to a keyboard-interactive prompt does not repeat it
    bool kbdint_code_ = false;  // the prompt asked for the second factor's code
    int auth_methods_ =
        SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_INTERACTIVE;
    Message pending_auth_;  // the request the gate is deciding; answered in on_decided()

    ssh_channel channel_ = nullptr;
    std::unique_ptr<vfs::FileSession> files_;
    std::unique_ptr<Session> sftp_;
    std::string early_input_;
    static constexpr std::size_t kEarlyInputLimit = 64 * 1024;
    // Input to handle before anything libssh holds: the early input, or what was taken back
    // from libssh after a pause. Past the start of one packet, only while paused.
    HeldInput input_{[this](std::string_view data) { return sftp_->consume(data); }, kMaxPacket};
    std::size_t held_ = 0;              // bytes libssh keeps for us (not taken by the last receive)
    const char* bad_stream_ = nullptr;  // why the SFTP stream cannot go on: step() closes it
    bool handling_ = false;  // SFTP requests are running: replies wait, no call into libssh
    // libssh 0.10 tops the window up to 1.28 MB only when the window left and what it holds for
    // us fall below half of that, so a client can leave at most about 1.9 MB untaken; one that
    // leaves far more is not honouring its window.
    static constexpr std::size_t kHeldLimit = 4 * 1024 * 1024;
    // libssh reads at most 4 KiB from the socket per poll: this many polls per wakeup drain a
    // busy upload with fewer epoll rounds and steps, and leave the loop's other connections
    // their turn.
    static constexpr int kPollsPerWakeup = 64;
    // Small replies queued together (those of the requests one wakeup handled) leave in one
    // SSH packet, one send, up to this size.
    static constexpr std::size_t kCoalesceUpTo = 32 * 1024;

    TimePoint accepted_at_;
    TimePoint last_activity_;
    std::uint64_t packets_seen_ = 0;
    std::optional<TimePoint> close_deadline_;  // set once we have closed our side
    bool channel_closed_ = false;
    bool peer_eof_ = false;

    // Replies wait here until the client's window takes them: the session is non-blocking, so
    // a write never waits (and never re-enters libssh from inside one of its callbacks).
    std::deque<std::string> outbox_;
    std::size_t out_offset_ = 0;
    std::size_t out_bytes_ = 0;
    bool flushing_ = false;
    static constexpr std::size_t kOutboxLimit = 8 * 1024 * 1024;
    static constexpr auto kReadmitEvery = std::chrono::seconds(1);
};

}  // namespace drawbridge::sftp
