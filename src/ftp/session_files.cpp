// The commands that act on files and folders over the control connection, and those that set
// up a transfer (the transfer itself is ftp/transfer.h's).
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>

#include "core/crypto.h"
#include "ftp/replies.h"
#include "ftp/session.h"
#include "vfs/listing.h"

namespace drawbridge::ftp {

using vfs::Permission;

asio::awaitable<void> Session::cmd_pwd(std::string) {
    co_await reply("257 " + quote_path(cwd_) + " is the current directory.");
}

asio::awaitable<void> Session::cmd_cwd(std::string arg) {
    const std::string path = path_of(arg);
    struct stat st {};
    int e = files().stat(path, true, st);
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
    int e = files().stat(path_of(arg), true, st);
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
    if (const int e = files().stat(path_of(arg), true, st)) {
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
    vfs::Attributes a;
    a.mtime = *when;
    if (const int e = files().set_attributes(path, a)) {
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
    if (const int e = files().permit(Permission::remove, path, "move")) {
        co_await reply(file_error(e));
        co_return;
    }
    struct stat st {};
    if (const int e = files().stat(path, false, st)) {
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
    const int e = files().rename(from, to, vfs::FileSession::Replace::file);
    const std::string text = e ? file_error(e) : "250 Renamed " + from + " to " + to + ".";
    co_await reply(text);
}

asio::awaitable<void> Session::cmd_dele(std::string arg) {
    const std::string path = path_of(arg);
    const int e = files().remove(path);
    const std::string text = e ? file_error(e) : "250 Deleted " + path + ".";
    co_await reply(text);
}

asio::awaitable<void> Session::cmd_mkd(std::string arg) {
    const std::string path = path_of(arg);
    const int e = files().mkdir(path);
    const std::string text = e ? file_error(e) : "257 " + quote_path(path) + " created.";
    co_await reply(text);
}

asio::awaitable<void> Session::cmd_rmd(std::string arg) {
    const std::string path = path_of(arg);
    const int e = files().rmdir(path);
    const std::string text = e ? file_error(e) : "250 Removed " + path + ".";
    co_await reply(text);
}

asio::awaitable<void> Session::cmd_mlst(std::string arg) {
    const std::string path = path_of(arg);
    struct stat st {};
    int e = files().stat(path, true, st);
    if (e == ELOOP || e == EXDEV) e = files().stat(path, false, st);
    if (e) {
        co_await reply(file_error(e));
        co_return;
    }
    const std::string shown = vfs::escape_controls(path);
    co_await control_.send_raw("250-Listing " + shown + "\r\n " +
                               mlsx_facts(st, files().granted(path)) + " " + shown +
                               "\r\n250 End.\r\n");
}

asio::awaitable<void> Session::cmd_retr(std::string arg) {
    if (!co_await data_.ready()) co_return;
    Job job;
    job.kind = Job::Kind::retr;
    job.path = path_of(arg);
    int e = files().open_read(job.path, job.download);
    if (e == EISDIR) files().record_refusal("read", job.path, e);
    if (e) {
        const std::string text = e == EISDIR ? "550 Not a regular file." : file_error(e);
        co_await reply(text);
        co_return;
    }
    const auto size = static_cast<std::uint64_t>(job.download.info().st_size);
    job.offset = restart_;
    if (job.offset > size) {
        files().finish(job.download, ESPIPE);
        co_await reply("554 REST offset is past the end of the file.");
        co_return;
    }
    job.opening = std::string("150 Opening ") + (transfer_.ascii() ? "ASCII" : "BINARY") +
                  " mode data connection for " + job.path + " (" +
                  std::to_string(size - job.offset) + " bytes).";
    transfer_.start(std::move(job), shared_from_this());
}

asio::awaitable<void> Session::upload(std::string arg, bool append, bool unique) {
    if (!co_await data_.ready()) co_return;
    Job job;
    job.kind = Job::Kind::stor;
    job.offset = append ? 0 : restart_;
    vfs::UploadMode mode;
    mode.append = append;
    mode.truncate = !append;
    mode.offset = job.offset;  // REST + STOR resumes in place
    int e = 0;
    if (unique) {
        // STOU: a name that does not exist yet, beside what the client suggested.
        const std::string base = arg.empty() ? path_of("upload") : path_of(arg);
        mode.exclusive = true;
        for (int attempt = 0; attempt < 8; ++attempt) {
            job.path = base + "." + core::crypto::to_hex(core::crypto::random_bytes(4));
            e = files().begin_upload(job.path, mode, job.upload);
            if (e != EEXIST) break;
        }
        job.opening = "150 FILE: " + job.path;
    } else {
        job.path = path_of(arg);
        e = files().begin_upload(job.path, mode, job.upload);
        job.opening = std::string("150 Opening ") + (transfer_.ascii() ? "ASCII" : "BINARY") +
                      " mode data connection for " + job.path + ".";
    }
    if (e) {
        co_await reply(file_error(e));
        co_return;
    }
    transfer_.start(std::move(job), shared_from_this());
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
    if (!co_await data_.ready()) co_return;
    Job job;
    job.kind = kind;
    job.path = path_of(kind == Job::Kind::mlsd ? std::string_view(arg) : list_path_arg(arg));
    struct stat st {};
    int e = files().stat(job.path, true, st);
    if (!e && kind == Job::Kind::mlsd && !S_ISDIR(st.st_mode)) e = ENOTDIR;
    if (e) {
        const std::string text = e == ENOTDIR ? "501 MLSD needs a folder." : file_error(e);
        co_await reply(text);
        co_return;
    }
    job.single = !S_ISDIR(st.st_mode);
    // A folder's entries need list; one file's line shows no more than MLST, which stays
    // allowed like SFTP's stat.
    if (const int e = job.single ? 0 : files().list(job.path, job.dir)) {
        co_await reply(file_error(e));
        co_return;
    }
    job.opening = "150 Opening ASCII mode data connection for the listing of " + job.path + ".";
    transfer_.start(std::move(job), shared_from_this());
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
