// FileSession's operations on whole trees and between open files: removing a folder with what
// it holds, copying a file or a tree, and SFTP's copy-data.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "vfs/file_session.h"

namespace drawbridge::vfs {
namespace {

std::string child_of(const std::string& folder, std::string_view name) {
    return (folder == "/" ? "/" : folder + "/") + std::string(name);
}

// Our own extended attributes (user.drawbridge.*: WebDAV's dead properties) go with a copy, as
// they would with the file on any other file system tool that keeps xattrs.
void copy_own_xattrs(int from, int to) {
    char names[4096];
    const ssize_t n = ::flistxattr(from, names, sizeof names);
    if (n <= 0) return;
    for (ssize_t i = 0; i < n;) {
        const std::string name(names + i);
        i += static_cast<ssize_t>(name.size()) + 1;
        if (name.rfind("user.drawbridge.", 0) != 0) continue;
        const ssize_t size = ::fgetxattr(from, name.c_str(), nullptr, 0);
        if (size < 0) continue;
        std::string value(static_cast<std::size_t>(size), '\0');
        const ssize_t got = ::fgetxattr(from, name.c_str(), value.data(), value.size());
        if (got >= 0) ::fsetxattr(to, name.c_str(), value.data(), static_cast<std::size_t>(got), 0);
    }
}

}  // namespace

int FileSession::remove_tree_inner(const std::string& path, const struct stat& st) {
    if (!S_ISDIR(st.st_mode)) return storage_->unlink(path);
    DirReader dir;
    if (const int e = storage_->open_dir(path, dir)) return e;
    while (auto entry = dir.next()) {
        const std::string child = child_of(path, entry->first);
        if (const int e = check(Permission::remove, child)) return e;
        if (const int e = remove_tree_inner(child, entry->second)) return e;
    }
    return storage_->rmdir(path);
}

int FileSession::remove_tree(std::string_view path) {
    struct stat st {};
    int e = storage_->stat(path, false, st);
    const char* action = !e && S_ISDIR(st.st_mode) ? "rmdir" : "destroy";
    if (!e) e = check(Permission::remove, path);
    if (!e && path == "/") e = EPERM;
    if (!e) e = remove_tree_inner(std::string(path), st);
    record(action, path, {}, {}, {}, e);
    return e;
}

int FileSession::copy_tree(const std::string& from, const std::string& to, const struct stat& st,
                           bool recursive) {
    if (S_ISLNK(st.st_mode)) {
        std::string target;
        if (const int e = storage_->readlink(from, target)) return e;
        return storage_->symlink(target, to);
    }
    if (S_ISDIR(st.st_mode)) {
        if (const int e = storage_->mkdir(to, st.st_mode & 07777)) return e;
        UniqueFd in, out;
        if (storage_->open_file(from, O_RDONLY | O_DIRECTORY, 0, in) == 0 &&
            storage_->open_file(to, O_RDONLY | O_DIRECTORY, 0, out) == 0)
            copy_own_xattrs(in.get(), out.get());
        if (!recursive) return 0;
        DirReader dir;
        if (const int e = storage_->open_dir(from, dir)) return e;
        while (auto entry = dir.next()) {
            const std::string src = child_of(from, entry->first);
            if (const int e = check(Permission::read, src)) return e;
            if (const int e = copy_tree(src, child_of(to, entry->first), entry->second, true))
                return e;
        }
        return 0;
    }
    if (!S_ISREG(st.st_mode)) return EPERM;
    UniqueFd in, out;
    if (const int e = storage_->open_file(from, O_RDONLY | O_NONBLOCK, 0, in)) return e;
    if (const int e = storage_->open_file(to, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 0777, out))
        return e;
    std::uint64_t copied = 0;
    if (const int e = copy_fds(in.get(), 0, 0, out.get(), 0, copied)) return e;
    copy_own_xattrs(in.get(), out.get());
    return 0;
}

int FileSession::clear_destination(std::string_view to, Replace replace, bool& replaced) {
    replaced = false;
    if (replace != Replace::tree) return 0;
    struct stat existing {};
    if (storage_->stat(to, false, existing) != 0) return 0;
    if (const int e = check(Permission::remove, to)) return e;
    replaced = true;
    return remove_tree_inner(std::string(to), existing);
}

int FileSession::copy(std::string_view from, std::string_view to, bool recursive, Replace replace) {
    int e = check(Permission::read, from);
    if (!e) e = check(Permission::write, to);
    struct stat st {};
    if (!e) e = storage_->stat(from, false, st);
    if (!e && (from == "/" || to == "/")) e = EPERM;
    // A folder copied inside itself would copy its own copy, without end.
    if (!e && S_ISDIR(st.st_mode) && is_self_or_under(to, from)) e = EINVAL;
    bool replaced = false;
    if (!e)
        e = clear_destination(to, replace == Replace::no ? Replace::no : Replace::tree, replaced);
    if (!e) e = copy_tree(std::string(from), std::string(to), st, recursive);
    record("copy", from, to, {}, {}, e);
    return e;
}

int FileSession::copy_fds(int in, std::uint64_t in_off, std::uint64_t length, int out,
                          std::uint64_t out_off, std::uint64_t& copied) {
    copied = 0;
    if (const int e = check_write_offset(out, out_off)) return e;
    // Length 0 means to the end of the source; the kernel copies without a trip to user space.
    std::uint64_t left = length ? length : UINT64_MAX;
    while (left > 0) {
        loff_t i = static_cast<loff_t>(in_off + copied), o = static_cast<loff_t>(out_off + copied);
        const ssize_t n =
            ::copy_file_range(in, &i, out, &o, std::min<std::uint64_t>(left, 1 << 30), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) break;
        copied += static_cast<std::uint64_t>(n);
        left -= static_cast<std::uint64_t>(n);
    }
    return length && left ? ENODATA : 0;  // the source ended before the length asked
}

int FileSession::copy_range(Download& from, std::uint64_t from_offset, std::uint64_t length,
                            Upload& to, std::uint64_t to_offset, std::uint64_t& copied) {
    copied = 0;
    int e = check(Permission::write, to.path_);
    if (!e) e = copy_fds(from.fd(), from_offset, length, to.fd(), to_offset, copied);
    to.bytes_ += copied;
    record("copy", from.path_, to.path_, static_cast<std::int64_t>(copied), {}, e);
    return e;
}

int FileSession::copy_range(Upload& from, std::uint64_t from_offset, std::uint64_t length,
                            Upload& to, std::uint64_t to_offset, std::uint64_t& copied) {
    copied = 0;
    // The source may be a file opened for writing only (in a drop box): copying from it is
    // reading it.
    int e = check(Permission::read, from.path_);
    if (!e) e = check(Permission::write, to.path_);
    if (!e) e = copy_fds(from.fd(), from_offset, length, to.fd(), to_offset, copied);
    to.bytes_ += copied;
    record("copy", from.path_, to.path_, static_cast<std::int64_t>(copied), {}, e);
    return e;
}

}  // namespace drawbridge::vfs
