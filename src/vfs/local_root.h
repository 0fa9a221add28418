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

// Resolves "." and ".." lexically against `cwd` and clamps at the root, as a chroot does:
// normalize("../../etc", "/a") is "/etc" inside the root. Returns "/a/b" form.
std::string normalize(std::string_view path, std::string_view cwd = "/");

// Why a path a client sent cannot name anything, in words for the client; empty when it can.
// A NUL byte is refused: the permission check would see the whole string while the system
// call stops at the NUL, so "/private\0" would be checked as one path and opened as another.
std::string_view path_fault(std::string_view client_path);

// The one decoding of a client's path into a virtual path, for every protocol: normalize()
// against `cwd`, or nullopt when path_fault() refuses it (the caller answers with its text).
std::optional<std::string> virtual_path(std::string_view client_path, std::string_view cwd = "/");

// Why `leaf` may not be the name of a new file, folder or link; empty when it may. CR and LF
// (and NUL) are refused, as most servers do: line-based protocols (FTP replies and listings,
// logs) would otherwise carry a forged line. LocalRoot applies it to every name it creates and
// answers EINVAL.
std::string_view name_fault(std::string_view leaf);

// How far past a file's end a write may start (the hole it leaves), until quotas exist: enough
// for pipelined SFTP writes applied out of order (64 requests of our 256 KiB write length, as
// OpenSSH's and rclone's clients keep in flight), far from the terabytes of sparse file an
// unbounded offset creates in one request.
inline constexpr std::uint64_t kMaxWriteGap = 16 * 1024 * 1024;

// 0 when writing at `offset` of the open file `fd` stays within kMaxWriteGap of its end, EFBIG
// when it does not (each protocol words it: "offset beyond end of file"), or fstat's errno.
int check_write_offset(int fd, std::uint64_t offset);

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

  private:
    DIR* dir_ = nullptr;
};

class LocalRoot {
  public:
    // Opens (creating it and its parents with mode 0700 when `create`) the root directory.
    // Throws std::system_error when it cannot.
    static LocalRoot open(const std::filesystem::path& dir, bool create);

    int open_file(std::string_view path, int flags, mode_t mode, UniqueFd& out) const;
    int stat(std::string_view path, bool follow_symlinks, struct stat& st) const;
    int open_dir(std::string_view path, DirReader& out) const;
    int mkdir(std::string_view path, mode_t mode) const;
    int rmdir(std::string_view path) const;
    int unlink(std::string_view path) const;
    // flags: 0 replaces an existing target (POSIX rename), RENAME_NOREPLACE refuses (SFTP v3).
    int rename(std::string_view from, std::string_view to, unsigned flags) const;
    int link(std::string_view existing, std::string_view new_path) const;
    // `target` is stored relative to the link's folder, so it resolves under RESOLVE_BENEATH;
    // a target that would leave the root is refused with EXDEV.
    int symlink(std::string_view target, std::string_view link_path) const;
    int readlink(std::string_view path, std::string& out) const;
    int set_mode(std::string_view path, mode_t mode) const;
    int set_times(std::string_view path, std::int64_t atime, std::int64_t mtime) const;
    int truncate(std::string_view path, std::uint64_t size) const;
    int statvfs(struct statvfs& out) const;

    const std::filesystem::path& host_path() const { return host_path_; }

  private:
    // Opens `path`'s parent folder (O_PATH) and returns its last component in `leaf`.
    int open_parent(std::string_view path, UniqueFd& parent, std::string& leaf) const;
    int resolve(std::string_view path, int flags, mode_t mode, unsigned long resolve_flags,
                UniqueFd& out) const;

    UniqueFd root_;
    std::filesystem::path host_path_;
};

// Writes an upload under a hidden temporary name in the target's folder and renames it over the
// final name only on commit(), so that an interrupted upload never leaves a truncated file under
// the final name. Dropped without commit(), the temporary file is removed.
class AtomicUpload {
  public:
    static constexpr std::string_view kTempPrefix = ".drawbridge-upload-";

    AtomicUpload() = default;
    AtomicUpload(AtomicUpload&&) noexcept = default;
    AtomicUpload& operator=(AtomicUpload&&) noexcept = default;
    ~AtomicUpload() { abort(); }

    // New or truncating uploads only: resuming or appending writes to the file in place.
    static int begin(const LocalRoot& root, std::string_view path, mode_t mode, AtomicUpload& out);
    int fd() const { return fd_.get(); }
    // flags: 0 replaces an existing file; RENAME_NOREPLACE keeps it (exclusive create).
    int commit(unsigned flags = 0);
    void abort();

  private:
    const LocalRoot* root_ = nullptr;
    std::string final_path_;
    std::string temp_path_;
    UniqueFd fd_;
};

}  // namespace drawbridge::vfs
