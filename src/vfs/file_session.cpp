#include "vfs/file_session.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace drawbridge::vfs {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
}

// The folder a path's last component is in, with its trailing slash ("/a/b" -> "/a/").
std::string folder_of(std::string_view path) {
    return std::string(path.substr(0, path.rfind('/') + 1));
}

}  // namespace

FileSession::FileSession(std::unique_ptr<Storage> storage, audit::ActionLog& log, core::User user,
                         core::Interface interface, std::string ip, FileRules rules)
    : storage_(std::move(storage)),
      log_(log),
      user_(std::move(user)),
      interface_(interface),
      ip_(std::move(ip)),
      rules_(std::move(rules)) {}

FileSession::~FileSession() = default;

int FileSession::check(Permission op, std::string_view path) const {
    return rules_.permissions.allows(op, path) ? 0 : EACCES;
}

// For a symlink, hard link or move `alias` -> `target`: write at the alias, and nothing
// reachable through the alias that the rules refuse at the target (a file moved out of a
// write-only drop box into a readable folder).
int FileSession::check_alias(std::string_view target, std::string_view alias) const {
    if (const int e = check(Permission::write, alias)) return e;
    return rules_.permissions.alias_allowed(target, alias) ? 0 : EACCES;
}

void FileSession::record(std::string_view action, std::string_view path,
                         std::string_view destination, std::optional<std::int64_t> bytes,
                         std::optional<std::chrono::milliseconds> duration, int error) {
    core::ActionLogEntry e;
    e.user_id = user_.id;
    e.username = user_.username;
    e.ip = ip_;
    e.interface = interface_;
    e.action = std::string(action);
    e.path = std::string(path);
    e.destination = std::string(destination);
    e.bytes = bytes;
    if (duration) e.duration_ms = duration->count();
    if (error) e.detail = std::string("failed: ") + std::strerror(error);
    if (!defer_commits_) {
        log_.record(std::move(e));
    } else if (auto t = log_.record_later(std::move(e))) {
        pending_log_.push_back(std::move(t));
    }
}

bool FileSession::when_logged(std::function<void(std::exception_ptr)> then) {
    if (pending_log_.empty()) return false;
    log_.when_committed(std::exchange(pending_log_, {}), std::move(then));
    return true;
}

void FileSession::record_refusal(std::string_view action, std::string_view path, int error,
                                 std::string_view destination) {
    record(action, path, destination, {}, {}, error);
}

int FileSession::permit(Permission op, std::string_view path, std::string_view action) {
    const int e = check(op, path);
    if (e) record(action, path, {}, {}, {}, e);
    return e;
}

int FileSession::stat(std::string_view path, bool follow, struct stat& st) const {
    return storage_->stat(path, follow, st);
}

int FileSession::readlink(std::string_view path, std::string& target) const {
    return storage_->readlink(path, target);
}

int FileSession::statvfs(struct statvfs& out) const {
    return storage_->statvfs(out);
}

int FileSession::list(std::string_view path, DirReader& out) {
    if (const int e = check(Permission::list, path)) {
        record("list", path, {}, {}, {}, e);
        return e;
    }
    return storage_->open_dir(path, out);
}

int FileSession::open_read(std::string_view path, Download& out) {
    int e = check(Permission::read, path);
    UniqueFd fd;
    struct stat st {};
    // O_NONBLOCK: a FIFO planted in the root must not block the connection.
    if (!e) e = storage_->open_file(path, O_RDONLY | O_NONBLOCK, 0, fd);
    if (!e && ::fstat(fd.get(), &st) != 0) e = errno;
    if (!e && S_ISDIR(st.st_mode)) return EISDIR;  // the protocol decides: a listing, or 550
    if (!e && !S_ISREG(st.st_mode)) e = EPERM;
    if (e) {
        record("read", path, {}, {}, {}, e);
        return e;
    }
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    out = Download();
    out.fd_ = std::move(fd);
    out.path_ = std::string(path);
    out.st_ = st;
    out.opened_ = Clock::now();
    return 0;
}

void FileSession::finish(Download& d, int error) {
    if (!d.fd_) return;
    d.fd_.reset();
    record("read", d.path_, {}, static_cast<std::int64_t>(d.bytes_), since(d.opened_), error);
}

UniqueFd FileSession::hand_off(Download& d, std::uint64_t bytes) {
    record("read", d.path_, {}, static_cast<std::int64_t>(bytes), {}, 0);
    return std::move(d.fd_);
}

int FileSession::begin_upload(std::string_view path, const UploadMode& m, Upload& out) {
    const auto fail = [&](int e) {
        record("create", path, {}, {}, {}, e);
        return e;
    };
    if (const int e = check(Permission::write, path)) return fail(e);
    if (m.read_too)
        if (const int e = check(Permission::read, path)) return fail(e);
    struct stat st {};
    const bool exists = storage_->stat(path, true, st) == 0;
    if (exists && S_ISDIR(st.st_mode)) return fail(EISDIR);
    if (exists && m.exclusive) return fail(EEXIST);
    if (!exists && !m.create) return fail(ENOENT);
    Upload u;
    u.path_ = std::string(path);
    u.exclusive_ = m.exclusive;
    u.readable_ = m.read_too;
    u.opened_ = Clock::now();
    // A new or replaced file is written under a temporary name and appears on commit, unless
    // the site wants uploads visible under their final name as they arrive. Appending,
    // resuming and read-write opens change the file in place.
    const bool atomic = rules_.atomic_uploads && !m.read_too && !m.append && m.offset == 0 &&
                        (m.truncate || (!exists && m.create));
    if (atomic) {
        if (const int e = AtomicUpload::begin(*storage_, path, m.mode, u.temp_.emplace()))
            return fail(e);
    } else {
        int flags = m.read_too ? O_RDWR : O_WRONLY;
        if (m.create) flags |= O_CREAT;
        if (m.truncate && m.offset == 0) flags |= O_TRUNC;
        if (m.exclusive) flags |= O_EXCL;
        if (m.append) flags |= O_APPEND;
        if (const int e = storage_->open_file(path, flags, m.mode, u.fd_)) return fail(e);
        struct stat now {};
        if (::fstat(u.fd_.get(), &now) == 0 && !S_ISREG(now.st_mode)) return fail(EISDIR);
        if (m.offset) {
            // Resuming: what follows the offset is replaced by what the client sends; an
            // offset far past the end would make a sparse file of any size (EFBIG).
            if (const int e = check_write_offset(u.fd_.get(), m.offset)) return fail(e);
            if (::ftruncate(u.fd_.get(), static_cast<off_t>(m.offset)) != 0) return fail(errno);
            if (::lseek(u.fd_.get(), static_cast<off_t>(m.offset), SEEK_SET) < 0)
                return fail(errno);
        }
    }
    out = std::move(u);
    return 0;
}

int Upload::fd() const {
    return temp_ ? temp_->fd() : fd_.get();
}

int FileSession::commit(Upload& u) {
    if (!u.temp_ && !u.fd_) return EBADF;
    int e = 0;
    if (u.temp_) {
        e = u.temp_->commit(u.exclusive_ ? RENAME_NOREPLACE : 0);
        u.temp_.reset();
    }
    u.fd_.reset();
    record("create", u.path_, {}, static_cast<std::int64_t>(u.bytes_), since(u.opened_), e);
    return e;
}

void FileSession::abort(Upload& u, int why) {
    if (!u.temp_ && !u.fd_) return;
    u.temp_.reset();  // removes the temporary file
    u.fd_.reset();
    record("create", u.path_, {}, static_cast<std::int64_t>(u.bytes_), since(u.opened_), why);
}

int FileSession::create_empty(std::string_view path) {
    Upload u;
    UploadMode m;
    m.exclusive = true;
    if (const int e = begin_upload(path, m, u)) return e;
    return commit(u);
}

int FileSession::mkdir(std::string_view path, mode_t mode) {
    int e = check(Permission::write, path);
    if (!e) e = storage_->mkdir(path, mode);
    record("mkdir", path, {}, {}, {}, e);
    return e;
}

int FileSession::rmdir(std::string_view path) {
    int e = check(Permission::remove, path);
    if (!e) e = path == "/" ? EPERM : storage_->rmdir(path);
    record("rmdir", path, {}, {}, {}, e);
    return e;
}

int FileSession::remove(std::string_view path) {
    int e = check(Permission::remove, path);
    struct stat st {};
    if (!e) e = storage_->stat(path, false, st);
    if (!e && S_ISDIR(st.st_mode)) e = EISDIR;
    if (!e) e = storage_->unlink(path);
    record("destroy", path, {}, {}, {}, e);
    return e;
}

int FileSession::rename(std::string_view from, std::string_view to, Replace replace) {
    int e = check(Permission::remove, from);
    if (!e) e = check_alias(from, to);
    bool replaced = false;
    if (!e) e = clear_destination(to, replace, replaced);
    if (!e) e = storage_->rename(from, to, replace == Replace::file ? 0 : RENAME_NOREPLACE);
    record("move", from, to, {}, {}, e);
    return e;
}

int FileSession::symlink(std::string_view target, std::string_view link) {
    // The target as the link will resolve it: relative to the link's folder.
    const std::string resolved = normalize(target, folder_of(link));
    int e = check_alias(resolved, link);
    if (!e) e = storage_->symlink(target, link);
    record("create", link, resolved, {}, {}, e);
    return e;
}

int FileSession::hard_link(std::string_view existing, std::string_view link) {
    int e = check_alias(existing, link);
    if (!e) e = storage_->link(existing, link);
    record("create", link, existing, {}, {}, e);
    return e;
}

int FileSession::set_attributes(std::string_view path, const Attributes& a, bool follow) {
    int e = check(Permission::write, path);
    struct stat st {};
    if (!e) e = storage_->stat(path, follow, st);
    // Owner changes are not offered: every file in a root belongs to the service account.
    if (!e && !follow && S_ISLNK(st.st_mode) && (a.size || a.mode || a.mtime)) e = EOPNOTSUPP;
    if (!e && a.size) e = storage_->truncate(path, *a.size);
    if (!e && a.mode) e = storage_->set_mode(path, *a.mode & 07777);
    if (!e && a.mtime) e = storage_->set_times(path, a.atime.value_or(st.st_atime), *a.mtime);
    record("update", path, {}, {}, {}, e);
    return e;
}

int FileSession::set_attributes(Upload& u, const Attributes& a) {
    int e = check(Permission::write, u.path_);
    const int fd = u.fd();
    struct stat st {};
    if (!e && ::fstat(fd, &st) != 0) e = errno;
    if (!e && a.size && ::ftruncate(fd, static_cast<off_t>(*a.size)) != 0) e = errno;
    if (!e && a.mode && ::fchmod(fd, *a.mode & 07777) != 0) e = errno;
    if (!e && a.mtime) {
        const timespec t[2] = {{static_cast<time_t>(a.atime.value_or(st.st_atime)), 0},
                               {static_cast<time_t>(*a.mtime), 0}};
        if (::futimens(fd, t) != 0) e = errno;
    }
    record("update", u.path_, {}, {}, {}, e);
    return e;
}

int FileSession::open_properties(std::string_view path, bool for_writing, UniqueFd& out) {
    if (for_writing)
        if (const int e = check(Permission::write, path)) {
            record("update", path, {}, {}, {}, e);
            return e;
        }
    // O_RDONLY (not O_PATH) for the xattr calls; O_NONBLOCK so that a FIFO does not block.
    return storage_->open_file(path, O_RDONLY | O_NONBLOCK, 0, out);
}

void FileSession::record_update(std::string_view path, int error) {
    record("update", path, {}, {}, {}, error);
}

}  // namespace drawbridge::vfs
