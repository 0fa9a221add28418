// PROPFIND and PROPPATCH: live properties from stat, dead ones from the "user.drawbridge.dav"
// extended attribute.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "core/types.h"
#include "http/dav.h"
#include "http/dav_xml.h"
#include "http/uri.h"

namespace drawbridge::http {
using davxml::QName;
using vfs::Permission;

namespace {

constexpr const char* kXattr = "user.drawbridge.dav";
// A Depth 1 reply repeats every property asked for in each entry: 10,000 entries times this.
constexpr std::size_t kMaxRequestedProperties = 256;
// A PROPFIND reply past this is refused (507) rather than built: 10,000 plain entries take ~5 MB.
constexpr std::size_t kMaxMultistatusBytes = 64u << 20;

struct DeadProp {
    QName name;
    std::string value;  // XML content
};
using DeadProps = std::vector<DeadProp>;

// Stored as "ns\0local\0value\0" records: none of the three can contain NUL (XML cannot).
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
    std::size_t i = 0;
    const auto field = [&](std::string& f) {
        const auto end = buf.find('\0', i);
        if (end == std::string::npos) return false;
        f = buf.substr(i, end - i);
        i = end + 1;
        return true;
    };
    while (i < buf.size()) {
        DeadProp p;
        if (!field(p.name.ns) || !field(p.name.local) || !field(p.value)) break;
        out.push_back(std::move(p));
    }
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

// The live properties, all in DAV:; PROPPATCH may not change them.
constexpr std::array<std::string_view, 8> kLive = {
    "resourcetype", "getcontentlength", "getlastmodified", "creationdate",
    "getetag",      "getcontenttype",   "supportedlock",   "lockdiscovery"};

bool is_live(const QName& q) {
    if (q.ns != "DAV:") return false;
    for (const auto l : kLive)
        if (q.local == l) return true;
    return false;
}

std::string iso_date(std::int64_t t) {
    return core::format_time(t);
}

constexpr std::string_view kSupportedLock =
    "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
    "</D:lockentry><D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/>"
    "</D:locktype></D:lockentry>";

std::string status_line(int status) {
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

void append_propstat(std::string& out, const std::string& props, int status) {
    out += "<D:propstat><D:prop>" + props + "</D:prop><D:status>" + status_line(status) +
           "</D:status></D:propstat>";
}

Response multistatus(std::string body) {
    return Response(207, "application/xml; charset=utf-8",
                    std::string(davxml::kHeader) + "<D:multistatus xmlns:D=\"DAV:\">" + body +
                        "</D:multistatus>\n");
}

Response bad_request(std::string why) {
    return Response(400, "text/plain; charset=utf-8", std::move(why) + "\n");
}

}  // namespace

Response Dav::propfind(Request& req, const std::string& path) {
    const auto depth = req.header("depth");
    if (depth != "0" && depth != "1")
        return Response(403, "application/xml; charset=utf-8",
                        std::string(davxml::kHeader) +
                            "<D:error xmlns:D=\"DAV:\"><D:propfind-finite-depth/></D:error>\n");
    enum class Mode { all, names, some } mode = Mode::all;
    std::vector<QName> wanted;
    std::unique_ptr<davxml::Document> doc;
    if (!req.body.empty()) {
        std::string error;
        doc = davxml::Document::parse(req.body, error);
        if (!doc) return bad_request(error);
        const auto root = doc->top_element();
        if (!doc->is_dav(root, "propfind")) return bad_request("the body is not a DAV:propfind");
        if (doc->dav_child(root, "propname")) {
            mode = Mode::names;
        } else if (const auto prop = doc->dav_child(root, "prop")) {
            mode = Mode::some;
            for (auto c = prop.first_child(); c; c = c.next_sibling())
                if (const auto* q = doc->name(c)) wanted.push_back(*q);
            // Every entry of a Depth 1 reply names each property asked for.
            if (wanted.size() > kMaxRequestedProperties)
                return bad_request("a PROPFIND may ask for at most " +
                                   std::to_string(kMaxRequestedProperties) + " properties");
        } else if (!doc->dav_child(root, "allprop")) {
            return bad_request("DAV:propfind needs prop, allprop or propname");
        }
    }
    struct stat st {};
    if (const int e = files_.stat(path, true, st))
        return Response(status_of_errno(e), "text/plain", "not found\n");
    const bool need_dead =
        mode != Mode::some ||
        std::any_of(wanted.begin(), wanted.end(), [](const QName& q) { return q.ns != "DAV:"; });

    const auto live_value = [&](const std::string& p, const struct stat& s,
                                std::string_view name) -> std::optional<std::string> {
        const bool dir = S_ISDIR(s.st_mode);
        if (name == "resourcetype") return dir ? "<D:collection/>" : "";
        if (name == "getlastmodified") return http_date(s.st_mtim.tv_sec);
        if (name == "creationdate") return iso_date(s.st_ctim.tv_sec);
        if (name == "getetag") return etag_of_stat(s);
        if (name == "supportedlock") return std::string(kSupportedLock);
        if (name == "lockdiscovery") {
            std::string v;
            for (const auto& l : locks_.covering(root_key_, p)) v += lock_xml(l);
            return v;
        }
        if (name == "quota-available-bytes") {  // RFC 4331; macOS shows it as free space
            struct statvfs v {};
            if (files_.statvfs(v) != 0) return std::nullopt;
            return std::to_string(static_cast<std::uint64_t>(v.f_bavail) * v.f_frsize);
        }
        if (dir) return std::nullopt;
        if (name == "getcontentlength") return std::to_string(s.st_size);
        if (name == "getcontenttype") return std::string(content_type_of(p));
        return std::nullopt;
    };

    std::string body;
    const auto emit = [&](const std::string& p, const struct stat& s) {
        DeadProps dead;
        if (need_dead) {
            vfs::UniqueFd fd;
            if (files_.open_properties(p, false, fd) == 0) read_dead(fd.get(), dead);
        }
        body += "<D:response><D:href>" + href(p, S_ISDIR(s.st_mode)) + "</D:href>";
        std::string found, missing;
        if (mode == Mode::some) {
            for (const auto& q : wanted) {
                std::optional<std::string> v;
                if (q.ns == "DAV:") v = live_value(p, s, q.local);
                if (!v)
                    for (const auto& d : dead)
                        if (d.name == q) v = d.value;
                (v ? found : missing) += davxml::element(q, v ? *v : "");
            }
        } else {
            for (const auto name : kLive) {
                const auto v = live_value(p, s, name);
                if (!v) continue;
                found += davxml::element({"DAV:", std::string(name)}, mode == Mode::all ? *v : "");
            }
            for (const auto& d : dead)
                found += davxml::element(d.name, mode == Mode::all ? d.value : "");
        }
        if (!found.empty()) append_propstat(body, found, 200);
        if (!missing.empty()) append_propstat(body, missing, 404);
        body += "</D:response>";
    };

    emit(path, st);
    if (depth == "1" && S_ISDIR(st.st_mode)) {
        vfs::DirReader dir;
        if (const int e = files_.list(path, dir); e == EACCES)
            return Response(403, "text/plain", "permission denied\n");
        else if (e == 0) {
            while (auto entry = dir.next()) {
                // A reply is built in memory: bound it, whatever locks and dead properties
                // each entry repeats (docs/webdav.md#request-bodies).
                if (body.size() > kMaxMultistatusBytes)
                    return Response(507, "text/plain; charset=utf-8",
                                    "the reply would be larger than " +
                                        std::to_string(kMaxMultistatusBytes >> 20) +
                                        " MiB: ask for fewer properties, or list with Depth 0\n");
                const std::string child = (path == "/" ? "/" : path + "/") + entry->first;
                struct stat cs = entry->second;
                if (S_ISLNK(cs.st_mode) && files_.stat(child, true, cs) != 0) continue;
                emit(child, cs);
            }
        }
    }
    return multistatus(std::move(body));
}

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
    return multistatus(std::move(body));
}

}  // namespace drawbridge::http
