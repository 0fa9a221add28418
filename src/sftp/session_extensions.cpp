// The SFTP extensions drawbridge supports: OpenSSH's and two from later filexfer drafts. Each
// is a row of kExtensions, advertised in VERSION and dispatched from SSH_FXP_EXTENDED.
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sftp/session.h"

namespace drawbridge::sftp {

const Session::Extension Session::kExtensions[] = {
    {"posix-rename@openssh.com", "1", &Session::ext_posix_rename},
    {"statvfs@openssh.com", "2", &Session::ext_statvfs},
    {"fstatvfs@openssh.com", "2", &Session::ext_fstatvfs},
    {"hardlink@openssh.com", "1", &Session::ext_hardlink},
    {"fsync@openssh.com", "1", &Session::ext_fsync},
    {"limits@openssh.com", "1", &Session::ext_limits},
    {"lsetstat@openssh.com", "1", &Session::ext_lsetstat},
    {"copy-data", "1", &Session::ext_copy_data},
    {"home-directory", "1", &Session::ext_home_directory},
};

std::span<const Session::Extension> Session::extensions() {
    return kExtensions;
}

void Session::on_extended(std::uint32_t id, Reader& r) {
    const auto name = r.str();
    if (!r.ok()) return bad_message(id, r);
    for (const auto& e : kExtensions)
        if (e.name == name) return (this->*e.fn)(id, r);
    status(id, SSH_FX_OP_UNSUPPORTED, "unsupported extension");
}

void Session::ext_posix_rename(std::uint32_t id, Reader& r) {
    const std::string from = path_arg(r), to = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    status_errno(id, files_.rename(from, to, vfs::FileSession::Replace::file));
}

void Session::statvfs_reply(std::uint32_t id, const struct statvfs& v) {
    Writer w(SSH_FXP_EXTENDED_REPLY);
    w.u32(id).u64(v.f_bsize).u64(v.f_frsize).u64(v.f_blocks).u64(v.f_bfree).u64(v.f_bavail);
    w.u64(v.f_files).u64(v.f_ffree).u64(v.f_favail).u64(v.f_fsid);
    w.u64(((v.f_flag & ST_RDONLY) ? 1 : 0) | ((v.f_flag & ST_NOSUID) ? 2 : 0)).u64(v.f_namemax);
    send(w.finish());
}

void Session::ext_statvfs(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    struct stat st {};
    if (const int e = files_.stat(path, true, st)) return status_errno(id, e);
    struct statvfs v {};
    if (const int e = files_.statvfs(v)) return status_errno(id, e);
    statvfs_reply(id, v);
}

void Session::ext_fstatvfs(std::uint32_t id, Reader& r) {
    const auto handle = r.str();
    if (!r.ok()) return bad_message(id, r);
    const int fd = file_fd(handle);
    if (fd < 0) return status(id, SSH_FX_FAILURE, "invalid handle");
    struct statvfs v {};
    if (::fstatvfs(fd, &v) != 0) return status_errno(id, errno);
    statvfs_reply(id, v);
}

void Session::ext_hardlink(std::uint32_t id, Reader& r) {
    const std::string from = path_arg(r), to = path_arg(r);
    if (!r.ok()) return bad_message(id, r);
    status_errno(id, files_.hard_link(from, to));
}

void Session::ext_fsync(std::uint32_t id, Reader& r) {
    const auto handle = r.str();
    if (!r.ok()) return bad_message(id, r);
    const int fd = file_fd(handle);
    if (fd < 0) return status(id, SSH_FX_FAILURE, "invalid handle");
    status_errno(id, ::fsync(fd) == 0 ? 0 : errno);
}

void Session::ext_limits(std::uint32_t id, Reader&) {
    // max-open-handles: this session's cap (the per-user one may refuse sooner).
    send(Writer(SSH_FXP_EXTENDED_REPLY)
             .u32(id)
             .u64(kMaxPacket)
             .u64(kMaxReadWrite)
             .u64(kMaxWrite)
             .u64(counter_->per_session())
             .finish());
}

void Session::ext_lsetstat(std::uint32_t id, Reader& r) {
    const std::string path = path_arg(r);
    const Attrs a = r.attrs();
    if (!r.ok()) return bad_message(id, r);
    const int e = files_.set_attributes(path, attributes_of(a), false);
    if (e == EOPNOTSUPP) return status(id, SSH_FX_OP_UNSUPPORTED, "attributes of a symlink itself");
    status_errno(id, e);
}

void Session::ext_copy_data(std::uint32_t id, Reader& r) {
    const auto from_handle = r.str();
    const std::uint64_t from_offset = r.u64();
    const std::uint64_t length = r.u64();
    const auto to_handle = r.str();
    const std::uint64_t to_offset = r.u64();
    if (!r.ok()) return bad_message(id, r);
    Handle* from = find(from_handle);
    Handle* to = find(to_handle);
    if (!from || !to || std::holds_alternative<OpenDir>(*from) ||
        std::holds_alternative<OpenDir>(*to))
        return status(id, SSH_FX_FAILURE, "invalid handle");
    auto* target = std::get_if<vfs::Upload>(to);
    if (!target) return status(id, SSH_FX_PERMISSION_DENIED, "handle not open for writing");
    std::uint64_t copied = 0;
    int e = 0;
    if (auto* d = std::get_if<vfs::Download>(from))
        e = files_.copy_range(*d, from_offset, length, *target, to_offset, copied);
    else
        e = files_.copy_range(std::get<vfs::Upload>(*from), from_offset, length, *target, to_offset,
                              copied);
    if (e == ENODATA) return status(id, SSH_FX_EOF, "source ended before the length given");
    status_errno(id, e);
}

void Session::ext_home_directory(std::uint32_t id, Reader& r) {
    r.str();  // the username: a user's home is the root of its own jail
    if (!r.ok()) return bad_message(id, r);
    name_reply(id, "/", nullptr);
}

}  // namespace drawbridge::sftp
