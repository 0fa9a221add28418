// Where a user's files live, behind one interface so that FileSession's rules do not depend on
// the backend: the local disk today (LocalRoot), an object store later (docs/vfs.md#backends).
//
// Paths are virtual ("/" is the root) and already decoded by vfs::virtual_path. Every call
// returns 0 or an errno value. A backend enforces the jail itself: no path it is given may
// reach anything outside the user's root.
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "vfs/descriptors.h"

namespace drawbridge::vfs {

class DirReader;

class Storage {
  public:
    virtual ~Storage() = default;

    // File content is handed out as a descriptor (read, write, sendfile, copy_file_range); a
    // backend without local files stages content in a private temporary file.
    virtual int open_file(std::string_view path, int flags, mode_t mode, UniqueFd& out) const = 0;
    virtual int stat(std::string_view path, bool follow_symlinks, struct stat& st) const = 0;
    virtual int open_dir(std::string_view path, DirReader& out) const = 0;
    virtual int mkdir(std::string_view path, mode_t mode) const = 0;
    virtual int rmdir(std::string_view path) const = 0;
    virtual int unlink(std::string_view path) const = 0;
    // flags: 0 replaces an existing target (POSIX rename), RENAME_NOREPLACE refuses.
    virtual int rename(std::string_view from, std::string_view to, unsigned flags) const = 0;
    virtual int link(std::string_view existing, std::string_view new_path) const = 0;
    virtual int symlink(std::string_view target, std::string_view link_path) const = 0;
    virtual int readlink(std::string_view path, std::string& out) const = 0;
    virtual int set_mode(std::string_view path, mode_t mode) const = 0;
    virtual int set_times(std::string_view path, std::int64_t atime, std::int64_t mtime) const = 0;
    virtual int truncate(std::string_view path, std::uint64_t size) const = 0;
    virtual int statvfs(struct statvfs& out) const = 0;

    // Names this root among all roots of the process (WebDAV keeps its locks per root).
    virtual std::string key() const = 0;
};

}  // namespace drawbridge::vfs
