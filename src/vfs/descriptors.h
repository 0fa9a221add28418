// Owning wrappers of the descriptors a Storage hands out: a file descriptor, and a directory
// stream that never shows in-progress uploads.
#pragma once

#include <dirent.h>
#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace drawbridge::vfs {

class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1);

  private:
    int fd_ = -1;
};

// Streams a directory's entries in constant memory. In-progress uploads (AtomicUpload's
// temporary files) are never among them, so that no protocol lists a half-written file.
class DirReader {
  public:
    DirReader() = default;
    explicit DirReader(DIR* d) : dir_(d) {}
    DirReader(DirReader&& o) noexcept : dir_(std::exchange(o.dir_, nullptr)) {}
    DirReader& operator=(DirReader&& o) noexcept;
    ~DirReader();

    // The next entry other than "." and "..", with its lstat; nullopt at the end.
    std::optional<std::pair<std::string, struct stat>> next();

    // As next(), without copying the name (for listings of many entries): `name` is valid
    // until the following call. False at the end.
    struct Entry {
        std::string_view name;  // views the directory stream's entry: NUL-terminated
        struct stat st;
    };
    bool next(Entry& out);

    // The extended attribute `attribute` of an entry of this folder, read relative to
    // the folder's descriptor and never through a symlink: the entry is beneath the folder by
    // construction, with no path walked again (docs/vfs.md#listing-many-entries). 0 with the
    // value in `value`, ENODATA when the entry has none, or an errno value.
    // Only regular files and folders have user attributes (the kernel's rule): ENODATA for
    // anything else, which is never opened.
    int entry_attribute(const Entry& entry, const char* attribute, std::string& value);

  private:
    DIR* dir_ = nullptr;
    bool no_getxattrat_ = false;  // the kernel predates getxattrat (Linux 6.13)
};

}  // namespace drawbridge::vfs
