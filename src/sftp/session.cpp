#include "sftp/session.h"

#include "vfs/listing.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace drawbridge::sftp {
namespace {

using vfs::Permission;

constexpr std::size_t kReaddirBatch = 128;

// The one place where a system error becomes an SFTP status.
std::uint32_t status_of(int error) {
    switch (error) {
        case 0:
            return SSH_FX_OK;
        case ENOENT:
        case ENOTDIR:
            return SSH_FX_NO_SUCH_FILE;
        case EACCES:
        case EPERM:
        case EROFS:
        case EXDEV:  // a path that would leave the user's root
        case ELOOP:
            return SSH_FX_PERMISSION_DENIED;
        default:
            return SSH_FX_FAILURE;
    }
}

// Clients show it as is (OpenSSH's `ls -l`); every file in a root belongs to its user.
std::string long_name(std::string_view name, const struct stat& st, std::string_view owner) {
    return vfs::ls_line(name, st, std::time(nullptr), owner);
}

}  // namespace

struct Session::Handler {
    std::uint8_t type;
    const char* name;
    void (Session::*fn)(std::uint32_t, Reader&);
    bool writes;  // changes the file system (for a read-only mode, checked here once)
};

const Session::Handler Session::kHandlers[] = {
    {SSH_FXP_OPEN, "open", &Session::on_open, false},  // open checks its own flags
    {SSH_FXP_CLOSE, "close", &Session::on_close, false},
    {SSH_FXP_READ, "read", &Session::on_read, false},
    {SSH_FXP_WRITE, "write", &Session::on_write, true},
    {SSH_FXP_LSTAT, "lstat", &Session::on_lstat, false},
    {SSH_FXP_FSTAT, "fstat", &Session::on_fstat, false},
    {SSH_FXP_SETSTAT, "setstat", &Session::on_setstat, true},
    {SSH_FXP_FSETSTAT, "fsetstat", &Session::on_fsetstat, true},
    {SSH_FXP_OPENDIR, "opendir", &Session::on_opendir, false},
    {SSH_FXP_READDIR, "readdir", &Session::on_readdir, false},
    {SSH_FXP_REMOVE, "remove", &Session::on_remove, true},
    {SSH_FXP_MKDIR, "mkdir", &Session::on_mkdir, true},
    {SSH_FXP_RMDIR, "rmdir", &Session::on_rmdir, true},
    {SSH_FXP_REALPATH, "realpath", &Session::on_realpath, false},
    {SSH_FXP_STAT, "stat", &Session::on_stat, false},
    {SSH_FXP_RENAME, "rename", &Session::on_rename, true},
    {SSH_FXP_READLINK, "readlink", &Session::on_readlink, false},
    {SSH_FXP_SYMLINK, "symlink", &Session::on_symlink, true},
    {SSH_FXP_EXTENDED, "extended", &Session::on_extended, false},
};

bool HandleCounter::acquire(std::int64_t user) {
    const std::lock_guard lock(mutex_);
    auto& n = open_[user];
    if (n >= per_user_) return false;
    ++n;
    return true;
}

void HandleCounter::release(std::int64_t user) {
    const std::lock_guard lock(mutex_);
    const auto it = open_.find(user);
    if (it == open_.end()) return;
    if (--it->second == 0) open_.erase(it);
}

Session::Session(vfs::FileSession& files, Output out, HandleCounter* handles)
    : files_(files), out_(std::move(out)), counter_(handles) {
    if (!counter_) {
        own_counter_ = std::make_unique<HandleCounter>();
        counter_ = own_counter_.get();
    }
}

Session::~Session() {
    // The connection ended with files still open. An upload the client never closed is
    // incomplete: its temporary file goes and the final name keeps what it had.
    for (auto& [name, h] : handles_) {
        auto* f = std::get_if<OpenFile>(&h);
        if (!f) continue;
        if (f->upload) {
            f->upload->abort();
            f->upload.reset();
            files_.record("create", f->path, {}, static_cast<std::int64_t>(f->bytes), {},
                          ECONNRESET);
        } else {
            close_handle(h);
        }
    }
    while (taken_ > 0) give_back_handle();
}

bool Session::feed(std::string_view data) {
    buffer_.append(data);
    // A reply can re-enter here (the transport may deliver input while it sends): the outer
    // call handles what arrives, so the inner one only buffers it.
    if (in_feed_) return true;
    in_feed_ = true;
    bool ok = true;
    while (buffer_.size() - consumed_ >= 4 && (!ready_ || ready_())) {
        const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + consumed_);
        const std::uint32_t len =
            std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
        if (len == 0 || len > kMaxPacket) {
            ok = false;
            break;
        }
        if (buffer_.size() - consumed_ - 4 < len) break;
        // A copy: handlers may run while more input is appended to buffer_.
        const std::string packet = buffer_.substr(consumed_ + 4, len);
        consumed_ += 4 + len;
        const bool was_initialised = initialised_;
        dispatch(packet);
        if (!initialised_ && !was_initialised) {  // anything before INIT
            ok = false;
            break;
        }
    }
    buffer_.erase(0, consumed_);
    consumed_ = 0;
    in_feed_ = false;
    return ok;
}

void Session::dispatch(std::string_view packet) {
    Reader r(packet);
    const std::uint8_t type = r.u8();
    if (type == SSH_FXP_INIT) return on_init(0, r);
    if (!initialised_) return;
    const std::uint32_t id = r.u32();
    if (!r.ok()) return;  // not even an id to answer
    for (const auto& h : kHandlers)
        if (h.type == type) return (this->*h.fn)(id, r);
    status(id, SSH_FX_OP_UNSUPPORTED, "unsupported request");
}

void Session::status(std::uint32_t id, std::uint32_t code, std::string_view message) {
    static constexpr const char* kText[] = {
        "Success",     "End of file",   "No such file",    "Permission denied",    "Failure",
        "Bad message", "No connection", "Connection lost", "Operation unsupported"};
    if (message.empty() && code < std::size(kText)) message = kText[code];
    send(Writer(SSH_FXP_STATUS).u32(id).u32(code).str(message).str("en").finish());
}

void Session::status_errno(std::uint32_t id, int error) {
    // Two vfs refusals, in words that name the rule: EINVAL is mostly a new name it does not
    // create, EFBIG a write too far past the end (vfs::check_write_offset).
    const char* text = error == EINVAL  ? "Invalid argument (a new name may not contain CR or LF)"
                       : error == EFBIG ? "offset beyond end of file"
                       : error          ? std::strerror(error)
                                        : "Success";
    status(id, status_of(error), text);
}

void Session::bad_message(std::uint32_t id, const Reader& r) {
    status(id, SSH_FX_BAD_MESSAGE, r.why());
}

void Session::refuse(std::uint32_t id, int error, std::string_view action, std::string_view path,
                     std::string_view destination) {
    files_.record(action, path, destination, {}, {}, error);
    status_errno(id, error);
}

std::string Session::raw_path_arg(Reader& r) const {
    const std::string_view text = r.str();
    if (const auto why = vfs::path_fault(text); !why.empty()) r.fail(why);
    return r.ok() ? std::string(text) : std::string();
}

std::string Session::path_arg(Reader& r) const {
    const std::string text = raw_path_arg(r);
    return r.ok() ? *vfs::virtual_path(text, "/") : std::string();
}

Session::Handle* Session::find(std::string_view handle) {
    const auto it = handles_.find(handle);
    return it == handles_.end() ? nullptr : &it->second;
}

std::string Session::take_handle() {
    if (taken_ >= counter_->per_session())
        return "too many open handles in this session (at most " +
               std::to_string(counter_->per_session()) + "); close some first";
    if (!counter_->acquire(files_.user().id))
        return "too many open handles for this user across sessions (at most " +
               std::to_string(counter_->per_user()) + "); close some first";
    ++taken_;
    return {};
}

void Session::give_back_handle() {
    if (taken_ == 0) return;
    --taken_;
    counter_->release(files_.user().id);
}

std::string Session::add(Handle h) {
    // Names are counters, never reused; how many may be open at once is take_handle()'s cap.
    std::string name = std::to_string(next_handle_++);
    handles_.emplace(name, std::move(h));
    return name;
}

int Session::close_handle(Handle& h) {
    auto* f = std::get_if<OpenFile>(&h);
    if (!f) return 0;
    int error = 0;
    if (f->upload) {
        error = f->upload->commit(f->exclusive ? RENAME_NOREPLACE : 0);
        f->upload.reset();
    }
    f->fd.reset();
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - f->opened);
    files_.record(f->writing ? "create" : "read", f->path, {}, static_cast<std::int64_t>(f->bytes),
                  elapsed, error);
    return error;
}

void Session::on_init(std::uint32_t, Reader& r) {
    r.u32();  // the client's version; we answer 3 whatever it asks, as the draft says
    Writer w(SSH_FXP_VERSION);
    w.u32(3);
    for (const auto& e : extensions()) w.str(e.name).str(e.version);
    initialised_ = true;
    send(w.finish());
}

void Session::on_open(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    const std::uint32_t pflags = r.u32();
    const Attrs a = r.attrs();
    if (!r.ok()) return bad_message(id, r);
    const bool read = pflags & SSH_FXF_READ, write = pflags & SSH_FXF_WRITE;
    if (!read && !write) return status(id, SSH_FX_BAD_MESSAGE, "open needs READ or WRITE");
    if (const int e = read ? files_.check(Permission::read, path) : 0)
        return refuse(id, e, write ? "create" : "read", path);
    if (const int e = write ? files_.check(Permission::write, path) : 0)
        return refuse(id, e, "create", path);
    const mode_t mode = (a.flags & kAttrPermissions) ? (a.permissions & 0777) : 0644;
    struct stat st {};
    const bool exists = files_.root().stat(path, true, st) == 0;
    if ((pflags & SSH_FXF_EXCL) && (pflags & SSH_FXF_CREAT) && exists)
        return status(id, SSH_FX_FAILURE, "File exists");
    if (exists && S_ISDIR(st.st_mode)) return status(id, SSH_FX_FAILURE, "Is a directory");
    // Before anything is created or truncated: a refused open changes nothing.
    if (const std::string full = take_handle(); !full.empty())
        return status(id, SSH_FX_FAILURE, full);

    OpenFile f;
    f.path = path;
    f.writing = write;
    f.exclusive = pflags & SSH_FXF_EXCL;
    // A new or truncated file is written under a temporary name and appears on close, unless
    // the site wants uploads visible under their final name as they arrive.
    const bool atomic = files_.atomic_uploads() && write && !read && !(pflags & SSH_FXF_APPEND) &&
                        ((pflags & SSH_FXF_TRUNC) || (!exists && (pflags & SSH_FXF_CREAT)));
    int error = 0;
    if (atomic) {
        vfs::AtomicUpload up;
        error = vfs::AtomicUpload::begin(files_.root(), path, mode, up);
        if (!error) {
            f.fd.reset(::dup(up.fd()));
            f.upload.emplace(std::move(up));
        }
    } else {
        int flags = read && write ? O_RDWR : write ? O_WRONLY : O_RDONLY;
        if (pflags & SSH_FXF_APPEND) flags |= O_APPEND;
        if (pflags & SSH_FXF_CREAT) flags |= O_CREAT;
        if (pflags & SSH_FXF_TRUNC) flags |= O_TRUNC;
        if (pflags & SSH_FXF_EXCL) flags |= O_EXCL;
        error = files_.root().open_file(path, flags, mode, f.fd);
    }
    if (error) {
        give_back_handle();
        return status_errno(id, error);
    }
    const std::string handle = add(std::move(f));
    send(Writer(SSH_FXP_HANDLE).u32(id).str(handle).finish());
}

void Session::on_close(std::uint32_t id, Reader& r) {
    const std::string handle(r.str());
    if (!r.ok()) return bad_message(id, r);
    auto it = handles_.find(handle);
    if (it == handles_.end()) return status(id, SSH_FX_FAILURE, "invalid handle");
    const int error = close_handle(it->second);
    handles_.erase(it);
    give_back_handle();
    status_errno(id, error);
}

void Session::on_read(std::uint32_t id, Reader& r) {
    const auto handle = r.str();
    const std::uint64_t offset = r.u64();
    const std::uint32_t len = std::min(r.u32(), kMaxReadWrite);
    if (!r.ok()) return bad_message(id, r);
    auto* f = std::get_if<OpenFile>(find(handle));
    if (!f) return status(id, SSH_FX_FAILURE, "invalid handle");
    Writer w(SSH_FXP_DATA);
    w.u32(id);
    std::string data(len, '\0');
    const ssize_t n = ::pread(f->fd.get(), data.data(), len, static_cast<off_t>(offset));
    if (n < 0) return status_errno(id, errno);
    if (n == 0) return status(id, SSH_FX_EOF);
    f->bytes += static_cast<std::uint64_t>(n);
    w.str(std::string_view(data.data(), static_cast<std::size_t>(n)));
    send(w.finish());
}

void Session::on_write(std::uint32_t id, Reader& r) {
    const auto handle = r.str();
    const std::uint64_t offset = r.u64();
    const auto data = r.str();
    if (!r.ok()) return bad_message(id, r);
    auto* f = std::get_if<OpenFile>(find(handle));
    if (!f) return status(id, SSH_FX_FAILURE, "invalid handle");
    if (!f->writing) return status(id, SSH_FX_PERMISSION_DENIED, "handle not open for writing");
    if (const int e = vfs::check_write_offset(f->fd.get(), offset)) return status_errno(id, e);
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::pwrite(f->fd.get(), data.data() + done, data.size() - done,
                                   static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return status_errno(id, errno);
        }
        done += static_cast<std::size_t>(n);
    }
    f->bytes += done;
    status(id, SSH_FX_OK);
}

void Session::on_lstat(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    struct stat st {};
    if (const int e = files_.root().stat(path, false, st)) return status_errno(id, e);
    send(Writer(SSH_FXP_ATTRS).u32(id).attrs(Attrs::from_stat(st)).finish());
}

void Session::on_stat(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    struct stat st {};
    if (const int e = files_.root().stat(path, true, st)) return status_errno(id, e);
    send(Writer(SSH_FXP_ATTRS).u32(id).attrs(Attrs::from_stat(st)).finish());
}

void Session::on_fstat(std::uint32_t id, Reader& r) {
    const auto handle = r.str();
    if (!r.ok()) return bad_message(id, r);
    auto* f = std::get_if<OpenFile>(find(handle));
    if (!f) return status(id, SSH_FX_FAILURE, "invalid handle");
    struct stat st {};
    if (::fstat(f->fd.get(), &st) != 0) return status_errno(id, errno);
    send(Writer(SSH_FXP_ATTRS).u32(id).attrs(Attrs::from_stat(st)).finish());
}

// Owner changes (uid/gid) are ignored: every file in a root belongs to the service account.
int Session::apply_attrs(std::string_view path, const Attrs& a, bool follow) {
    struct stat st {};
    if (const int e = files_.root().stat(path, follow, st)) return e;
    if (!follow && S_ISLNK(st.st_mode) &&
        (a.flags & (kAttrSize | kAttrPermissions | kAttrAcModTime)))
        return EOPNOTSUPP;
    if (a.flags & kAttrSize)
        if (const int e = files_.root().truncate(path, a.size)) return e;
    if (a.flags & kAttrPermissions)
        if (const int e = files_.root().set_mode(path, a.permissions & 07777)) return e;
    if (a.flags & kAttrAcModTime)
        if (const int e = files_.root().set_times(path, a.atime, a.mtime)) return e;
    return 0;
}

void Session::on_setstat(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    const Attrs a = r.attrs();
    if (!r.ok()) return bad_message(id, r);
    if (const int e = files_.check(Permission::write, path)) return refuse(id, e, "update", path);
    const int e = apply_attrs(path, a, true);
    if (e == EOPNOTSUPP) return status(id, SSH_FX_OP_UNSUPPORTED);
    status_errno(id, e);
}

void Session::on_fsetstat(std::uint32_t id, Reader& r) {
    const auto handle = r.str();
    const Attrs a = r.attrs();
    if (!r.ok()) return bad_message(id, r);
    auto* f = std::get_if<OpenFile>(find(handle));
    if (!f) return status(id, SSH_FX_FAILURE, "invalid handle");
    if (const int e = files_.check(Permission::write, f->path))
        return refuse(id, e, "update", f->path);
    // By descriptor: the file being uploaded may still be under its temporary name.
    const int fd = f->fd.get();
    if ((a.flags & kAttrSize) && ::ftruncate(fd, static_cast<off_t>(a.size)) != 0)
        return status_errno(id, errno);
    if ((a.flags & kAttrPermissions) && ::fchmod(fd, a.permissions & 07777) != 0)
        return status_errno(id, errno);
    if (a.flags & kAttrAcModTime) {
        const timespec t[2] = {{static_cast<time_t>(a.atime), 0},
                               {static_cast<time_t>(a.mtime), 0}};
        if (::futimens(fd, t) != 0) return status_errno(id, errno);
    }
    status(id, SSH_FX_OK);
}

void Session::on_opendir(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    if (const int e = files_.check(Permission::list, path)) return refuse(id, e, "list", path);
    if (const std::string full = take_handle(); !full.empty())
        return status(id, SSH_FX_FAILURE, full);
    OpenDir d;
    d.path = path;
    if (const int e = files_.root().open_dir(path, d.reader)) {
        give_back_handle();
        return status_errno(id, e);
    }
    send(Writer(SSH_FXP_HANDLE).u32(id).str(add(std::move(d))).finish());
}

void Session::on_readdir(std::uint32_t id, Reader& r) {
    const auto handle = r.str();
    if (!r.ok()) return bad_message(id, r);
    auto* d = std::get_if<OpenDir>(find(handle));
    if (!d) return status(id, SSH_FX_FAILURE, "invalid handle");
    // A batch at a time: any directory size, constant memory.
    Writer w(SSH_FXP_NAME);
    w.u32(id);
    const auto count_at = w.reserve_u32();
    std::uint32_t count = 0;
    while (count < kReaddirBatch) {
        auto e = d->reader.next();
        if (!e) break;
        w.str(e->first)
            .str(long_name(e->first, e->second, files_.user().username))
            .attrs(Attrs::from_stat(e->second));
        ++count;
    }
    if (count == 0) return status(id, SSH_FX_EOF);
    w.set_u32(count_at, count);
    send(w.finish());
}

void Session::on_remove(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    if (const int e = files_.check(Permission::remove, path)) return refuse(id, e, "destroy", path);
    const int e = files_.root().unlink(path);
    files_.record("destroy", path, {}, {}, {}, e);
    status_errno(id, e);
}

void Session::on_mkdir(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    const Attrs a = r.attrs();
    if (!r.ok()) return bad_message(id, r);
    if (const int e = files_.check(Permission::write, path)) return refuse(id, e, "mkdir", path);
    const int e =
        files_.root().mkdir(path, (a.flags & kAttrPermissions) ? a.permissions & 0777 : 0755);
    files_.record("mkdir", path, {}, {}, {}, e);
    status_errno(id, e);
}

void Session::on_rmdir(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    if (const int e = files_.check(Permission::remove, path)) return refuse(id, e, "rmdir", path);
    const int e = files_.root().rmdir(path);
    files_.record("rmdir", path, {}, {}, {}, e);
    status_errno(id, e);
}

void Session::name_reply(std::uint32_t id, std::string_view path, const struct stat* st) {
    Writer w(SSH_FXP_NAME);
    w.u32(id).u32(1).str(path);
    if (st)
        w.str(long_name(path, *st, files_.user().username)).attrs(Attrs::from_stat(*st));
    else
        w.str(path).attrs(Attrs{});
    send(w.finish());
}

void Session::on_realpath(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    name_reply(id, path, nullptr);
}

void Session::on_rename(std::uint32_t id, Reader& r) {
    const std::string from = path_arg(r), to = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    if (const int e = files_.check_move(from, to)) return refuse(id, e, "move", from, to);
    // SFTP v3 rename never replaces an existing file; posix-rename@openssh.com does.
    const int e = files_.root().rename(from, to, RENAME_NOREPLACE);
    files_.record("move", from, to, {}, {}, e);
    status_errno(id, e);
}

void Session::on_readlink(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    std::string target;
    if (const int e = files_.root().readlink(path, target)) return status_errno(id, e);
    name_reply(id, target, nullptr);
}

void Session::on_symlink(std::uint32_t id, Reader& r) {
    // OpenSSH (and so every common client) sends the target first, then the link's path.
    const std::string target = raw_path_arg(r);
    const std::string link = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    // The target as the link will resolve it: relative to the link's folder.
    const std::string resolved = vfs::normalize(target, link.substr(0, link.rfind('/') + 1));
    if (const int e = files_.check_alias(resolved, link))
        return refuse(id, e, "create", link, resolved);
    status_errno(id, files_.root().symlink(target, link));
}

}  // namespace drawbridge::sftp
