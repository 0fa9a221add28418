// One logged-in connection's view of its files, and the only file API of the protocols: every
// operation checks the user's folder permissions, acts through the user's Storage (jailed),
// writes its action-log entry (success or refusal) and returns 0 or an errno value, which each
// protocol maps to its own status in one function. Protocol code parses, calls this, and
// formats the reply; it never sees the storage (docs/vfs.md).
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "audit/action_log.h"
#include "core/user.h"
#include "vfs/atomic_upload.h"
#include "vfs/descriptors.h"
#include "vfs/path_permissions.h"
#include "vfs/path_text.h"
#include "vfs/storage.h"

namespace drawbridge::vfs {

// What the creator of a session decides from the user and the site: the user's folder
// permissions, and whether uploads go through a temporary file (site setting atomic_uploads).
struct FileRules {
    PathPermissions permissions;  // default: everything allowed
    bool atomic_uploads = true;
};

class FileSession;

// What a download and an upload share: the virtual path, the bytes the protocol counted, and
// when it was opened (the duration of its log entry).
class OpenFile {
  public:
    const std::string& path() const { return path_; }
    void add_bytes(std::uint64_t n) { bytes_ += n; }
    std::uint64_t bytes() const { return bytes_; }

  protected:
    friend class FileSession;
    UniqueFd fd_;
    std::string path_;
    std::uint64_t bytes_ = 0;
    std::chrono::steady_clock::time_point opened_{};
};

// A file open for reading. Its `read` entry is written by FileSession::finish(), with the bytes
// the protocol counted; dropped unfinished, it logs nothing.
class Download : public OpenFile {
  public:
    int fd() const { return fd_.get(); }
    const struct stat& info() const { return st_; }
    explicit operator bool() const { return static_cast<bool>(fd_); }

  private:
    friend class FileSession;
    struct stat st_ {};
};

// How an upload opens its file.
struct UploadMode {
    bool create = true;        // O_CREAT: the file may be new
    bool truncate = true;      // O_TRUNC: what was there goes
    bool exclusive = false;    // O_EXCL: refuse (EEXIST) when the name exists
    bool append = false;       // O_APPEND
    bool read_too = false;     // O_RDWR (SFTP READ|WRITE)
    std::uint64_t offset = 0;  // resume: keep this much and write from here (FTP REST + STOR)
    mode_t mode = 0644;
};

// A file open for writing. When its file is new or replaced and the site keeps atomic uploads,
// it is written under a hidden temporary name and gets its final name only from commit(); an
// upload aborted, or dropped without commit() (a cut connection, a client killed mid-transfer),
// leaves the final name as it was; abort() logs it as a failed `create`.
class Upload : public OpenFile {
  public:
    int fd() const;  // the temporary file's while it has one
    bool readable() const { return readable_; }
    explicit operator bool() const { return temp_ || fd_; }

  private:
    friend class FileSession;
    std::optional<AtomicUpload> temp_;
    bool exclusive_ = false;
    bool readable_ = false;
};

// SETSTAT's fields, each optional; applied in this order, logged as one `update`.
struct Attributes {
    std::optional<std::uint64_t> size;
    std::optional<mode_t> mode;
    std::optional<std::int64_t> atime, mtime;  // both or neither, seconds
    bool empty() const { return !size && !mode && !mtime; }
};

class FileSession {
  public:
    FileSession(std::unique_ptr<Storage> storage, audit::ActionLog& log, core::User user,
                core::Interface interface, std::string ip, FileRules rules = {});
    ~FileSession();
    FileSession(const FileSession&) = delete;
    FileSession& operator=(const FileSession&) = delete;

    const core::User& user() const { return user_; }
    const FileRules& rules() const { return rules_; }
    core::Interface interface() const { return interface_; }
    // What the folder permissions grant at `path` (FTP's MLSx perm fact, WebDAV's privileges).
    PermissionSet granted(std::string_view path) const {
        return rules_.permissions.effective(path);
    }
    // Names this user's root among all roots (WebDAV's lock table is per root).
    std::string storage_key() const { return storage_->key(); }

    // --- Looking. Allowed whatever the folder permissions say, as SFTP's stat and realpath.
    int stat(std::string_view path, bool follow_symlinks, struct stat& st) const;
    int readlink(std::string_view path, std::string& target) const;
    int statvfs(struct statvfs& out) const;
    // A folder's entries (list permission; in-progress uploads never appear). A refusal is
    // logged as `list`; a listing itself is not.
    int list(std::string_view path, DirReader& out);

    // --- Reading: read permission, `read` logged when the Download ends.
    int open_read(std::string_view path, Download& out);
    void finish(Download& d, int error = 0);
    // For a protocol that sends the file after its handler has returned (an HTTP response
    // body): logs the `read` now, with the bytes about to be sent, and gives up the descriptor.
    UniqueFd hand_off(Download& d, std::uint64_t bytes);

    // --- Writing: write permission; `create` logged by commit() or abort().
    int begin_upload(std::string_view path, const UploadMode& mode, Upload& out);
    // Gives the file its final name (when it had a temporary one) and logs the `create`.
    int commit(Upload& u);
    // Drops the upload: its temporary file goes, the final name keeps what it had.
    void abort(Upload& u, int why = ECONNRESET);
    // A new empty file (WebDAV LOCK of an unmapped URL): EEXIST when the name exists.
    int create_empty(std::string_view path);

    // --- Changing the tree. Each logs its action, with `destination` for two-path ones.
    int mkdir(std::string_view path, mode_t mode = 0755);  // mkdir
    int rmdir(std::string_view path);                      // rmdir (an empty folder)
    int remove(std::string_view path);                     // destroy (a file or link)
    // destroy or rmdir: a file, or a folder with all it holds (remove permission at each).
    int remove_tree(std::string_view path);
    // What a rename or copy does with an existing destination: refuse it (EEXIST), replace a
    // file as POSIX rename does, or first remove whatever is there with all it holds (WebDAV's
    // Overwrite: T; remove permission at the destination, checked before anything changes).
    enum class Replace { no, file, tree };
    // move: remove at `from`, write at `to`, and nothing readable at `to` that was not at
    // `from`.
    int rename(std::string_view from, std::string_view to, Replace replace);
    // create at `link` with `destination` the target: a symlink (target as the client gave
    // it, relative to the link's folder) or a hard link.
    int symlink(std::string_view target, std::string_view link);
    int hard_link(std::string_view existing, std::string_view link);
    // copy: a file, or a folder with all it holds (`recursive`). Replace::file is taken as
    // Replace::tree.
    int copy(std::string_view from, std::string_view to, bool recursive = true,
             Replace replace = Replace::no);
    // copy between two open files (SFTP copy-data): read at `from`, write at `to`.
    int copy_range(Download& from, std::uint64_t from_offset, std::uint64_t length, Upload& to,
                   std::uint64_t to_offset, std::uint64_t& copied);
    int copy_range(Upload& from, std::uint64_t from_offset, std::uint64_t length, Upload& to,
                   std::uint64_t to_offset, std::uint64_t& copied);
    // update. `follow` false acts on a symlink itself, where only times could change: size or
    // mode of a link is EOPNOTSUPP.
    int set_attributes(std::string_view path, const Attributes& a, bool follow = true);
    // update, by an open upload's descriptor (the file may still have its temporary name).
    int set_attributes(Upload& u, const Attributes& a);

    // WebDAV dead properties live in the file's extended attributes: a descriptor of the file
    // or folder itself. Writing needs write permission and logs `update` (record_update).
    int open_properties(std::string_view path, bool for_writing, UniqueFd& out);
    void record_update(std::string_view path, int error);

    // A protocol that answers only once a request's log rows are committed, but must not hold
    // its thread meanwhile (HTTP: one I/O thread serves many connections), defers the wait: its
    // rows are queued, and it asks to be called back before it answers
    // (docs/action-log.md#group-commit). False when nothing is pending; `then` is not called.
    void defer_log_commits() { defer_commits_ = true; }
    bool when_logged(std::function<void(std::exception_ptr)> then);

    // The permission check of a protocol step that is no file operation itself but needs one
    // (WebDAV's LOCK needs write, FTP's RNFR remove): EACCES, logged as a failed `action`.
    int permit(Permission op, std::string_view path, std::string_view action);

    // Audits a refusal the protocol decided itself before any file was touched (a lock held by
    // another client, a handle cap).
    void record_refusal(std::string_view action, std::string_view path, int error,
                        std::string_view destination = {});

  private:
    int check(Permission op, std::string_view path) const;
    int check_alias(std::string_view target, std::string_view alias) const;
    int remove_tree_inner(const std::string& path, const struct stat& st);
    // Clears `to` for Replace::tree: 0 when nothing is there (or it was removed).
    int clear_destination(std::string_view to, Replace replace, bool& replaced);
    int copy_tree(const std::string& from, const std::string& to, const struct stat& st,
                  bool recursive);
    int copy_fds(int in, std::uint64_t in_off, std::uint64_t length, int out, std::uint64_t out_off,
                 std::uint64_t& copied);
    void record(std::string_view action, std::string_view path, std::string_view destination = {},
                std::optional<std::int64_t> bytes = {},
                std::optional<std::chrono::milliseconds> duration = {}, int error = 0);

    std::unique_ptr<Storage> storage_;
    audit::ActionLog& log_;
    core::User user_;
    core::Interface interface_;
    std::string ip_;
    FileRules rules_;
    bool defer_commits_ = false;
    std::vector<audit::ActionLog::Ticket> pending_log_;
};

// How a listener opens the files of a user who has logged in: the node decides where the root
// is and which rules apply (app::file_session_opener). Throws when the root cannot be opened.
using FileSessionOpener = std::function<std::unique_ptr<FileSession>(
    const core::User&, core::Interface, const std::string& ip)>;

}  // namespace drawbridge::vfs
