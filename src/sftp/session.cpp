#include "sftp/session.h"

#include "vfs/listing.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

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
    void (Session::*fn)(std::uint32_t, Reader&);
};

const Session::Handler Session::kHandlers[] = {
    {SSH_FXP_OPEN, &Session::on_open},         {SSH_FXP_CLOSE, &Session::on_close},
    {SSH_FXP_READ, &Session::on_read},         {SSH_FXP_WRITE, &Session::on_write},
    {SSH_FXP_LSTAT, &Session::on_lstat},       {SSH_FXP_FSTAT, &Session::on_fstat},
    {SSH_FXP_SETSTAT, &Session::on_setstat},   {SSH_FXP_FSETSTAT, &Session::on_fsetstat},
    {SSH_FXP_OPENDIR, &Session::on_opendir},   {SSH_FXP_READDIR, &Session::on_readdir},
    {SSH_FXP_REMOVE, &Session::on_remove},     {SSH_FXP_MKDIR, &Session::on_mkdir},
    {SSH_FXP_RMDIR, &Session::on_rmdir},       {SSH_FXP_REALPATH, &Session::on_realpath},
    {SSH_FXP_STAT, &Session::on_stat},         {SSH_FXP_RENAME, &Session::on_rename},
    {SSH_FXP_READLINK, &Session::on_readlink}, {SSH_FXP_SYMLINK, &Session::on_symlink},
    {SSH_FXP_EXTENDED, &Session::on_extended},
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
    for (auto& [name, h] : handles_) close_handle(h, false);
    while (taken_ > 0) give_back_handle();
}

Session::Taken Session::consume(std::string_view data) {
    Taken t;
    // A handler's reply could, through the transport, deliver more input while this call
    // reads `data`: such a call takes nothing, and its caller keeps the bytes for later.
    if (in_consume_) return t;
    in_consume_ = true;
    struct Reset {
        bool& flag;
        ~Reset() { flag = false; }
    } reset{in_consume_};
    for (;;) {
        const Frame f = frame(data.substr(t.bytes), kMaxPacket);
        if (f.kind == Frame::bad) t.ok = false;
        if (f.kind != Frame::whole) break;
        if (ready_ && !ready_()) {
            t.paused = true;
            break;
        }
        const std::string_view packet = data.substr(t.bytes + 4, f.size - 4);
        t.bytes += f.size;
        const bool was_initialised = initialised_;
        dispatch(packet);
        if (!initialised_ && !was_initialised) {  // anything before INIT
            t.ok = false;
            break;
        }
    }
    return t;
}

bool Session::feed(std::string_view data) {
    // Reentered from a reply: buffer_ is being read, so these bytes wait beside it.
    if (in_consume_) {
        reentered_.append(data);
        return true;
    }
    buffer_.append(data);
    for (;;) {
        const Taken t = consume(buffer_);
        buffer_.erase(0, t.bytes);
        if (!t.ok) return false;
        if (reentered_.empty()) return true;
        buffer_.append(std::exchange(reentered_, {}));
        if (t.paused) return true;
    }
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
    // The vfs refusals, in words that name the rule: EINVAL is mostly a new name it does not
    // create, EFBIG a write too far past the end (vfs::check_write_offset), ENAMETOOLONG a
    // name over 255 bytes (refused at open, before any data).
    const char* text = error == EINVAL  ? "Invalid argument (a new name may not contain CR or LF)"
                       : error == EFBIG ? "offset beyond end of file"
                       : error == ENAMETOOLONG
                           ? "File name too long (a name may have at most 255 bytes)"
                       : error ? std::strerror(error)
                               : "Success";
    status(id, status_of(error), text);
}

void Session::bad_message(std::uint32_t id, const Reader& r) {
    status(id, SSH_FX_BAD_MESSAGE, r.why());
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

int Session::file_fd(std::string_view handle) {
    Handle* h = find(handle);
    if (auto* d = h ? std::get_if<vfs::Download>(h) : nullptr) return d->fd();
    if (auto* u = h ? std::get_if<vfs::Upload>(h) : nullptr) return u->fd();
    return -1;
}

int Session::close_handle(Handle& h, bool commit) {
    if (auto* d = std::get_if<vfs::Download>(&h)) files_.finish(*d, commit ? 0 : ECONNRESET);
    if (auto* u = std::get_if<vfs::Upload>(&h)) {
        if (commit) return files_.commit(*u);
        files_.abort(*u, ECONNRESET);
    }
    return 0;
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
    // Before anything is created or truncated: a refused open changes nothing.
    if (const std::string full = take_handle(); !full.empty())
        return status(id, SSH_FX_FAILURE, full);
    Handle h;
    int error = 0;
    if (!write) {
        error = files_.open_read(path, h.emplace<vfs::Download>());
    } else {
        vfs::UploadMode m;
        m.create = pflags & SSH_FXF_CREAT;
        m.truncate = pflags & SSH_FXF_TRUNC;
        m.exclusive = (pflags & SSH_FXF_EXCL) && (pflags & SSH_FXF_CREAT);
        m.append = pflags & SSH_FXF_APPEND;
        m.read_too = read;
        m.mode = (a.flags & kAttrPermissions) ? (a.permissions & 0777) : 0644;
        error = files_.begin_upload(path, m, h.emplace<vfs::Upload>());
    }
    if (error) {
        give_back_handle();
        return status_errno(id, error);
    }
    send(Writer(SSH_FXP_HANDLE).u32(id).str(add(std::move(h))).finish());
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
    Handle* h = find(handle);
    auto* d = h ? std::get_if<vfs::Download>(h) : nullptr;
    auto* u = h ? std::get_if<vfs::Upload>(h) : nullptr;
    if (!d && !u) return status(id, SSH_FX_FAILURE, "invalid handle");
    if (u && !u->readable())
        return status(id, SSH_FX_PERMISSION_DENIED, "handle not open for reading");
    // Read straight into the reply.
    Writer w(SSH_FXP_DATA);
    w.u32(id);
    char* at = w.str_space(len);
    const ssize_t n = ::pread(d ? d->fd() : u->fd(), at, len, static_cast<off_t>(offset));
    if (n < 0) return status_errno(id, errno);
    if (n == 0) return status(id, SSH_FX_EOF);
    if (d) d->add_bytes(static_cast<std::uint64_t>(n));
    w.shrink_last_str(len, static_cast<std::size_t>(n));
    send(w.finish());
}

void Session::on_write(std::uint32_t id, Reader& r) {
    const auto handle = r.str();
    const std::uint64_t offset = r.u64();
    const auto data = r.str();
    if (!r.ok()) return bad_message(id, r);
    Handle* h = find(handle);
    if (!h || std::holds_alternative<OpenDir>(*h))
        return status(id, SSH_FX_FAILURE, "invalid handle");
    auto* u = std::get_if<vfs::Upload>(h);
    if (!u) return status(id, SSH_FX_PERMISSION_DENIED, "handle not open for writing");
    if (const int e = vfs::check_write_offset(u->fd(), offset)) return status_errno(id, e);
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::pwrite(u->fd(), data.data() + done, data.size() - done,
                                   static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return status_errno(id, errno);
        }
        done += static_cast<std::size_t>(n);
    }
    u->add_bytes(done);
    status(id, SSH_FX_OK);
}

void Session::on_lstat(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    struct stat st {};
    if (const int e = files_.stat(path, false, st)) return status_errno(id, e);
    send(Writer(SSH_FXP_ATTRS).u32(id).attrs(Attrs::from_stat(st)).finish());
}

void Session::on_stat(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    struct stat st {};
    if (const int e = files_.stat(path, true, st)) return status_errno(id, e);
    send(Writer(SSH_FXP_ATTRS).u32(id).attrs(Attrs::from_stat(st)).finish());
}

void Session::on_fstat(std::uint32_t id, Reader& r) {
    const auto handle = r.str();
    if (!r.ok()) return bad_message(id, r);
    const int fd = file_fd(handle);
    if (fd < 0) return status(id, SSH_FX_FAILURE, "invalid handle");
    struct stat st {};
    if (::fstat(fd, &st) != 0) return status_errno(id, errno);
    send(Writer(SSH_FXP_ATTRS).u32(id).attrs(Attrs::from_stat(st)).finish());
}

vfs::Attributes Session::attributes_of(const Attrs& a) {
    vfs::Attributes out;
    if (a.flags & kAttrSize) out.size = a.size;
    if (a.flags & kAttrPermissions) out.mode = a.permissions & 07777;
    if (a.flags & kAttrAcModTime) {
        out.atime = a.atime;
        out.mtime = a.mtime;
    }
    return out;  // uid/gid are ignored: every file in a root belongs to the service account
}

void Session::on_setstat(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    const Attrs a = r.attrs();
    if (!r.ok()) return bad_message(id, r);
    status_errno(id, files_.set_attributes(path, attributes_of(a), true));
}

void Session::on_fsetstat(std::uint32_t id, Reader& r) {
    const auto handle = r.str();
    const Attrs a = r.attrs();
    if (!r.ok()) return bad_message(id, r);
    Handle* h = find(handle);
    // By descriptor while uploading: the file may still be under its temporary name.
    if (auto* u = h ? std::get_if<vfs::Upload>(h) : nullptr)
        return status_errno(id, files_.set_attributes(*u, attributes_of(a)));
    if (auto* d = h ? std::get_if<vfs::Download>(h) : nullptr)
        return status_errno(id, files_.set_attributes(d->path(), attributes_of(a), true));
    status(id, SSH_FX_FAILURE, "invalid handle");
}

void Session::on_opendir(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    if (const std::string full = take_handle(); !full.empty())
        return status(id, SSH_FX_FAILURE, full);
    OpenDir d;
    d.path = path;
    if (const int e = files_.list(path, d.reader)) {
        give_back_handle();
        return status_errno(id, e);
    }
    send(Writer(SSH_FXP_HANDLE).u32(id).str(add(std::move(d))).finish());
}

void Session::on_readdir(std::uint32_t id, Reader& r) {
    const auto handle = r.str();
    if (!r.ok()) return bad_message(id, r);
    Handle* h = find(handle);
    auto* d = h ? std::get_if<OpenDir>(h) : nullptr;
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
    status_errno(id, files_.remove(path));
}

void Session::on_mkdir(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    const Attrs a = r.attrs();
    if (!r.ok()) return bad_message(id, r);
    status_errno(id,
                 files_.mkdir(path, (a.flags & kAttrPermissions) ? a.permissions & 0777 : 0755));
}

void Session::on_rmdir(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    status_errno(id, files_.rmdir(path));
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
    // SFTP v3 rename never replaces an existing file; posix-rename@openssh.com does.
    status_errno(id, files_.rename(from, to, vfs::FileSession::Replace::no));
}

void Session::on_readlink(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    std::string target;
    if (const int e = files_.readlink(path, target)) return status_errno(id, e);
    name_reply(id, target, nullptr);
}

void Session::on_symlink(std::uint32_t id, Reader& r) {
    // OpenSSH (and so every common client) sends the target first, then the link's path.
    const std::string target = raw_path_arg(r);
    const std::string link = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    status_errno(id, files_.symlink(target, link));
}

}  // namespace drawbridge::sftp
