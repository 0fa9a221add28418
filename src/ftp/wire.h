// The text forms of FTP: command lines, host-port arguments, times and listing lines. Pure
// functions, so that the unit tests cover them without a socket.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "core/folder_permission.h"

namespace drawbridge::ftp {

struct CommandLine {
    std::string verb;  // upper-cased
    std::string arg;   // everything after the first space, as sent
};
// Splits "RETR my file.txt" and drops the Telnet IAC sequences (IP, DM) that some clients send
// before ABOR. Returns nullopt for an empty line.
std::optional<CommandLine> parse_command(std::string_view line);

struct HostPort {
    std::string ip;  // textual, as the client gave it
    std::uint16_t port = 0;
};
// "h1,h2,h3,h4,p1,p2" (PORT)
std::optional<HostPort> parse_port_arg(std::string_view arg);
// "|1|132.235.1.2|6275|" or "|2|::1|6275|" (EPRT): any delimiter the client chose.
std::optional<HostPort> parse_eprt_arg(std::string_view arg);
// "227 Entering Passive Mode (127,0,0,1,4,1)." for an IPv4 address.
std::string pasv_reply(std::string_view ipv4, std::uint16_t port);

// YYYYMMDDHHMMSS in UTC (MDTM, MFMT, MLSx "modify").
std::string format_time(std::time_t t);
// Accepts YYYYMMDDHHMMSS with optional ".sss" fraction (ignored).
std::optional<std::time_t> parse_time(std::string_view s);

// A path in a 257 reply: inside double quotes, with embedded quotes doubled (RFC 959).
std::string quote_path(std::string_view path);

// One line of LIST in the "ls -l" form that every client parses; `now` decides between a time
// and a year, as ls does for entries older than six months.
std::string list_line(std::string_view name, const struct stat& st, std::time_t now);
// The facts of one MLSD/MLST entry, without the name: "type=file;size=3;modify=...;perm=...;".
// `perm` (RFC 3659) shows what the user's folder permissions `granted` at the entry allow.
std::string mlsx_facts(const struct stat& st,
                       core::PermissionSet granted = core::PermissionSet::all());

// Strips "ls" options that clients send with LIST ("-la", "-a"), leaving the path (maybe empty).
std::string_view list_path_arg(std::string_view arg);

}  // namespace drawbridge::ftp
