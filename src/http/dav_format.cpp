// The values of WebDAV's live properties and headers as text, appended to a reply being built:
// a Depth 1 PROPFIND writes them for every entry of a folder, so they neither allocate nor go
// through strftime (docs/webdav.md#speed).
#include <sys/stat.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>

#include "http/dav.h"

namespace drawbridge::http {
namespace {

struct Civil {
    long long year;
    unsigned month, day, weekday;  // 1-12, 1-31, 0 (Sunday) to 6
    unsigned hour, minute, second;
};

Civil civil_of(std::int64_t t) {
    using namespace std::chrono;
    const sys_seconds when{seconds{t}};
    const auto day = floor<days>(when);
    const year_month_day ymd{day};
    const hh_mm_ss hms{when - day};
    return {static_cast<int>(ymd.year()),
            static_cast<unsigned>(ymd.month()),
            static_cast<unsigned>(ymd.day()),
            weekday{day}.c_encoding(),
            static_cast<unsigned>(hms.hours().count()),
            static_cast<unsigned>(hms.minutes().count()),
            static_cast<unsigned>(hms.seconds().count())};
}

void append_two(std::string& out, unsigned v) {
    out += static_cast<char>('0' + v / 10 % 10);
    out += static_cast<char>('0' + v % 10);
}

// Four digits, as strftime's %Y writes the years of any file's times.
void append_year(std::string& out, long long y) {
    if (y >= 0 && y <= 9999) {
        append_two(out, static_cast<unsigned>(y / 100));
        append_two(out, static_cast<unsigned>(y % 100));
    } else {
        append_decimal(out, y);
    }
}

void append_clock(std::string& out, const Civil& c) {
    append_two(out, c.hour);
    out += ':';
    append_two(out, c.minute);
    out += ':';
    append_two(out, c.second);
}

void append_hex(std::string& out, std::uint64_t v) {
    char buf[20];
    const auto end = std::to_chars(buf, buf + sizeof buf, v, 16).ptr;
    out.append(buf, end);
}

}  // namespace

void append_decimal(std::string& out, long long v) {
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    out.append(buf, end);
}

// RFC 9110's IMF-fixdate: "Thu, 03 Dec 2026 16:35:58 GMT".
void append_http_date(std::string& out, std::int64_t t) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const Civil c = civil_of(t);
    out.append(kDays[c.weekday], 3);
    out += ", ";
    append_two(out, c.day);
    out += ' ';
    out.append(kMonths[c.month - 1], 3);
    out += ' ';
    append_year(out, c.year);
    out += ' ';
    append_clock(out, c);
    out += " GMT";
}

// RFC 3339, as creationdate wants it: "2026-12-03T16:35:58Z".
void append_iso_date(std::string& out, std::int64_t t) {
    const Civil c = civil_of(t);
    append_year(out, c.year);
    out += '-';
    append_two(out, c.month);
    out += '-';
    append_two(out, c.day);
    out += 'T';
    append_clock(out, c);
    out += 'Z';
}

// Inode, size and modification time in nanoseconds: a replaced file gets a new tag even within
// one second.
void append_etag(std::string& out, const struct stat& st) {
    const auto mtime_ns = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ULL +
                          static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
    out += '"';
    append_hex(out, static_cast<std::uint64_t>(st.st_ino));
    out += '-';
    append_hex(out, static_cast<std::uint64_t>(st.st_size));
    out += '-';
    append_hex(out, mtime_ns);
    out += '"';
}

std::string http_date(std::int64_t t) {
    std::string out;
    append_http_date(out, t);
    return out;
}

std::string etag_of_stat(const struct stat& st) {
    std::string out;
    append_etag(out, st);
    return out;
}

}  // namespace drawbridge::http
