#include "ftp/wire.h"

#include "vfs/listing.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace drawbridge::ftp {

std::optional<CommandLine> parse_command(std::string_view line) {
    std::string clean;
    clean.reserve(line.size());
    for (std::size_t i = 0; i < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c == 0xFF) {  // IAC and the command byte after it
            ++i;
            continue;
        }
        if (c == 0xF2 && clean.empty()) continue;  // a Data Mark left in band by the Synch
        clean.push_back(line[i]);
    }
    while (!clean.empty() && (clean.back() == '\r' || clean.back() == '\n')) clean.pop_back();
    std::size_t start = 0;
    while (start < clean.size() && clean[start] == ' ') ++start;
    if (start == clean.size()) return std::nullopt;
    const auto space = clean.find(' ', start);
    CommandLine out;
    out.verb = clean.substr(start, space == std::string::npos ? std::string::npos : space - start);
    std::transform(out.verb.begin(), out.verb.end(), out.verb.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (space != std::string::npos) out.arg = clean.substr(space + 1);
    return out;
}

namespace {

std::optional<unsigned> parse_uint(std::string_view s, unsigned max) {
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || v > max) return std::nullopt;
    return v;
}

}  // namespace

std::optional<HostPort> parse_port_arg(std::string_view arg) {
    unsigned parts[6];
    std::size_t i = 0;
    for (int n = 0; n < 6; ++n) {
        const auto comma = n < 5 ? arg.find(',', i) : arg.size();
        if (comma == std::string_view::npos) return std::nullopt;
        const auto v = parse_uint(arg.substr(i, comma - i), 255);
        if (!v) return std::nullopt;
        parts[n] = *v;
        i = comma + 1;
    }
    HostPort hp;
    hp.ip = std::to_string(parts[0]) + "." + std::to_string(parts[1]) + "." +
            std::to_string(parts[2]) + "." + std::to_string(parts[3]);
    hp.port = static_cast<std::uint16_t>(parts[4] * 256 + parts[5]);
    return hp;
}

std::optional<HostPort> parse_eprt_arg(std::string_view arg) {
    if (arg.size() < 7) return std::nullopt;
    const char d = arg[0];
    if (d < 33 || d > 126) return std::nullopt;
    std::string_view fields[3];
    std::size_t i = 1;
    for (auto& f : fields) {
        const auto end = arg.find(d, i);
        if (end == std::string_view::npos) return std::nullopt;
        f = arg.substr(i, end - i);
        i = end + 1;
    }
    if (i != arg.size()) return std::nullopt;
    const auto proto = parse_uint(fields[0], 2);
    const auto port = parse_uint(fields[2], 65535);
    if (!proto || *proto == 0 || !port) return std::nullopt;
    unsigned char buf[16];
    const std::string ip(fields[1]);
    if (inet_pton(*proto == 1 ? AF_INET : AF_INET6, ip.c_str(), buf) != 1) return std::nullopt;
    return HostPort{ip, static_cast<std::uint16_t>(*port)};
}

std::string pasv_reply(std::string_view ipv4, std::uint16_t port) {
    std::string hosts(ipv4);
    std::replace(hosts.begin(), hosts.end(), '.', ',');
    return "227 Entering Passive Mode (" + hosts + "," + std::to_string(port / 256) + "," +
           std::to_string(port % 256) + ").";
}

std::string format_time(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    return buf;
}

std::optional<std::time_t> parse_time(std::string_view s) {
    if (const auto dot = s.find('.'); dot != std::string_view::npos) s = s.substr(0, dot);
    if (s.size() != 14) return std::nullopt;
    int f[6];
    const int widths[6] = {4, 2, 2, 2, 2, 2};
    std::size_t at = 0;
    for (int i = 0; i < 6; ++i) {
        const auto v = parse_uint(s.substr(at, widths[i]), 9999);
        if (!v) return std::nullopt;
        f[i] = static_cast<int>(*v);
        at += widths[i];
    }
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60)
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = f[0] - 1900;
    tm.tm_mon = f[1] - 1;
    tm.tm_mday = f[2];
    tm.tm_hour = f[3];
    tm.tm_min = f[4];
    tm.tm_sec = f[5];
    return timegm(&tm);
}

std::string quote_path(std::string_view path) {
    std::string out = "\"";
    for (char c : path) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    return out + "\"";
}

std::string list_line(std::string_view name, const struct stat& st, std::time_t now) {
    return vfs::ls_line(name, st, now, "ftp") + "\r\n";
}

namespace {

// RFC 3659 perm letters and the permission each needs, in the order they are shown.
struct PermLetter {
    char letter;
    core::Permission needs;
};
constexpr PermLetter kFilePerms[] = {{'a', core::Permission::write},
                                     {'d', core::Permission::remove},
                                     {'f', core::Permission::remove},
                                     {'r', core::Permission::read},
                                     {'w', core::Permission::write}};
constexpr PermLetter kDirPerms[] = {
    {'f', core::Permission::remove}, {'l', core::Permission::list},
    {'c', core::Permission::write},  {'d', core::Permission::remove},
    {'m', core::Permission::write},  {'p', core::Permission::remove}};

// `always`: letters every entry of the kind gets (`e`: entering a folder is always allowed).
template <std::size_t N>
std::string perm_fact(const PermLetter (&letters)[N], core::PermissionSet granted,
                      std::string_view always = {}) {
    std::string out = "perm=";
    for (const auto& p : letters)
        if (granted.has(p.needs)) out += p.letter;
    return out + std::string(always) + ";";
}

}  // namespace

std::string mlsx_facts(const struct stat& st, core::PermissionSet granted) {
    std::string out;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    if (S_ISDIR(st.st_mode)) {
        out = "type=dir;";
        out += "modify=" + format_time(st.st_mtime) + ";" + perm_fact(kDirPerms, granted, "e");
    } else if (S_ISREG(st.st_mode)) {
        out = "type=file;size=" + std::to_string(st.st_size) + ";";
        out += "modify=" + format_time(st.st_mtime) + ";" + perm_fact(kFilePerms, granted);
    } else {
        out = "type=OS.unix=symlink;modify=" + format_time(st.st_mtime) + ";perm=;";
    }
    out += "unix.mode=" + std::string(mode) + ";";
    return out;
}

std::string_view list_path_arg(std::string_view arg) {
    while (arg.starts_with('-')) {
        const auto space = arg.find(' ');
        if (space == std::string_view::npos) return {};
        arg.remove_prefix(space + 1);
        while (arg.starts_with(' ')) arg.remove_prefix(1);
    }
    return arg;
}

}  // namespace drawbridge::ftp
