#include "sftp/connection.h"

#include <libssh/server.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace drawbridge::sftp {
namespace fs = std::filesystem;

namespace {

// Secure algorithms only, unless the site opts in to legacy ones (docs/sftp.md).
constexpr const char* kKex =
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group18-sha512,diffie-hellman-group16-sha512,"
    "diffie-hellman-group14-sha256";
constexpr const char* kCiphers =
    "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,"
    "aes192-ctr,aes128-ctr";
constexpr const char* kMacs =
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512";
constexpr const char* kHostKeyAlgorithms =
    "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256";

// What `sftp_insecure_ciphers` adds, after the secure ones so that a modern client still
// negotiates those: SHA-1 key exchanges and MACs, CBC ciphers, SHA-1 RSA signatures.
constexpr const char* kLegacyKex = ",diffie-hellman-group14-sha1,diffie-hellman-group1-sha1";
constexpr const char* kLegacyCiphers = ",aes256-cbc,aes192-cbc,aes128-cbc,3des-cbc";
constexpr const char* kLegacyMacs = ",hmac-sha1-etm@openssh.com,hmac-sha1";
constexpr const char* kLegacyHostKeyAlgorithms = ",ssh-rsa";

// A client that has not logged in by then is cut off, as OpenSSH's LoginGraceTime does.
constexpr auto kLoginGrace = std::chrono::seconds(120);
// After our EOF and close, how long the client has to close its side.
constexpr auto kCloseLinger = std::chrono::seconds(1);

void set_algorithms(ssh_session session, bool legacy) {
    const auto list = [legacy](const char* secure, const char* extra) {
        return std::string(secure) + (legacy ? extra : "");
    };
    ssh_options_set(session, SSH_OPTIONS_KEY_EXCHANGE, list(kKex, kLegacyKex).c_str());
    ssh_options_set(session, SSH_OPTIONS_CIPHERS_C_S, list(kCiphers, kLegacyCiphers).c_str());
    ssh_options_set(session, SSH_OPTIONS_CIPHERS_S_C, list(kCiphers, kLegacyCiphers).c_str());
    ssh_options_set(session, SSH_OPTIONS_HMAC_C_S, list(kMacs, kLegacyMacs).c_str());
    ssh_options_set(session, SSH_OPTIONS_HMAC_S_C, list(kMacs, kLegacyMacs).c_str());
    ssh_options_set(session, SSH_OPTIONS_HOSTKEYS,
                    list(kHostKeyAlgorithms, kLegacyHostKeyAlgorithms).c_str());
}

}  // namespace

// libssh's C callbacks, each forwarding to the Connection in its userdata.
struct Callbacks {
    static Connection& of(void* userdata) { return *static_cast<Connection*>(userdata); }

    // `data` is the channel's whole input buffer inside libssh: valid until this returns, as
    // nothing in it calls back into libssh. The bytes not taken stay there, and come again in
    // front of the next data (docs/sftp.md#input). No exception may cross libssh's C frames:
    // a fault while serving a packet ends this connection (step() closes it), is logged, and
    // every other connection serves on.
    static int channel_data(ssh_session, ssh_channel, void* data, uint32_t len, int is_stderr,
                            void* ud) {
        auto& c = of(ud);
        if (is_stderr || c.failed_) return static_cast<int>(len);
        try {
            return static_cast<int>(
                c.receive(std::string_view(static_cast<const char*>(data), len)));
        } catch (const std::exception& e) {
            c.handling_ = false;
            c.fail(e.what());
        }
        return static_cast<int>(len);
    }

    // The client has sent all it will; step() finishes its requests, then closes.
    static void channel_eof(ssh_session, ssh_channel, void* ud) { of(ud).peer_eof_ = true; }

    static void channel_close(ssh_session, ssh_channel, void* ud) { of(ud).channel_closed_ = true; }

    static int write_wontblock(ssh_session, ssh_channel, uint32_t, void* ud) {
        try {
            of(ud).flush();
        } catch (const std::exception& e) {
            of(ud).fail(e.what());
        }
        return 0;
    }
};

Connection::Connection(ssh_session session, std::uint64_t id, std::string ip, auth::LoginGate& gate,
                       audit::ActionLog& log, const ServerOptions& options, HandleCounter& handles,
                       const core::SiteSettings& site, Decider decider)
    : session_(session),
      id_(id),
      ip_(std::move(ip)),
      gate_(gate),
      log_(log),
      options_(options),
      handles_(handles),
      show_failure_reasons_(site.sftp_show_failure_reasons),
      decider_(std::move(decider)),
      accepted_at_(std::chrono::steady_clock::now()),
      last_activity_(accepted_at_) {
    set_algorithms(session_, site.sftp_insecure_ciphers || options_.legacy_algorithms);
    // No server callbacks: with them libssh answers by itself every request they do not take,
    // and its authentication callbacks must answer at once, while a password check costs a
    // hash that would stall every other session of this event loop. So requests stay queued as
    // messages; step() takes them, and answers an authentication when the gate, on another
    // thread, has decided.
    ssh_set_auth_methods(session_, auth_methods_);
    // Every packet the client sends, keepalives and null packets included, counts as activity.
    ssh_set_counters(session_, &socket_counter_, &packet_counter_);
}

Connection::~Connection() {
    pending_auth_.reset();
    // A connection that never tried to log in scores its address a little (scanners); one that
    // proved a first factor and left without the second is a refused login, recorded as such.
    if (!user_ && report_abandoned_) {
        try {
            if (!attempted_) gate_.connection_abandoned(core::Interface::sftp, ip_);
            if (partial_)
                gate_.refuse_partial(core::Interface::sftp, partial_username_, ip_, *partial_,
                                     "before the connection closed");
        } catch (const std::exception& e) {
            spdlog::error("sftp: {}: cannot record how a connection without a login ended: {}", ip_,
                          e.what());
        }
    }
    sftp_.reset();  // aborts uploads that were not closed
    files_.reset();
    if (event_) {
        ssh_event_remove_session(event_, session_);
        ssh_event_free(event_);
    }
    ssh_disconnect(session_);
    ssh_free(session_);
}

bool Connection::start() {
    ssh_set_blocking(session_, 0);
    // Non-blocking, this sends our banner, sets up the key exchange and returns SSH_AGAIN;
    // poll() carries the exchange on from there.
    if (ssh_handle_key_exchange(session_) == SSH_ERROR) {
        spdlog::info("sftp: {}: key exchange failed: {}", ip_, ssh_get_error(session_));
        return false;
    }
    event_ = ssh_event_new();
    return event_ && ssh_event_add_session(event_, session_) == SSH_OK;
}

int Connection::fd() const {
    return ssh_get_fd(session_);
}

void Connection::poll() {
    for (int i = 0; i < kPollsPerWakeup; ++i) {
        const std::uint64_t before = socket_counter_.in_bytes;
        if (ssh_event_dopoll(event_, 0) != SSH_OK) return;
        if (socket_counter_.in_bytes == before || input_.paused() || bad_stream_ || failed_ ||
            close_deadline_ || out_bytes_ >= kOutboxLimit)
            return;
    }
}

bool Connection::wants_write() const {
    return (ssh_get_status(session_) & SSH_WRITE_PENDING) != 0;
}

bool Connection::open_sftp() {
    try {
        files_ = options_.open_files(*user_, core::Interface::sftp, ip_);
    } catch (const std::exception& e) {
        spdlog::error("sftp: cannot open the root folder of '{}': {}", user_->username, e.what());
        return false;
    }
    sftp_ = std::make_unique<Session>(
        *files_,
        [this](std::string packet) {
            out_bytes_ += packet.size();
            outbox_.push_back(std::move(packet));
            // While requests run, replies only queue: a write could reenter libssh, which owns
            // the bytes being handled. step() sends them, several to a packet.
            if (!handling_) flush();
        },
        &handles_);
    // Stop handling requests while replies pile up; step() resumes it as they drain.
    sftp_->set_backpressure([this] { return out_bytes_ < kOutboxLimit; });
    return true;
}

void Connection::on_channel_open(Message msg) {
    // One SFTP channel per logged-in connection; no forwarding of any kind.
    if (channel_ || !user_ || ssh_message_subtype(msg.get()) != SSH_CHANNEL_SESSION) {
        ssh_message_reply_default(msg.get());
        return;
    }
    channel_ = ssh_message_channel_request_open_reply_accept(msg.get());
    if (!channel_) return;
    channel_cb_ = {};
    channel_cb_.userdata = this;
    channel_cb_.channel_data_function = Callbacks::channel_data;
    channel_cb_.channel_eof_function = Callbacks::channel_eof;
    channel_cb_.channel_close_function = Callbacks::channel_close;
    channel_cb_.channel_write_wontblock_function = Callbacks::write_wontblock;
    ssh_callbacks_init(&channel_cb_);
    ssh_set_channel_callbacks(channel_, &channel_cb_);
}

void Connection::on_channel_request(Message msg) {
    ssh_message m = msg.get();
    // The SFTP subsystem is all this server does: no shell, command, pty or environment. A
    // shell or a command is told so in words, not with a bare "exec request failed".
    const int type = ssh_message_subtype(m);
    if (user_ && !sftp_ && (type == SSH_CHANNEL_REQUEST_EXEC || type == SSH_CHANNEL_REQUEST_SHELL))
        return refuse_command(m, type == SSH_CHANNEL_REQUEST_EXEC ? "a command" : "a shell");
    const char* name =
        type == SSH_CHANNEL_REQUEST_SUBSYSTEM ? ssh_message_channel_request_subsystem(m) : nullptr;
    if (!(name && std::strcmp(name, "sftp") == 0 && user_ && !sftp_ && open_sftp())) {
        ssh_message_reply_default(m);
        return;
    }
    ssh_message_channel_request_reply_success(m);
    // A client sends INIT right behind its subsystem request, so it may have arrived already.
    input_.hold(std::exchange(early_input_, {}));
    take_input({});
}

void Connection::refuse_command(ssh_message m, const char* what) {
    // Legacy scp (`scp -O`) runs `scp -t`/`scp -f` as a command; OpenSSH 9.0 and later copy
    // over SFTP by default, 8.7 to 8.9 with -s. The text goes to stderr, which ssh and scp
    // print; the failing exit status makes both exit non-zero (docs/sftp.md#commands).
    static constexpr std::string_view kText =
        "drawbridge: this server speaks SFTP only: no shell, no commands, no legacy SCP.\r\n"
        "Use sftp, or scp without -O (OpenSSH 9.0 and later copy over SFTP by default; "
        "8.7 to 8.9: scp -s).\r\n";
    spdlog::info("sftp: {}: '{}' asked for {}; refused (SFTP only)", ip_, user_->username, what);
    ssh_message_channel_request_reply_success(m);
    ssh_channel_write_stderr(channel_, kText.data(), static_cast<std::uint32_t>(kText.size()));
    ssh_channel_request_send_exit_status(channel_, 1);
    ssh_channel_send_eof(channel_);
    close_channel();
}

std::size_t Connection::receive(std::string_view data) {
    if (data.empty() || close_deadline_ || bad_stream_) return data.size();
    if (!sftp_) {
        // Before the subsystem is open (its request is still queued), keep what comes; a client
        // that sends more than an INIT's worth is not speaking SFTP.
        if (early_input_.size() + data.size() > kEarlyInputLimit) {
            bad_stream_ = "more input than an INIT before the subsystem";
            return data.size();
        }
        early_input_.append(data);
        return data.size();
    }
    if (handling_) return 0;  // reentered (handlers do not call libssh): libssh keeps it all
    const std::size_t taken = take_input(data);
    held_ = data.size() - taken;
    if (held_ > kHeldLimit) {
        bad_stream_ = "input past its SSH window";
        return data.size();
    }
    return taken;
}

std::size_t Connection::take_input(std::string_view data) {
    handling_ = true;
    const std::size_t taken = input_.take(data);
    handling_ = false;
    if (input_.bad()) bad_stream_ = "malformed SFTP stream";
    return taken;
}

void Connection::resume_input() {
    take_input({});  // what we hold comes first
    if (input_.paused() || bad_stream_ || held_ == 0 || !channel_) return;
    // Then what libssh kept, behind it: the order stays the client's. Taken only once ours is
    // done, as taking it grows the client's window: what waits stays within about 1.5 windows.
    // The buffer is not empty, so this read copies and never polls.
    std::string back(held_, '\0');
    const int n =
        ssh_channel_read_nonblocking(channel_, back.data(), static_cast<std::uint32_t>(held_), 0);
    back.resize(static_cast<std::size_t>(std::max(n, 0)));
    held_ = 0;
    input_.hold(back);
    take_input({});
}

void Connection::flush() {
    // libssh may call back into flush() from inside ssh_channel_write (window adjusts); the
    // outer call owns the outbox's front and carries on.
    if (flushing_) return;
    flushing_ = true;
    flush_outbox();
    flushing_ = false;
}

void Connection::flush_outbox() {
    while (channel_ && !outbox_.empty()) {
        const std::uint32_t window = ssh_channel_window_size(channel_);
        if (window == 0) return;
        coalesce_outbox_front();
        const std::string& front = outbox_.front();
        const auto len = static_cast<std::uint32_t>(
            std::min<std::size_t>({front.size() - out_offset_, window, 1u << 20}));
        const int n = ssh_channel_write(channel_, front.data() + out_offset_, len);
        if (n <= 0) return;
        out_offset_ += static_cast<std::size_t>(n);
        out_bytes_ -= static_cast<std::size_t>(n);
        if (out_offset_ == front.size()) {
            outbox_.pop_front();
            out_offset_ = 0;
        }
    }
}

void Connection::coalesce_outbox_front() {
    if (out_offset_ != 0 || outbox_.size() < 2 || outbox_.front().size() >= kCoalesceUpTo) return;
    std::string merged = std::move(outbox_.front());
    outbox_.pop_front();
    while (!outbox_.empty() && merged.size() + outbox_.front().size() <= kCoalesceUpTo) {
        merged += outbox_.front();
        outbox_.pop_front();
    }
    outbox_.push_front(std::move(merged));
}

void Connection::close_channel() {
    if (channel_ && !close_deadline_) ssh_channel_close(channel_);
    if (!close_deadline_) close_deadline_ = std::chrono::steady_clock::now() + kCloseLinger;
}

void Connection::fail(const char* what) {
    if (!failed_)
        spdlog::error("sftp: {}: connection of '{}' failed and is closed: {}", ip_,
                      user_ ? user_->username : "", what);
    failed_ = true;
}

bool Connection::step(TimePoint now, bool stopping) {
    if (stopping || failed_) return false;
    if (!ssh_is_connected(session_)) {
        // Say why a connection died before logging in (a bad banner, such as a PROXY header
        // from a peer not in proxy.trusted that arrived after accept, shows up here).
        const char* error = ssh_get_error(session_);
        if (!user_ && error && *error)
            spdlog::info("sftp: {}: closed before login: {}", ip_, error);
        return false;
    }
    // Our side is closed: let the client close its own after our EOF, as OpenSSH's server
    // does, rather than cut the connection under it.
    if (close_deadline_) return now < *close_deadline_;
    if (channel_closed_) {
        close_deadline_ = now + kCloseLinger;
        return true;
    }
    take_messages();
    // A request just answered by closing (a command refused) has said all there is to say: a
    // client EOF seen below must not add a second exit status.
    if (close_deadline_) return true;
    if (packet_counter_.in_packets != packets_seen_) {
        packets_seen_ = packet_counter_.in_packets;
        last_activity_ = now;
    }
    flush();
    if (sftp_ && input_.paused() && out_bytes_ < kOutboxLimit) {
        resume_input();
        flush();
    }
    if (bad_stream_) {
        spdlog::warn("sftp: closing the session of '{}' from {}: {}", user_ ? user_->username : "",
                     ip_, bad_stream_);
        close_channel();
        return true;
    }
    if (peer_eof_ && !input_.paused() && outbox_.empty() && out_bytes_ < kOutboxLimit) {
        // Close the SFTP session first: files still open are settled before the client hears
        // that the channel is done.
        sftp_.reset();
        if (channel_) {
            ssh_channel_request_send_exit_status(channel_, 0);
            ssh_channel_send_eof(channel_);
        }
        close_channel();
        return true;
    }
    if (!ended_because_.empty()) {
        spdlog::info("sftp: {}: closed: {}", ip_, ended_because_);
        return false;
    }
    // Rights taken back (user disabled, deleted or locked, password changed, key revoked, ...)
    // end the session within a second, whatever it is doing.
    if (grant_ && now - readmitted_at_ >= kReadmitEvery) {
        readmitted_at_ = now;
        if (const auto refused = gate_.readmit(*grant_)) {
            spdlog::info("sftp: {}: session of '{}' ended: {} ({})", ip_, user_->username,
                         core::to_string(refused->reason), refused->detail);
            return false;
        }
    }
    if (!user_ && now - accepted_at_ > kLoginGrace) {
        spdlog::info("sftp: {}: no login within {} s; closing", ip_, kLoginGrace.count());
        return false;
    }
    if (now - last_activity_ > std::chrono::seconds(options_.idle_timeout_seconds)) {
        spdlog::info(
            "sftp: closing idle session of '{}' from {} ({} replies, {} bytes unsent; "
            "window {})",
            user_ ? user_->username : "", ip_, outbox_.size(), out_bytes_,
            channel_ ? ssh_channel_window_size(channel_) : 0);
        return false;
    }
    return true;
}

}  // namespace drawbridge::sftp
