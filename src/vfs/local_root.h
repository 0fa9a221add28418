// A user's root folder on the local disk. Every path is resolved by the kernel with openat2 and
// RESOLVE_BENEATH, relative to a descriptor of the root: "..", absolute paths and symlinks that
// point outside fail with EXDEV, whatever a string check would have said.
//
// Paths are virtual ("/" is the root). Operations return 0 or an errno value, so that each
// protocol maps errors to its own status codes in one function. A path holding a NUL byte never
// reaches a system call (EINVAL), nor does a new name that name_fault() refuses (EINVAL).
#pragma once

#include <dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "vfs/path_text.h"
#include "vfs/storage.h"

namespace drawbridge::vfs {

class LocalRoot final : public Storage {
  public:
    // Opens (creating it and its parents with mode 0700 when `create`) the root directory.
    // Throws std::system_error when it cannot.
    static LocalRoot open(const std::filesystem::path& dir, bool create);

    int open_file(std::string_view path, int flags, mode_t mode, UniqueFd& out) const override;
    int stat(std::string_view path, bool follow_symlinks, struct stat& st) const override;
    int open_dir(std::string_view path, DirReader& out) const override;
    int mkdir(std::string_view path, mode_t mode) const override;
    int rmdir(std::string_view path) const override;
    int unlink(std::string_view path) const override;
    // flags: 0 replaces an existing target (POSIX rename), RENAME_NOREPLACE refuses (SFTP v3).
    int rename(std::string_view from, std::string_view to, unsigned flags) const override;
    int link(std::string_view existing, std::string_view new_path) const override;
    // `target` is stored relative to the link's folder, so it resolves under RESOLVE_BENEATH;
    // a target that would leave the root is refused with EXDEV.
    int symlink(std::string_view target, std::string_view link_path) const override;
    int readlink(std::string_view path, std::string& out) const override;
    int set_mode(std::string_view path, mode_t mode) const override;
    int set_times(std::string_view path, std::int64_t atime, std::int64_t mtime) const override;
    int truncate(std::string_view path, std::uint64_t size) const override;
    int statvfs(struct statvfs& out) const override;

    std::string key() const override { return host_path_.string(); }
    const std::filesystem::path& host_path() const { return host_path_; }

  private:
    // Opens `path`'s parent folder (O_PATH) and returns its last component in `leaf`.
    int open_parent(std::string_view path, UniqueFd& parent, std::string& leaf) const;
    int resolve(std::string_view path, int flags, mode_t mode, unsigned long resolve_flags,
                UniqueFd& out) const;

    UniqueFd root_;
    std::filesystem::path host_path_;
};

}  // namespace drawbridge::vfs
