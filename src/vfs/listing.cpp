#include "vfs/listing.h"

#include <cstdio>
#include <string>

namespace drawbridge::vfs {

std::string escape_controls(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c != 0x7f) {
            out += ch;
            continue;
        }
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

std::string ls_line(std::string_view name, const struct stat& st, std::time_t now,
                    std::string_view owner) {
    char mode[11] = "----------";
    if (S_ISDIR(st.st_mode)) mode[0] = 'd';
    if (S_ISLNK(st.st_mode)) mode[0] = 'l';
    const char* rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; ++i)
        if (st.st_mode & (0400 >> i)) mode[i + 1] = rwx[i];
    std::tm tm{};
    const std::time_t mtime = st.st_mtime;
    gmtime_r(&mtime, &tm);
    char when[32];
    constexpr std::time_t kSixMonths = 182 * 24 * 3600;
    const bool recent = mtime <= now + 3600 && now - mtime < kSixMonths;
    std::strftime(when, sizeof when, recent ? "%b %e %H:%M" : "%b %e  %Y", &tm);
    const std::string who(owner);
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s %3lu %-8s %-8s %12lld %s ", mode,
                  static_cast<unsigned long>(st.st_nlink), who.c_str(), who.c_str(),
                  static_cast<long long>(st.st_size), when);
    return std::string(buf) + escape_controls(name);
}

}  // namespace drawbridge::vfs
