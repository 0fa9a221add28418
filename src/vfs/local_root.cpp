#include "vfs/local_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <system_error>
#include <vector>

#include "core/crypto.h"
#include "vfs/absent_attributes.h"
#include "vfs/atomic_upload.h"

namespace drawbridge::vfs {
namespace {

// RESOLVE_BENEATH: no "..", absolute path or symlink may leave the root.
// RESOLVE_NO_MAGICLINKS: no /proc-style links, which could point anywhere.
constexpr unsigned long kJail = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

int openat2_fd(int dirfd, const std::string& path, int flags, mode_t mode, unsigned long resolve) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags) | O_CLOEXEC;
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = resolve;
    for (;;) {
        const long fd = syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
        if (fd >= 0) return static_cast<int>(fd);
        if (errno != EAGAIN && errno != EINTR) return -errno;  // EAGAIN: a rename raced; retry
    }
}

// "/a/b/" -> "a/b"; "/" -> "."; the path is normalised first.
std::string relative(std::string_view path) {
    const std::string n = normalize(path);
    return n == "/" ? "." : n.substr(1);
}

bool has_nul(std::string_view s) {
    return s.find('\0') != std::string_view::npos;
}

// The last component of a normalised path ("/a/b" -> "b").
std::string_view leaf_of(std::string_view normalised) {
    return normalised.substr(normalised.rfind('/') + 1);
}

std::string proc_path(int fd) {
    return "/proc/self/fd/" + std::to_string(fd);
}

// getxattrat(2), Linux 6.13: reads an attribute relative to a folder's descriptor without
// opening the entry. Debian 12's headers predate it; new system calls have one number on every
// architecture but alpha.
#ifdef SYS_getxattrat
constexpr long kGetxattrat = SYS_getxattrat;
#elif defined(__x86_64__) || defined(__aarch64__)
constexpr long kGetxattrat = 464;
#else
constexpr long kGetxattrat = -1;
#endif

struct XattrArgs {  // the kernel's struct xattr_args
    std::uint64_t value;
    std::uint32_t size;
    std::uint32_t flags;
};

// The size of the value, or -errno. `buf` null asks for the size only.
long entry_xattr(int dir, const char* name, const char* attribute, char* buf, std::size_t size) {
    if (kGetxattrat < 0) return -ENOSYS;
    XattrArgs args{reinterpret_cast<std::uintptr_t>(buf), static_cast<std::uint32_t>(size), 0};
    const long n =
        syscall(kGetxattrat, dir, name, AT_SYMLINK_NOFOLLOW, attribute, &args, sizeof args);
    return n < 0 ? -errno : n;
}

// The same through a descriptor of the entry, on kernels without getxattrat.
long opened_xattr(int dir, const char* name, const char* attribute, char* buf, std::size_t size) {
    // O_NONBLOCK: a FIFO does not block (none reaches here, but a race could swap one in).
    const int fd = ::openat(dir, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -errno;
    const long n = ::fgetxattr(fd, attribute, buf, size);
    const long result = n < 0 ? -errno : n;
    ::close(fd);
    return result;
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
}

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

int check_write_offset(int fd, std::uint64_t offset) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return errno;
    const auto end = static_cast<std::uint64_t>(st.st_size);
    return offset <= end || offset - end <= kMaxWriteGap ? 0 : EFBIG;
}

DirReader& DirReader::operator=(DirReader&& o) noexcept {
    if (this != &o) {
        if (dir_) closedir(dir_);
        dir_ = std::exchange(o.dir_, nullptr);
    }
    return *this;
}

DirReader::~DirReader() {
    if (dir_) closedir(dir_);
}

std::optional<std::pair<std::string, struct stat>> DirReader::next() {
    Entry e;
    if (!next(e)) return std::nullopt;
    return std::pair{std::string(e.name), e.st};
}

bool DirReader::next(Entry& out) {
    if (!dir_) return false;
    while (const dirent* e = readdir(dir_)) {
        const std::string_view name = e->d_name;
        if (name == "." || name == "..") continue;
        // An upload in progress is no entry of its folder on any protocol until it commits.
        if (name.starts_with(AtomicUpload::kTempPrefix)) continue;
        // An entry removed since readdir saw it is skipped, not reported half-known.
        if (fstatat(dirfd(dir_), e->d_name, &out.st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        out.name = name;
        return true;
    }
    return false;
}

int DirReader::entry_attribute(const Entry& entry, const char* attribute, std::string& value) {
    value.clear();
    if (!dir_) return EBADF;
    if (!S_ISREG(entry.st.st_mode) && !S_ISDIR(entry.st.st_mode)) return ENODATA;
    // From readdir: one component, so nothing but the entry itself is reached (no '/' is
    // ever in a name there; refused all the same should an Entry come from elsewhere).
    if (entry.name.find('/') != std::string_view::npos) return EINVAL;
    const char* name = entry.name.data();  // NUL-terminated: it views the dirent
    const auto read = [&](char* buf, std::size_t size) {
        if (!no_getxattrat_) {
            const long n = entry_xattr(dirfd(dir_), name, attribute, buf, size);
            // ENOSYS: an older kernel; EPERM: a seccomp filter that does not know the call
            // (a real read of a user attribute never answers EPERM).
            if (n != -ENOSYS && n != -EPERM) return n;
            no_getxattrat_ = true;
        }
        return opened_xattr(dirfd(dir_), name, attribute, buf, size);
    };
    auto& absent = AbsentAttributes::shared();
    if (absent.known_absent(entry.st, attribute)) return ENODATA;
    for (;;) {
        const long size = read(nullptr, 0);
        if (size == -ENODATA) {
            timespec now{};
            clock_gettime(CLOCK_REALTIME, &now);
            absent.remember(entry.st, attribute, now);
        }
        if (size < 0) return static_cast<int>(-size);
        value.resize(static_cast<std::size_t>(size));
        const long got = read(value.data(), value.size());
        if (got >= 0) {
            value.resize(static_cast<std::size_t>(got));
            return 0;
        }
        if (got != -ERANGE) return static_cast<int>(-got);  // ERANGE: it grew meanwhile
    }
}

LocalRoot LocalRoot::open(const std::filesystem::path& dir, bool create) {
    if (create) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) throw std::system_error(ec, "cannot create " + dir.string());
    }
    LocalRoot r;
    r.host_path_ = std::filesystem::absolute(dir);
    r.root_.reset(::open(r.host_path_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!r.root_)
        throw std::system_error(errno, std::generic_category(), "cannot open " + dir.string());
    return r;
}

int LocalRoot::resolve(std::string_view path, int flags, mode_t mode, unsigned long resolve_flags,
                       UniqueFd& out) const {
    if (has_nul(path)) return EINVAL;  // the kernel would stop at it: another path than checked
    const int fd = openat2_fd(root_.get(), relative(path), flags, mode, resolve_flags);
    if (fd < 0) return -fd;
    out.reset(fd);
    return 0;
}

int LocalRoot::open_parent(std::string_view path, UniqueFd& parent, std::string& leaf) const {
    if (has_nul(path)) return EINVAL;
    const std::string n = normalize(path);
    if (n == "/") return EPERM;  // the root itself has no parent to act in
    const auto slash = n.rfind('/');
    leaf = n.substr(slash + 1);
    return resolve(n.substr(0, slash + 1), O_PATH | O_DIRECTORY, 0, kJail, parent);
}

int LocalRoot::open_file(std::string_view path, int flags, mode_t mode, UniqueFd& out) const {
    // The last component must not be a symlink either when creating: O_NOFOLLOW on O_CREAT
    // keeps a planted link from redirecting the write.
    if (flags & O_CREAT) flags |= O_NOFOLLOW;
    if (flags & O_CREAT)
        if (const int e = name_error(leaf_of(normalize(path)))) return e;
    return resolve(path, flags, mode, kJail, out);
}

int LocalRoot::stat(std::string_view path, bool follow, struct stat& st) const {
    UniqueFd fd;
    if (const int e = resolve(path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0, kJail, fd)) return e;
    return fstat(fd.get(), &st) == 0 ? 0 : errno;
}

int LocalRoot::open_dir(std::string_view path, DirReader& out) const {
    UniqueFd fd;
    if (const int e = resolve(path, O_RDONLY | O_DIRECTORY, 0, kJail, fd)) return e;
    DIR* d = fdopendir(fd.get());
    if (!d) return errno;
    fd.release();
    out = DirReader(d);
    return 0;
}

int LocalRoot::mkdir(std::string_view path, mode_t mode) const {
    UniqueFd parent;
    std::string leaf;
    if (const int e = open_parent(path, parent, leaf)) return e == EPERM ? EEXIST : e;
    if (const int e = name_error(leaf)) return e;
    return ::mkdirat(parent.get(), leaf.c_str(), mode) == 0 ? 0 : errno;
}

int LocalRoot::rmdir(std::string_view path) const {
    UniqueFd parent;
    std::string leaf;
    if (const int e = open_parent(path, parent, leaf)) return e;
    return ::unlinkat(parent.get(), leaf.c_str(), AT_REMOVEDIR) == 0 ? 0 : errno;
}

int LocalRoot::unlink(std::string_view path) const {
    UniqueFd parent;
    std::string leaf;
    if (const int e = open_parent(path, parent, leaf)) return e;
    return ::unlinkat(parent.get(), leaf.c_str(), 0) == 0 ? 0 : errno;
}

int LocalRoot::rename(std::string_view from, std::string_view to, unsigned flags) const {
    UniqueFd from_dir, to_dir;
    std::string from_leaf, to_leaf;
    if (const int e = open_parent(from, from_dir, from_leaf)) return e;
    if (const int e = open_parent(to, to_dir, to_leaf)) return e;
    if (const int e = name_error(to_leaf)) return e;
    return ::renameat2(from_dir.get(), from_leaf.c_str(), to_dir.get(), to_leaf.c_str(), flags) == 0
               ? 0
               : errno;
}

int LocalRoot::link(std::string_view existing, std::string_view new_path) const {
    UniqueFd from_dir, to_dir;
    std::string from_leaf, to_leaf;
    if (const int e = open_parent(existing, from_dir, from_leaf)) return e;
    if (const int e = open_parent(new_path, to_dir, to_leaf)) return e;
    if (const int e = name_error(to_leaf)) return e;
    // No AT_SYMLINK_FOLLOW: a hard link to a symlink links the symlink, never what it names.
    return ::linkat(from_dir.get(), from_leaf.c_str(), to_dir.get(), to_leaf.c_str(), 0) == 0
               ? 0
               : errno;
}

int LocalRoot::symlink(std::string_view target, std::string_view link_path) const {
    if (target.empty() || has_nul(target) || has_nul(link_path)) return EINVAL;
    const std::string link = normalize(link_path);
    const std::string link_dir = link.substr(0, link.rfind('/') + 1);  // "/a/b/"
    // Walk the target from where it starts (the root for an absolute target, the link's folder
    // otherwise); a ".." above the root means it points outside, which is refused.
    long depth = target.front() == '/' ? 0 : std::count(link_dir.begin(), link_dir.end(), '/') - 1;
    for (std::size_t i = 0; i <= target.size();) {
        const auto end = std::min(target.find('/', i), target.size());
        const auto part = target.substr(i, end - i);
        if (part == "..") {
            if (--depth < 0) return EXDEV;
        } else if (!part.empty() && part != ".") {
            ++depth;
        }
        i = end + 1;
    }
    // Stored relative to the link's folder, so that it resolves beneath the root.
    const std::string resolved = normalize(target, link_dir);  // "/x/y"
    std::size_t common = 0;  // length of the shared leading folders, up to a '/'
    const std::string to = resolved + "/";
    for (std::size_t i = 0; i < link_dir.size() && i < to.size() && link_dir[i] == to[i]; ++i)
        if (link_dir[i] == '/') common = i + 1;
    std::string rel;
    for (std::size_t i = common; i < link_dir.size(); ++i)
        if (link_dir[i] == '/') rel += "../";
    rel += common < to.size() ? to.substr(common, to.size() - common - 1) : "";
    if (rel.empty()) rel = ".";
    UniqueFd parent;
    std::string leaf;
    if (const int e = open_parent(link, parent, leaf)) return e;
    if (const int e = name_error(leaf)) return e;
    return ::symlinkat(rel.c_str(), parent.get(), leaf.c_str()) == 0 ? 0 : errno;
}

int LocalRoot::readlink(std::string_view path, std::string& out) const {
    UniqueFd parent;
    std::string leaf;
    if (const int e = open_parent(path, parent, leaf)) return e;
    char buf[PATH_MAX];
    const ssize_t n = ::readlinkat(parent.get(), leaf.c_str(), buf, sizeof buf);
    if (n < 0) return errno;
    out.assign(buf, static_cast<std::size_t>(n));
    return 0;
}

// chmod and utimes act on an O_PATH descriptor already resolved inside the root, through its
// /proc/self/fd entry: the kernel does not resolve the user's path a second time.
int LocalRoot::set_mode(std::string_view path, mode_t mode) const {
    UniqueFd fd;
    if (const int e = resolve(path, O_PATH, 0, kJail, fd)) return e;
    return ::chmod(proc_path(fd.get()).c_str(), mode & 07777) == 0 ? 0 : errno;
}

int LocalRoot::set_times(std::string_view path, std::int64_t atime, std::int64_t mtime) const {
    UniqueFd fd;
    if (const int e = resolve(path, O_PATH, 0, kJail, fd)) return e;
    const timespec times[2] = {{static_cast<time_t>(atime), 0}, {static_cast<time_t>(mtime), 0}};
    return ::utimensat(AT_FDCWD, proc_path(fd.get()).c_str(), times, 0) == 0 ? 0 : errno;
}

int LocalRoot::truncate(std::string_view path, std::uint64_t size) const {
    UniqueFd fd;
    // Follows a last-component symlink, as truncate(2) and SETSTAT do: the jail still holds.
    if (const int e = resolve(path, O_WRONLY, 0, kJail, fd)) return e;
    return ::ftruncate(fd.get(), static_cast<off_t>(size)) == 0 ? 0 : errno;
}

int LocalRoot::statvfs(struct statvfs& out) const {
    return ::fstatvfs(root_.get(), &out) == 0 ? 0 : errno;
}

}  // namespace drawbridge::vfs
