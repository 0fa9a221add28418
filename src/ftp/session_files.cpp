// The commands that act on files and folders over the control connection, and those that set
// up a transfer (the transfer itself is in session_data.cpp).
#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/use_awaitable.hpp>
#include <cerrno>

#include "core/crypto.h"
#include "ftp/replies.h"
#include "ftp/session.h"
#include "vfs/listing.h"

namespace drawbridge::ftp {

using vfs::Permission;

asio::awaitable<void> Session::refuse(int error, std::string action, std::string path,
                                      std::string destination) {
    files_->record(action, path, destination, {}, {}, error);
    co_await reply(file_error(error));
}

core::PermissionSet Session::granted(std::string_view path) const {
    return files_->rules().permissions.effective(path);
}

asio::awaitable<void> Session::cmd_pwd(std::string) {
    co_await reply("257 " + quote_path(cwd_) + " is the current directory.");
}

asio::awaitable<void> Session::cmd_cwd(std::string arg) {
    const std::string path = path_of(arg);
    struct stat st {};
    int e = files_->root().stat(path, true, st);
    if (!e && !S_ISDIR(st.st_mode)) e = ENOTDIR;
    if (e) {
        co_await reply(file_error(e));
        co_return;
    }
    cwd_ = path;
    co_await reply("250 Directory changed to " + cwd_ + ".");
}

asio::awaitable<void> Session::cmd_cdup(std::string) {
    co_await cmd_cwd("..");
}

asio::awaitable<void> Session::cmd_size(std::string arg) {
    struct stat st {};
    int e = files_->root().stat(path_of(arg), true, st);
    if (!e && !S_ISREG(st.st_mode)) e = EISDIR;
    if (e) {
        const std::string text = e == EISDIR ? "550 Not a regular file." : file_error(e);
        co_await reply(text);
        co_return;
    }
    co_await reply("213 " + std::to_string(st.st_size));
}

asio::awaitable<void> Session::cmd_mdtm(std::string arg) {
    // Some clients set the time with "MDTM YYYYMMDDHHMMSS path"; that is MFMT.
    if (arg.size() > 15 && arg[14] == ' ' && parse_time(arg.substr(0, 14))) {
        co_await cmd_mfmt(std::move(arg));
        co_return;
    }
    struct stat st {};
    if (const int e = files_->root().stat(path_of(arg), true, st)) {
        co_await reply(file_error(e));
        co_return;
    }
    co_await reply("213 " + format_time(st.st_mtime));
}

asio::awaitable<void> Session::cmd_mfmt(std::string arg) {
    const auto space = arg.find(' ');
    const auto when = space == std::string::npos ? std::nullopt : parse_time(arg.substr(0, space));
    if (!when) {
        co_await reply("501 MFMT needs YYYYMMDDHHMMSS and a path.");
        co_return;
    }
    const std::string path = path_of(arg.substr(space + 1));
    if (const int e = files_->check(Permission::write, path)) {
        co_await refuse(e, "update", path);
        co_return;
    }
    struct stat st {};
    int e = files_->root().stat(path, true, st);
    if (!e) e = files_->root().set_times(path, st.st_atime, *when);
    files_->record("update", path, {}, {}, {}, e);
    if (e) {
        co_await reply(file_error(e));
        co_return;
    }
    co_await reply("213 Modify=" + format_time(*when) + "; " + path);
}

asio::awaitable<void> Session::cmd_rnfr(std::string arg) {
    rename_from_.reset();  // a failed RNFR does not leave an earlier one pending
    const std::string path = path_of(arg);
    // Refused here already, so that the client does not send RNTO for nothing; RNTO checks
    // the whole move.
    if (const int e = files_->check(Permission::remove, path)) {
        co_await refuse(e, "move", path);
        co_return;
    }
    struct stat st {};
    if (const int e = files_->root().stat(path, false, st)) {
        co_await reply(file_error(e));
        co_return;
    }
    rename_from_ = path;
    co_await reply("350 Ready for RNTO.");
}

asio::awaitable<void> Session::cmd_rnto(std::string arg) {
    if (!rename_from_) {
        co_await reply("503 RNFR first.");
        co_return;
    }
    const std::string from = *std::exchange(rename_from_, std::nullopt);
    const std::string to = path_of(arg);
    if (const int e = files_->check_move(from, to)) {
        co_await refuse(e, "move", from, to);
        co_return;
    }
    const int e = files_->root().rename(from, to, 0);
    files_->record("move", from, to, {}, {}, e);
    const std::string text = e ? file_error(e) : "250 Renamed " + from + " to " + to + ".";
    co_await reply(text);
}

asio::awaitable<void> Session::cmd_dele(std::string arg) {
    const std::string path = path_of(arg);
    if (const int e = files_->check(Permission::remove, path)) {
        co_await refuse(e, "destroy", path);
        co_return;
    }
    struct stat st {};
    int e = files_->root().stat(path, false, st);
    if (!e && S_ISDIR(st.st_mode)) e = EISDIR;
    if (!e) e = files_->root().unlink(path);
    files_->record("destroy", path, {}, {}, {}, e);
    const std::string text = e ? file_error(e) : "250 Deleted " + path + ".";
    co_await reply(text);
}

asio::awaitable<void> Session::cmd_mkd(std::string arg) {
    const std::string path = path_of(arg);
    if (const int e = files_->check(Permission::write, path)) {
        co_await refuse(e, "mkdir", path);
        co_return;
    }
    const int e = files_->root().mkdir(path, 0755);
    files_->record("mkdir", path, {}, {}, {}, e);
    const std::string text = e ? file_error(e) : "257 " + quote_path(path) + " created.";
    co_await reply(text);
}

asio::awaitable<void> Session::cmd_rmd(std::string arg) {
    const std::string path = path_of(arg);
    if (const int e = files_->check(Permission::remove, path)) {
        co_await refuse(e, "rmdir", path);
        co_return;
    }
    const int e = path == "/" ? EPERM : files_->root().rmdir(path);
    files_->record("rmdir", path, {}, {}, {}, e);
    const std::string text = e ? file_error(e) : "250 Removed " + path + ".";
    co_await reply(text);
}

asio::awaitable<void> Session::cmd_mlst(std::string arg) {
    const std::string path = path_of(arg);
    struct stat st {};
    int e = files_->root().stat(path, true, st);
    if (e == ELOOP || e == EXDEV) e = files_->root().stat(path, false, st);
    if (e) {
        co_await reply(file_error(e));
        co_return;
    }
    const std::string shown = vfs::escape_controls(path);
    co_await send_raw("250-Listing " + shown + "\r\n " + mlsx_facts(st, granted(path)) + " " +
                      shown + "\r\n250 End.\r\n");
}

asio::awaitable<void> Session::cmd_retr(std::string arg) {
    if (!co_await ready_for_transfer()) co_return;
    Job job;
    job.kind = Job::Kind::retr;
    job.path = path_of(arg);
    if (const int e = files_->check(Permission::read, job.path)) {
        co_await refuse(e, "read", job.path);
        co_return;
    }
    int e = files_->root().open_file(job.path, O_RDONLY, 0, job.fd);
    struct stat st {};
    if (!e && fstat(job.fd.get(), &st) != 0) e = errno;
    if (!e && !S_ISREG(st.st_mode)) e = EISDIR;
    if (e) {
        files_->record("read", job.path, {}, {}, {}, e);
        const std::string text = e == EISDIR ? "550 Not a regular file." : file_error(e);
        co_await reply(text);
        co_return;
    }
    job.offset = restart_;
    if (job.offset > static_cast<std::uint64_t>(st.st_size)) {
        co_await reply("554 REST offset is past the end of the file.");
        co_return;
    }
    job.opening = std::string("150 Opening ") + (ascii_ ? "ASCII" : "BINARY") +
                  " mode data connection for " + job.path + " (" +
                  std::to_string(st.st_size - static_cast<off_t>(job.offset)) + " bytes).";
    start_transfer(std::move(job));
}

asio::awaitable<void> Session::upload(std::string arg, bool append, bool unique) {
    if (!co_await ready_for_transfer()) co_return;
    Job job;
    job.kind = Job::Kind::stor;
    job.offset = append ? 0 : restart_;
    int e = 0;
    if (unique) {
        // STOU: a name that does not exist yet, beside what the client suggested.
        const std::string base = arg.empty() ? path_of("upload") : path_of(arg);
        for (int attempt = 0; attempt < 8; ++attempt) {
            job.path = base + "." + core::crypto::to_hex(core::crypto::random_bytes(4));
            if ((e = files_->check(Permission::write, job.path))) break;
            e = files_->root().open_file(job.path, O_WRONLY | O_CREAT | O_EXCL, 0644, job.fd);
            if (e != EEXIST) break;
        }
        job.opening = "150 FILE: " + job.path;
    } else {
        job.path = path_of(arg);
        // REST + STOR, APPE and STOR all write: one check (the refusal is audited below).
        e = files_->check(Permission::write, job.path);
        if (!e && !append && job.offset == 0 && files_->atomic_uploads()) {
            // A new or replaced file appears under its name only once it is complete.
            vfs::AtomicUpload up;
            e = vfs::AtomicUpload::begin(files_->root(), job.path, 0644, up);
            if (!e) {
                job.fd.reset(::dup(up.fd()));
                job.upload.emplace(std::move(up));
            }
        } else if (!e) {
            // Resumed, appended, or (atomic_uploads off) written in place under its name.
            const int flags = O_WRONLY | O_CREAT | (append ? O_APPEND : 0) |
                              (!append && job.offset == 0 ? O_TRUNC : 0);
            e = files_->root().open_file(job.path, flags, 0644, job.fd);
            struct stat st {};
            if (!e && fstat(job.fd.get(), &st) == 0 && S_ISDIR(st.st_mode)) e = EISDIR;
            // REST far past the end would make a sparse file of any size (EFBIG).
            if (!e && job.offset) e = vfs::check_write_offset(job.fd.get(), job.offset);
            // Resuming: what follows the offset is replaced by what the client sends.
            if (!e && job.offset && ftruncate(job.fd.get(), static_cast<off_t>(job.offset)) != 0)
                e = errno;
            if (!e && job.offset &&
                lseek(job.fd.get(), static_cast<off_t>(job.offset), SEEK_SET) < 0)
                e = errno;
        }
        job.opening = std::string("150 Opening ") + (ascii_ ? "ASCII" : "BINARY") +
                      " mode data connection for " + job.path + ".";
    }
    if (e) {
        files_->record("create", job.path, {}, {}, {}, e);
        co_await reply(file_error(e));
        co_return;
    }
    start_transfer(std::move(job));
}

asio::awaitable<void> Session::cmd_stor(std::string arg) {
    co_await upload(std::move(arg), false, false);
}

asio::awaitable<void> Session::cmd_appe(std::string arg) {
    co_await upload(std::move(arg), true, false);
}

asio::awaitable<void> Session::cmd_stou(std::string arg) {
    co_await upload(std::move(arg), false, true);
}

asio::awaitable<void> Session::listing(Job::Kind kind, std::string arg) {
    if (!co_await ready_for_transfer()) co_return;
    Job job;
    job.kind = kind;
    job.path = path_of(kind == Job::Kind::mlsd ? std::string_view(arg) : list_path_arg(arg));
    struct stat st {};
    int e = files_->root().stat(job.path, true, st);
    if (!e && kind == Job::Kind::mlsd && !S_ISDIR(st.st_mode)) e = ENOTDIR;
    if (e) {
        const std::string text = e == ENOTDIR ? "501 MLSD needs a folder." : file_error(e);
        co_await reply(text);
        co_return;
    }
    job.single = !S_ISDIR(st.st_mode);
    // A folder's entries need list; one file's line shows no more than MLST, which stays
    // allowed like SFTP's stat.
    if (const int e = job.single ? 0 : files_->check(Permission::list, job.path)) {
        co_await refuse(e, "list", job.path);
        co_return;
    }
    job.opening = "150 Opening ASCII mode data connection for the listing of " + job.path + ".";
    start_transfer(std::move(job));
}

asio::awaitable<void> Session::cmd_list(std::string arg) {
    co_await listing(Job::Kind::list, std::move(arg));
}

asio::awaitable<void> Session::cmd_nlst(std::string arg) {
    co_await listing(Job::Kind::nlst, std::move(arg));
}

asio::awaitable<void> Session::cmd_mlsd(std::string arg) {
    co_await listing(Job::Kind::mlsd, std::move(arg));
}

}  // namespace drawbridge::ftp
