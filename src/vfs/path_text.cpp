// Client paths as text, before any file is touched: decoding into virtual paths, and the bytes
// a path or a new name may not hold. Apart from local_root.cpp so that parsers which only
// decode (the HTTP URI code, its fuzz harness) need nothing of the file system.
#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "vfs/path_text.h"

namespace drawbridge::vfs {
namespace {

bool has_nul(std::string_view s) {
    return s.find('\0') != std::string_view::npos;
}

}  // namespace

std::string normalize(std::string_view path, std::string_view cwd) {
    std::vector<std::string_view> parts;
    auto push = [&](std::string_view p) {
        std::size_t i = 0;
        while (i <= p.size()) {
            const auto end = std::min(p.find('/', i), p.size());
            const auto part = p.substr(i, end - i);
            if (part == "..") {
                if (!parts.empty()) parts.pop_back();  // clamped at the root
            } else if (!part.empty() && part != ".") {
                parts.push_back(part);
            }
            i = end + 1;
        }
    };
    if (path.empty() || path.front() != '/') push(cwd);
    push(path);
    std::string out;
    for (auto p : parts) out.append("/").append(p);
    return out.empty() ? "/" : out;
}

std::string_view path_fault(std::string_view client_path) {
    return has_nul(client_path) ? "path contains a NUL byte" : "";
}

std::optional<std::string> virtual_path(std::string_view client_path, std::string_view cwd) {
    if (!path_fault(client_path).empty() || has_nul(cwd)) return std::nullopt;
    return normalize(client_path, cwd);
}

std::string_view name_fault(std::string_view leaf) {
    if (has_nul(leaf)) return "name contains a NUL byte";
    if (leaf.find_first_of("\r\n") != std::string_view::npos)
        return "name contains a line break (CR or LF)";
    if (leaf.size() > kMaxNameBytes) return "name is longer than 255 bytes";
    return "";
}

bool is_self_or_under(std::string_view p, std::string_view ancestor) {
    if (ancestor == "/" || p == ancestor) return true;
    return p.size() > ancestor.size() && p.starts_with(ancestor) && p[ancestor.size()] == '/';
}

int name_error(std::string_view leaf) {
    if (name_fault(leaf).empty()) return 0;
    return leaf.size() > kMaxNameBytes ? ENAMETOOLONG : EINVAL;
}

}  // namespace drawbridge::vfs
