#include "sftp/server.h"

#include <arpa/inet.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <set>
#include <system_error>

#include "core/cidr.h"
#include "core/crypto.h"
#include "sftp/session.h"
#include "vfs/file_session.h"

namespace drawbridge::sftp {
namespace fs = std::filesystem;

namespace {

// Secure algorithms only, unless the site opts in to legacy ones (SPEC §4).
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

struct HostKeySpec {
    const char* file;
    ssh_keytypes_e type;
    int bits;
};
constexpr HostKeySpec kHostKeys[] = {
    {"ssh_host_ed25519_key", SSH_KEYTYPE_ED25519, 0},
    {"ssh_host_ecdsa_key", SSH_KEYTYPE_ECDSA_P256, 256},
    {"ssh_host_rsa_key", SSH_KEYTYPE_RSA, 3072},
};

std::string peer_address(const sockaddr_storage& ss) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof buf);
    else
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, buf, sizeof buf);
    // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; the log and the rules use a.b.c.d.
    if (auto ip = core::IpAddress::parse(buf)) return ip->to_string();
    return buf;
}

// Everything one connection needs in libssh's callbacks. Touched only by its own thread.
struct Connection {
    Server* server = nullptr;
    auth::LoginGate* gate = nullptr;
    audit::ActionLog* log = nullptr;
    const ServerOptions* options = nullptr;
    std::string ip;
    std::optional<core::User> user;
    std::set<core::Factor> verified;
    std::optional<std::int64_t> verified_user_id;
    ssh_channel channel = nullptr;
    ssh_channel_callbacks_struct channel_cb{};
    std::unique_ptr<vfs::FileSession> files;
    std::unique_ptr<Session> sftp;
    std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
    bool closing = false;
    bool peer_eof = false;
    std::string kbdint_user;  // the answer to a keyboard-interactive prompt does not repeat it
    // Replies wait here until the client's window takes them: the session is non-blocking, so
    // a write never waits (and never re-enters libssh from inside one of its callbacks).
    std::deque<std::string> outbox;
    std::size_t out_offset = 0;
    std::size_t out_bytes = 0;
    static constexpr std::size_t kOutboxLimit = 8 * 1024 * 1024;

    bool flushing = false;

    void flush() {
        // libssh may call back into flush() from inside ssh_channel_write (window adjusts);
        // the outer call owns the outbox's front and carries on.
        if (flushing) return;
        flushing = true;
        flush_outbox();
        flushing = false;
    }

    void flush_outbox() {
        while (channel && !outbox.empty()) {
            const std::uint32_t window = ssh_channel_window_size(channel);
            if (window == 0) return;
            const std::string& front = outbox.front();
            const auto len = static_cast<std::uint32_t>(
                std::min<std::size_t>({front.size() - out_offset, window, 1u << 20}));
            const int n = ssh_channel_write(channel, front.data() + out_offset, len);
            if (n <= 0) return;
            out_offset += static_cast<std::size_t>(n);
            out_bytes -= static_cast<std::size_t>(n);
            if (out_offset == front.size()) {
                outbox.pop_front();
                out_offset = 0;
            }
        }
    }

    int decide(ssh_session session, const core::LoginAttempt& attempt) {
        const auto outcome = gate->attempt(attempt);
        switch (outcome.kind) {
            case core::LoginOutcome::Kind::success:
                user = outcome.user;
                return SSH_AUTH_SUCCESS;
            case core::LoginOutcome::Kind::partial:
                verified = outcome.verified;
                verified_user_id = outcome.user->id;
                ssh_set_auth_methods(session,
                                     *outcome.missing == core::Factor::password
                                         ? SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE
                                         : SSH_AUTH_METHOD_PUBLICKEY);
                return SSH_AUTH_PARTIAL;
            case core::LoginOutcome::Kind::failure:
                break;
        }
        return SSH_AUTH_DENIED;
    }
};

int on_auth_password(ssh_session session, const char* user, const char* password, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    c->last_activity = std::chrono::steady_clock::now();
    return c->decide(session,
                     {user, core::Interface::sftp, c->ip, core::PasswordCredential{password},
                      c->verified, c->verified_user_id});
}

int on_auth_pubkey(ssh_session session, const char* user, ssh_key_struct* pubkey,
                   char signature_state, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    c->last_activity = std::chrono::steady_clock::now();
    char* b64 = nullptr;
    if (ssh_pki_export_pubkey_base64(pubkey, &b64) != SSH_OK) return SSH_AUTH_DENIED;
    const auto decoded = core::crypto::base64_decode(b64);
    ssh_string_free_char(b64);
    if (!decoded) return SSH_AUTH_DENIED;
    const std::string& raw = *decoded;
    // A probe ("would you take this key?") is answered without counting as an attempt.
    if (signature_state == SSH_PUBLICKEY_STATE_NONE)
        return c->gate->accepts_key_probe(user, raw) ? SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
    if (signature_state != SSH_PUBLICKEY_STATE_VALID) return SSH_AUTH_DENIED;
    const std::string type = ssh_key_type_to_char(ssh_key_type(pubkey));
    return c->decide(session,
                     {user, core::Interface::sftp, c->ip, core::PublicKeyCredential{type, raw},
                      c->verified, c->verified_user_id});
}

// Keyboard-interactive, as clients use it for passwords: one prompt, its answer to the gate.
// libssh 0.10 has no server callback for it, so it comes as a message.
int on_message(ssh_session session, ssh_message msg, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    if (ssh_message_type(msg) != SSH_REQUEST_AUTH ||
        ssh_message_subtype(msg) != SSH_AUTH_METHOD_INTERACTIVE)
        return 1;  // not ours: libssh answers with its default
    c->last_activity = std::chrono::steady_clock::now();
    if (!ssh_message_auth_kbdint_is_response(msg)) {
        c->kbdint_user = ssh_message_auth_user(msg);
        const char* prompts[] = {"Password: "};
        char echo[] = {0};
        ssh_message_auth_interactive_request(msg, "", "", 1, prompts, echo);
        return 0;
    }
    if (ssh_userauth_kbdint_getnanswers(session) != 1) {
        ssh_message_reply_default(msg);
        return 0;
    }
    const char* answer = ssh_userauth_kbdint_getanswer(session, 0);
    const int result = c->decide(session, {c->kbdint_user, core::Interface::sftp, c->ip,
                                           core::PasswordCredential{answer ? answer : ""},
                                           c->verified, c->verified_user_id});
    if (result == SSH_AUTH_SUCCESS) {
        ssh_message_auth_reply_success(msg, 0);
    } else if (result == SSH_AUTH_PARTIAL) {
        ssh_message_auth_set_methods(msg, SSH_AUTH_METHOD_PUBLICKEY);
        ssh_message_auth_reply_success(msg, 1);
    } else {
        ssh_message_auth_set_methods(msg, SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_PUBLICKEY |
                                              SSH_AUTH_METHOD_INTERACTIVE);
        ssh_message_reply_default(msg);
    }
    return 0;
}

int on_channel_data(ssh_session, ssh_channel channel, void* data, uint32_t len, int is_stderr,
                    void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    c->last_activity = std::chrono::steady_clock::now();
    if (is_stderr || !c->sftp) return static_cast<int>(len);
    if (!c->sftp->feed(std::string_view(static_cast<const char*>(data), len))) {
        spdlog::warn("sftp: closing the session of '{}' from {}: malformed SFTP stream",
                     c->user ? c->user->username : "", c->ip);
        ssh_channel_close(channel);
        c->closing = true;
    }
    return static_cast<int>(len);
}

void on_channel_eof(ssh_session, ssh_channel, void* userdata) {
    // The client has sent all it will; the poll loop finishes its requests, then closes.
    static_cast<Connection*>(userdata)->peer_eof = true;
}

void on_channel_close(ssh_session, ssh_channel, void* userdata) {
    static_cast<Connection*>(userdata)->closing = true;
}

int on_subsystem(ssh_session, ssh_channel channel, const char* subsystem, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    if (std::strcmp(subsystem, "sftp") != 0 || !c->user || c->sftp) return SSH_ERROR;
    const fs::path root = c->user->user_root.empty() ? c->options->files_dir / c->user->username
                                                     : fs::path(c->user->user_root);
    try {
        auto rules = c->options->file_rules ? c->options->file_rules(*c->user) : vfs::FileRules{};
        c->files =
            std::make_unique<vfs::FileSession>(vfs::LocalRoot::open(root, true), *c->log, *c->user,
                                               core::Interface::sftp, c->ip, std::move(rules));
    } catch (const std::exception& e) {
        spdlog::error("sftp: cannot open the root folder of '{}': {}", c->user->username, e.what());
        return SSH_ERROR;
    }
    c->sftp = std::make_unique<Session>(*c->files, [c](std::string packet) {
        c->out_bytes += packet.size();
        c->outbox.push_back(std::move(packet));
        c->flush();
    });
    // Stop handling requests while replies pile up; the poll loop resumes it as they drain.
    c->sftp->set_backpressure([c] { return c->out_bytes < Connection::kOutboxLimit; });
    (void)channel;
    return SSH_OK;
}

int on_write_wontblock(ssh_session, ssh_channel, uint32_t, void* userdata) {
    static_cast<Connection*>(userdata)->flush();
    return 0;
}

ssh_channel on_channel_open(ssh_session session, void* userdata) {
    auto* c = static_cast<Connection*>(userdata);
    if (c->channel) return nullptr;  // one SFTP channel per connection
    c->channel = ssh_channel_new(session);
    c->channel_cb = {};
    c->channel_cb.userdata = c;
    c->channel_cb.channel_data_function = on_channel_data;
    c->channel_cb.channel_eof_function = on_channel_eof;
    c->channel_cb.channel_close_function = on_channel_close;
    c->channel_cb.channel_subsystem_request_function = on_subsystem;
    c->channel_cb.channel_write_wontblock_function = on_write_wontblock;
    ssh_callbacks_init(&c->channel_cb);
    ssh_set_channel_callbacks(c->channel, &c->channel_cb);
    return c->channel;
}

}  // namespace

std::vector<fs::path> ensure_host_keys(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw std::system_error(ec, "cannot create " + dir.string());
    std::vector<fs::path> out;
    for (const auto& spec : kHostKeys) {
        const fs::path path = dir / spec.file;
        out.push_back(path);
        if (fs::exists(path)) continue;
        ssh_key key = nullptr;
        if (ssh_pki_generate(spec.type, spec.bits, &key) != SSH_OK)
            throw std::runtime_error(std::string("cannot generate host key ") + spec.file);
        const fs::path tmp = path.string() + ".tmp";
        const mode_t old = umask(077);  // the private key is never readable by others, even briefly
        const int rc = ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, tmp.c_str());
        umask(old);
        ssh_key_free(key);
        if (rc != SSH_OK) throw std::runtime_error("cannot write host key " + path.string());
        fs::rename(tmp, path);
        spdlog::info("generated SSH host key {}", path.string());
    }
    return out;
}

Server::Server(ServerOptions options, auth::LoginGate& gate, audit::ActionLog& log)
    : options_(std::move(options)), gate_(gate), log_(log) {}

Server::~Server() {
    stop();
}

void Server::start() {
    host_keys_ = ensure_host_keys(options_.host_key_dir);
    for (int port : options_.ports) {
        const auto ip = core::IpAddress::parse(options_.address);
        if (!ip) throw std::runtime_error("sftp: '" + options_.address + "' is not an IP address");
        const int fd = ::socket(ip->v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_storage ss{};
        socklen_t len = 0;
        if (ip->v4) {
            auto& a = reinterpret_cast<sockaddr_in&>(ss);
            a.sin_family = AF_INET;
            a.sin_port = htons(static_cast<uint16_t>(port));
            std::memcpy(&a.sin_addr, ip->bytes.data() + 12, 4);
            len = sizeof a;
        } else {
            auto& a = reinterpret_cast<sockaddr_in6&>(ss);
            a.sin6_family = AF_INET6;
            a.sin6_port = htons(static_cast<uint16_t>(port));
            std::memcpy(&a.sin6_addr, ip->bytes.data(), 16);
            len = sizeof a;
        }
        if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 512) != 0) {
            const int e = errno;
            ::close(fd);
            throw std::system_error(
                e, std::generic_category(),
                "sftp: cannot listen on " + options_.address + ":" + std::to_string(port));
        }
        getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
        bound_ports_.push_back(ntohs(ss.ss_family == AF_INET
                                         ? reinterpret_cast<sockaddr_in&>(ss).sin_port
                                         : reinterpret_cast<sockaddr_in6&>(ss).sin6_port));
        listen_fds_.push_back(fd);
    }
    for (int fd : listen_fds_) acceptors_.emplace_back([this, fd] { accept_loop(fd); });
}

void Server::stop() {
    if (stopping_.exchange(true)) return;
    for (int fd : listen_fds_) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : acceptors_)
        if (t.joinable()) t.join();
    for (int fd : listen_fds_) ::close(fd);
    // Connections notice within a poll interval and close (uploads in progress are dropped).
    for (int i = 0; i < 50 && live_connections_ > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

void Server::accept_loop(int listen_fd) {
    while (!stopping_) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
        if (fd < 0) {
            if (stopping_) return;
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
            }
            return;
        }
        ++live_connections_;
        std::thread([this, fd, ip = peer_address(ss)] {
            serve(fd, ip);
            --live_connections_;
        }).detach();
    }
}

void Server::serve(int fd, std::string peer_ip) {
    ssh_bind bind = ssh_bind_new();
    for (const auto& key : host_keys_)
        ssh_bind_options_set(bind, SSH_BIND_OPTIONS_HOSTKEY, key.c_str());
    if (!options_.legacy_algorithms) {
        ssh_bind_options_set(bind, SSH_BIND_OPTIONS_KEY_EXCHANGE, kKex);
        ssh_bind_options_set(bind, SSH_BIND_OPTIONS_CIPHERS_C_S, kCiphers);
        ssh_bind_options_set(bind, SSH_BIND_OPTIONS_CIPHERS_S_C, kCiphers);
        ssh_bind_options_set(bind, SSH_BIND_OPTIONS_HMAC_C_S, kMacs);
        ssh_bind_options_set(bind, SSH_BIND_OPTIONS_HMAC_S_C, kMacs);
        ssh_bind_options_set(bind, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, kHostKeyAlgorithms);
    }
    ssh_session session = ssh_new();
    Connection c;
    c.server = this;
    c.gate = &gate_;
    c.log = &log_;
    c.options = &options_;
    c.ip = peer_ip;
    ssh_server_callbacks_struct cb{};
    cb.userdata = &c;
    cb.auth_password_function = on_auth_password;
    cb.auth_pubkey_function = on_auth_pubkey;
    cb.channel_open_request_session_function = on_channel_open;
    ssh_callbacks_init(&cb);

    ssh_event event = nullptr;
    if (ssh_bind_accept_fd(bind, session, fd) != SSH_OK) {
        spdlog::warn("sftp: {}: {}", peer_ip, ssh_get_error(bind));
        ::close(fd);
    } else {
        ssh_set_server_callbacks(session, &cb);
        ssh_set_message_callback(session, on_message, &c);
        ssh_set_auth_methods(session, SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_PUBLICKEY |
                                          SSH_AUTH_METHOD_INTERACTIVE);
        if (ssh_handle_key_exchange(session) != SSH_OK) {
            spdlog::info("sftp: {}: key exchange failed: {}", peer_ip, ssh_get_error(session));
        } else {
            ssh_set_blocking(session, 0);
            event = ssh_event_new();
            ssh_event_add_session(event, session);
            const auto idle = std::chrono::seconds(options_.idle_timeout_seconds);
            while (!stopping_ && !c.closing && ssh_is_connected(session)) {
                if (ssh_event_dopoll(event, c.outbox.empty() ? 1000 : 10) == SSH_ERROR) break;
                c.flush();
                if (c.sftp && c.out_bytes < Connection::kOutboxLimit && !c.sftp->feed({})) break;
                if (c.peer_eof && c.outbox.empty() && c.out_bytes < Connection::kOutboxLimit) {
                    // Close the SFTP session first: files still open are settled before the
                    // client hears that the channel is done.
                    c.sftp.reset();
                    ssh_channel_request_send_exit_status(c.channel, 0);
                    ssh_channel_send_eof(c.channel);
                    ssh_channel_close(c.channel);
                    c.closing = true;
                }
                if (std::chrono::steady_clock::now() - c.last_activity > idle) {
                    spdlog::info("sftp: closing idle session of '{}' from {}",
                                 c.user ? c.user->username : "", peer_ip);
                    break;
                }
            }
        }
    }
    // Let the client close its side after our EOF, as OpenSSH's server does, rather than cut
    // the connection under it.
    for (int i = 0; event && c.closing && i < 20 && ssh_is_connected(session); ++i)
        if (ssh_event_dopoll(event, 50) == SSH_ERROR) break;
    c.sftp.reset();  // aborts uploads that were not closed
    c.files.reset();
    if (event) {
        ssh_event_remove_session(event, session);
        ssh_event_free(event);
    }
    ssh_disconnect(session);
    ssh_free(session);
    ssh_bind_free(bind);
}

}  // namespace drawbridge::sftp
