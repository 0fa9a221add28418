// PROPPATCH, and the stored form of dead properties: the "user.drawbridge.dav" extended
// attribute of the file or folder. PROPFIND is in dav_propfind.cpp.
#include "http/dav_props.h"

#include <sys/stat.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "http/dav.h"

namespace drawbridge::http {
namespace davprops {

// Stored as "ns\0local\0value\0" records: none of the three can contain NUL (XML cannot).
void parse_dead(std::string_view stored, DeadProps& out) {
    out.clear();
    std::size_t i = 0;
    const auto field = [&](std::string& f) {
        const auto end = stored.find('\0', i);
        if (end == std::string_view::npos) return false;
        f.assign(stored.substr(i, end - i));
        i = end + 1;
        return true;
    };
    while (i < stored.size()) {
        DeadProp p;
        if (!field(p.name.ns) || !field(p.name.local) || !field(p.value)) break;
        out.push_back(std::move(p));
    }
}

int read_dead(int fd, DeadProps& out) {
    out.clear();
    std::string buf;
    for (;;) {
        const ssize_t n = ::fgetxattr(fd, kXattr, nullptr, 0);
        if (n < 0) return errno == ENODATA || errno == ENOTSUP ? 0 : errno;
        buf.resize(static_cast<std::size_t>(n));
        const ssize_t got = ::fgetxattr(fd, kXattr, buf.data(), buf.size());
        if (got >= 0) {
            buf.resize(static_cast<std::size_t>(got));
            break;
        }
        if (errno != ERANGE) return errno;  // it grew between the two calls: again
    }
    parse_dead(buf, out);
    return 0;
}

int write_dead(int fd, const DeadProps& props) {
    if (props.empty()) return ::fremovexattr(fd, kXattr) == 0 || errno == ENODATA ? 0 : errno;
    std::string buf;
    for (const auto& p : props) {
        buf += p.name.ns + '\0' + p.name.local + '\0' + p.value + '\0';
    }
    return ::fsetxattr(fd, kXattr, buf.data(), buf.size(), 0) == 0 ? 0 : errno;
}

bool is_live(const davxml::QName& q) {
    if (q.ns != "DAV:") return false;
    for (const auto l : kLive)
        if (q.local == l) return true;
    return false;
}

std::string_view status_line(int status) {
    switch (status) {
        case 200:
            return "HTTP/1.1 200 OK";
        case 403:
            return "HTTP/1.1 403 Forbidden";
        case 404:
            return "HTTP/1.1 404 Not Found";
        case 424:
            return "HTTP/1.1 424 Failed Dependency";
        case 507:
            return "HTTP/1.1 507 Insufficient Storage";
        default:
            return "HTTP/1.1 500 Internal Server Error";
    }
}

void append_propstat(std::string& out, std::string_view props, int status) {
    out += "<D:propstat><D:prop>";
    out += props;
    out += "</D:prop><D:status>";
    out += status_line(status);
    out += "</D:status></D:propstat>";
}

Response multistatus(std::string_view responses) {
    std::string body(davxml::kHeader);
    body += "<D:multistatus xmlns:D=\"DAV:\">";
    body += responses;
    body += "</D:multistatus>\n";
    return Response(207, "application/xml; charset=utf-8", std::move(body));
}

Response bad_request(std::string why) {
    return Response(400, "text/plain; charset=utf-8", std::move(why) + "\n");
}

}  // namespace davprops

using namespace davprops;
using davxml::QName;
using vfs::Permission;

Response Dav::proppatch(Request& req, const std::string& path) {
    std::string parse_error;
    const auto doc = davxml::Document::parse(req.body, parse_error);
    if (!doc) return bad_request(parse_error);
    if (!doc->is_dav(doc->top_element(), "propertyupdate"))
        return bad_request("the body is not a DAV:propertyupdate");
    struct stat st {};
    if (const int e = files_.stat(path, true, st))
        return Response(status_of_errno(e), "text/plain", "not found\n");
    if (files_.permit(Permission::write, path, "update"))
        return Response(403, "text/plain", "permission denied\n");
    if (auto r = check_locks(path, false, false)) return std::move(*r);
    vfs::UniqueFd fd;
    if (const int e = files_.open_properties(path, true, fd))
        return Response(status_of_errno(e), "text/plain", "cannot open\n");
    DeadProps props;
    if (const int e = read_dead(fd.get(), props))
        return Response(500, "text/plain", std::string(std::strerror(e)) + "\n");

    // Every instruction in document order; all of them apply, or none.
    std::vector<std::pair<QName, int>> results;
    bool failed = false;
    for (auto op = doc->top_element().first_child(); op; op = op.next_sibling()) {
        const bool set = doc->is_dav(op, "set");
        if (!set && !doc->is_dav(op, "remove")) continue;
        for (auto prop = op.first_child(); prop; prop = prop.next_sibling()) {
            if (!doc->is_dav(prop, "prop")) continue;
            for (auto p = prop.first_child(); p; p = p.next_sibling()) {
                const QName* name = doc->name(p);
                if (!name) continue;
                const QName q = *name;
                if (is_live(q)) {
                    results.emplace_back(q, 403);
                    failed = true;
                    continue;
                }
                std::erase_if(props, [&](const DeadProp& d) { return d.name == q; });
                if (set) props.push_back({q, doc->inner_xml(p)});
                results.emplace_back(q, 200);
            }
        }
    }
    int error = 0;
    if (!failed) {
        error = write_dead(fd.get(), props);
        files_.record_update(path, error);
    }
    std::string found;
    std::vector<std::pair<int, std::string>> groups;
    for (auto& [q, status] : results) {
        if (failed && status == 200) status = 424;
        if (error) status = error == ENOSPC || error == E2BIG || error == ENOTSUP ? 507 : 500;
        auto it = std::find_if(groups.begin(), groups.end(),
                               [s = status](const auto& g) { return g.first == s; });
        if (it == groups.end()) it = groups.insert(groups.end(), {status, ""});
        it->second += davxml::element(q, "");
    }
    std::string body = "<D:response><D:href>" + href(path, S_ISDIR(st.st_mode)) + "</D:href>";
    for (const auto& [status, names] : groups) append_propstat(body, names, status);
    body += "</D:response>";
    return multistatus(body);
}

}  // namespace drawbridge::http
