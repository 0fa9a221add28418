// The control commands that the session answers itself (the others forward to its parts, in
// session.h). The file commands are in session_files.cpp.
#include <cctype>
#include <charconv>

#include "ftp/replies.h"
#include "ftp/session.h"

namespace drawbridge::ftp {

asio::awaitable<void> Session::cmd_auth(std::string arg) {
    for (auto& ch : arg) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (control_.secure()) {
        co_await reply("503 TLS is already in use on this connection.");
        co_return;
    }
    // SSL is what curl asks first; TLS-C and TLS-P are the draft's names for the same thing.
    if (arg != "TLS" && arg != "SSL" && arg != "TLS-C" && arg != "TLS-P") {
        co_await reply("504 AUTH " + arg.substr(0, 16) + " is not supported; use AUTH TLS.");
        co_return;
    }
    co_await reply("234 AUTH " + arg + " successful; start the TLS handshake.");
    // Anything the client sent after AUTH in plain text is dropped, not trusted inside TLS.
    co_await control_.start_tls(ctx_.tls);
    // RFC 4217: the security exchange resets the login; the next one starts at the root.
    login_.restart();
    cwd_ = "/";
}

asio::awaitable<void> Session::cmd_ccc(std::string) {
    co_await reply("534 CCC is not allowed: the control connection stays protected.");
}

asio::awaitable<void> Session::cmd_quit(std::string) {
    co_await reply("221 Goodbye.");
    control_.close();
}

asio::awaitable<void> Session::cmd_noop(std::string) {
    co_await reply("200 NOOP ok.");
}

asio::awaitable<void> Session::cmd_syst(std::string) {
    co_await reply("215 UNIX Type: L8");
}

asio::awaitable<void> Session::cmd_feat(std::string) {
    co_await control_.send_raw(
        "211-Features:\r\n"
        " AUTH TLS\r\n"
        " PBSZ\r\n"
        " PROT\r\n"
        " EPRT\r\n"
        " EPSV\r\n"
        " MDTM\r\n"
        " MFMT\r\n"
        " MLST type*;size*;modify*;perm*;unix.mode*;\r\n"
        " REST STREAM\r\n"
        " SIZE\r\n"
        " TVFS\r\n"
        " UTF8\r\n"
        "211 End\r\n");
}

asio::awaitable<void> Session::cmd_opts(std::string arg) {
    auto cmd = parse_command(arg);
    if (cmd && cmd->verb == "UTF8") {
        co_await reply("200 UTF8 mode is always on.");
    } else if (cmd && cmd->verb == "MLST") {
        co_await reply("200 MLST OPTS type;size;modify;perm;unix.mode;");
    } else {
        co_await reply("501 Option not understood.");
    }
}

asio::awaitable<void> Session::cmd_stat(std::string arg) {
    if (!arg.empty()) {
        if (!login_.logged_in()) {
            co_await reply("530 Please log in with USER and PASS first.");
            co_return;
        }
        if (transfer_.active()) {
            co_await reply("450 A transfer is running; STAT of a path waits for it.");
            co_return;
        }
        Job job;
        job.kind = Job::Kind::list;
        job.path = path_of(list_path_arg(arg));
        struct stat st {};
        if (const int e = files().stat(job.path, false, st)) {
            co_await reply(file_error(e));
            co_return;
        }
        job.single = !S_ISDIR(st.st_mode);
        // A listing over the control connection: the same rule as LIST.
        if (const int e = job.single ? 0 : files().list(job.path, job.dir)) {
            co_await reply(file_error(e));
            co_return;
        }
        co_await reply("213-Status of " + job.path + ":");
        co_await stream_listing(
            files(), job,
            [this](std::string chunk) -> asio::awaitable<void> {
                co_await control_.send_raw(chunk);
                control_.touch();
            },
            " ");
        co_await reply("213 End of status.");
        co_return;
    }
    std::string text = "211-drawbridge FTP server status:\r\n";
    text += " Connected from " + peer_.ip + "\r\n";
    text += login_.logged_in() ? " Logged in as " + login_.user()->username + "\r\n"
                               : " Not logged in\r\n";
    text += std::string(" Control connection ") +
            (control_.secure() ? "protected by TLS" : "in plain text") + "\r\n";
    text += std::string(" TYPE: ") + (transfer_.ascii() ? "ASCII" : "BINARY") +
            "; PROT: " + (data_.protects() ? "P" : "C") + "\r\n";
    if (transfer_.active()) text += " A data transfer is in progress\r\n";
    co_await control_.send_raw(text + "211 End of status.\r\n");
}

asio::awaitable<void> Session::cmd_type(std::string arg) {
    auto cmd = parse_command(arg);
    const std::string t = cmd ? cmd->verb : "";
    if (t == "I" || (t == "L" && cmd->arg == "8")) {
        transfer_.set_ascii(false);
        co_await reply("200 Type set to I.");
    } else if (t == "A" && (cmd->arg.empty() || cmd->arg == "N")) {
        transfer_.set_ascii(true);
        co_await reply("200 Type set to A.");
    } else {
        co_await reply("504 TYPE " + arg.substr(0, 16) + " is not supported; use A or I.");
    }
}

asio::awaitable<void> Session::cmd_mode(std::string arg) {
    if (arg == "S" || arg == "s")
        co_await reply("200 Mode set to S.");
    else
        co_await reply("504 Only MODE S (stream) is supported.");
}

asio::awaitable<void> Session::cmd_stru(std::string arg) {
    if (arg == "F" || arg == "f")
        co_await reply("200 Structure set to F.");
    else
        co_await reply("504 Only STRU F (file) is supported.");
}

asio::awaitable<void> Session::cmd_allo(std::string) {
    co_await reply("202 No storage allocation necessary.");
}

asio::awaitable<void> Session::cmd_rest(std::string arg) {
    std::uint64_t offset = 0;
    const auto [p, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), offset);
    if (ec != std::errc{} || p != arg.data() + arg.size()) {
        co_await reply("501 REST needs a byte offset.");
        co_return;
    }
    rest_ = offset;
    co_await reply("350 Restarting at " + std::to_string(offset) + ". Send STOR or RETR.");
}

}  // namespace drawbridge::ftp
