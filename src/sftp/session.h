// One SFTP v3 session over any byte stream (an SSH channel in production, a buffer in tests):
// feed() takes the client's bytes, complete packets go through one table of handlers, and
// replies leave through the output function.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>

#include "sftp/wire.h"
#include "vfs/file_session.h"

namespace drawbridge::sftp {

enum Status : std::uint32_t {
    SSH_FX_OK = 0,
    SSH_FX_EOF = 1,
    SSH_FX_NO_SUCH_FILE = 2,
    SSH_FX_PERMISSION_DENIED = 3,
    SSH_FX_FAILURE = 4,
    SSH_FX_BAD_MESSAGE = 5,
    SSH_FX_NO_CONNECTION = 6,
    SSH_FX_CONNECTION_LOST = 7,
    SSH_FX_OP_UNSUPPORTED = 8,
};

// Sizes advertised through limits@openssh.com: large requests mean fewer round trips. Writes
// are smaller than reads because libssh's receive window (about 1.28 MB, fixed in 0.10) must
// hold several of them in flight, or an upload stalls on every window adjust.
inline constexpr std::uint32_t kMaxReadWrite = 1024 * 1024;
inline constexpr std::uint32_t kMaxWrite = 256 * 1024;
inline constexpr std::uint32_t kMaxPacket = kMaxReadWrite + 1024;

// Caps on open handles (files and folders), so that one client cannot take every descriptor of
// the process (HTTPS, FTP and other logins need them too). One counter is shared by all the
// sessions of a server, from any thread: the per-user cap counts a user's handles across
// sessions. Set by [sftp] max_handles_per_session and max_handles_per_user.
class HandleCounter {
  public:
    static constexpr std::size_t kDefaultPerSession = 256;
    static constexpr std::size_t kDefaultPerUser = 1024;

    explicit HandleCounter(std::size_t per_session = kDefaultPerSession,
                           std::size_t per_user = kDefaultPerUser)
        : per_session_(per_session), per_user_(per_user) {}
    std::size_t per_session() const { return per_session_; }
    std::size_t per_user() const { return per_user_; }
    // Counts one more handle of `user`; false (counting nothing) when it already has per_user.
    bool acquire(std::int64_t user);
    void release(std::int64_t user);

  private:
    const std::size_t per_session_, per_user_;
    std::mutex mutex_;
    std::unordered_map<std::int64_t, std::size_t> open_;  // user id -> open handles
};

class Session {
  public:
    using Output = std::function<void(std::string)>;
    // `handles` is the server's shared counter; without one, the session counts its own with
    // the default caps.
    Session(vfs::FileSession& files, Output out, HandleCounter* handles = nullptr);
    ~Session();

    using Taken = sftp::Taken;
    // Handles the whole packets at the start of `data`, in place (a WRITE's data goes to the
    // file straight from `data`), while `ready` (set by set_backpressure) says the output side
    // can take more. Nothing is kept: the caller keeps the bytes not taken (the start of a
    // packet, or what waits for back-pressure) and offers them again with what follows.
    // `data` is only read during the call; a reentrant call takes nothing.
    Taken consume(std::string_view data);
    // consume() over a buffer of its own, for callers that cannot keep bytes: returns false
    // when the stream is unusable. feed({}) resumes after back-pressure.
    bool feed(std::string_view data);
    void set_backpressure(std::function<bool()> ready) { ready_ = std::move(ready); }

    struct Handler;

  private:
    // A handle: a file open for reading, one open for writing (or both: an Upload opened
    // read_too), or a folder being listed.
    struct OpenDir {
        vfs::DirReader reader;
        std::string path;
    };
    using Handle = std::variant<vfs::Download, vfs::Upload, OpenDir>;

    void dispatch(std::string_view packet);
    void send(std::string packet) { out_(std::move(packet)); }
    void status(std::uint32_t id, std::uint32_t code, std::string_view message = {});
    void status_errno(std::uint32_t id, int error);
    // A packet that did not parse, or held what no request may (Reader::fail's reason).
    void bad_message(std::uint32_t id, const Reader& r);
    void name_reply(std::uint32_t id, std::string_view path, const struct stat* st);
    // Reads a path argument: a virtual path, or the reader failed with vfs::path_fault's words.
    std::string path_arg(Reader& r) const;
    // Reads a path that is not made virtual here (a symlink's target), refused the same way.
    std::string raw_path_arg(Reader& r) const;
    Handle* find(std::string_view handle);
    // Takes room for one more handle under the caps: empty when taken (add() or give_back()
    // must follow), otherwise the refusal's text.
    std::string take_handle();
    void give_back_handle();
    std::string add(Handle h);
    // The descriptor of an open file's handle, or -1 for a folder's or an unknown one.
    int file_fd(std::string_view handle);
    // Ends a handle: an upload gets its final name (or is dropped: `commit` false), a
    // download its `read` entry.
    int close_handle(Handle& h, bool commit = true);

    void on_init(std::uint32_t, Reader&);
    void on_open(std::uint32_t, Reader&);
    void on_close(std::uint32_t, Reader&);
    void on_read(std::uint32_t, Reader&);
    void on_write(std::uint32_t, Reader&);
    void on_lstat(std::uint32_t, Reader&);
    void on_fstat(std::uint32_t, Reader&);
    void on_stat(std::uint32_t, Reader&);
    void on_setstat(std::uint32_t, Reader&);
    void on_fsetstat(std::uint32_t, Reader&);
    void on_opendir(std::uint32_t, Reader&);
    void on_readdir(std::uint32_t, Reader&);
    void on_remove(std::uint32_t, Reader&);
    void on_mkdir(std::uint32_t, Reader&);
    void on_rmdir(std::uint32_t, Reader&);
    void on_realpath(std::uint32_t, Reader&);
    void on_rename(std::uint32_t, Reader&);
    void on_readlink(std::uint32_t, Reader&);
    void on_symlink(std::uint32_t, Reader&);
    void on_extended(std::uint32_t, Reader&);

    void ext_posix_rename(std::uint32_t, Reader&);
    void ext_statvfs(std::uint32_t, Reader&);
    void ext_fstatvfs(std::uint32_t, Reader&);
    void ext_hardlink(std::uint32_t, Reader&);
    void ext_fsync(std::uint32_t, Reader&);
    void ext_limits(std::uint32_t, Reader&);
    void ext_lsetstat(std::uint32_t, Reader&);
    void ext_copy_data(std::uint32_t, Reader&);
    void ext_home_directory(std::uint32_t, Reader&);

    static vfs::Attributes attributes_of(const Attrs& a);
    void statvfs_reply(std::uint32_t id, const struct statvfs& v);

    vfs::FileSession& files_;
    Output out_;
    std::string buffer_;     // feed()'s bytes not yet taken
    std::string reentered_;  // bytes fed while buffer_ was being read
    bool in_consume_ = false;
    std::function<bool()> ready_;
    bool initialised_ = false;
    std::uint64_t next_handle_ = 1;
    std::map<std::string, Handle, std::less<>> handles_;
    std::unique_ptr<HandleCounter> own_counter_;  // when the server shares none
    HandleCounter* counter_;
    std::size_t taken_ = 0;  // handles taken by this session (open, or being opened)

    static const Handler kHandlers[];
    struct Extension {
        std::string_view name;
        std::string_view version;  // advertised in VERSION
        void (Session::*fn)(std::uint32_t, Reader&);
    };
    static const Extension kExtensions[];
    static std::span<const Extension> extensions();
};

}  // namespace drawbridge::sftp
