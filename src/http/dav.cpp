// WebDAV: the method table, the If header, GET, PUT and OPTIONS. Collections (DELETE, MKCOL, COPY,
// MOVE) are in dav_tree.cpp, properties in dav_props.cpp, locks in dav_lock_methods.cpp.
#include "http/dav.h"
#include "core/types.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "http/dav_internal.h"
#include "http/file_response.h"
#include "http/uri.h"
#include "http/user_content.h"

namespace drawbridge::http {
using vfs::Permission;
using namespace davutil;

namespace {

constexpr std::string_view kAllow =
    "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, COPY, MOVE, PROPFIND, PROPPATCH, LOCK, UNLOCK";

}  // namespace

int status_of_errno(int error) {
    switch (error) {
        case 0:
            return 200;
        case ENOENT:
            return 404;
        case EACCES:
        case EPERM:
        case EXDEV:
        case ELOOP:
            return 403;
        case EEXIST:
            return 405;
        case ENOTDIR:
            return 409;
        case ENOTEMPTY:
            return 409;
        case ENOSPC:
        case EDQUOT:
            return 507;
        case ENAMETOOLONG:  // a name over 255 bytes (vfs::name_fault), not a long URI
        case EINVAL:        // a new name the vfs refuses (CR or LF)
            return 400;
        case EFBIG:
            return 413;
        case EISDIR:
            return 405;
        default:
            return 500;
    }
}

const Dav::MethodRow Dav::kMethods[] = {
    {"OPTIONS", &Dav::options}, {"GET", &Dav::get},           {"HEAD", &Dav::get},
    {"DELETE", &Dav::del},      {"MKCOL", &Dav::mkcol},       {"COPY", &Dav::copy},
    {"MOVE", &Dav::move},       {"PROPFIND", &Dav::propfind}, {"PROPPATCH", &Dav::proppatch},
    {"LOCK", &Dav::lock},       {"UNLOCK", &Dav::unlock},
};

Prepared Dav::prepare(Request& req, const std::string& path) {
    if (req.method == "PUT") {
        if (auto r = check_if(req, path)) return {std::move(r), nullptr};
        return put(req, path);
    }
    return {};  // the body (XML, small) is buffered and handle() runs
}

Response Dav::handle(Request& req, const std::string& path) {
    for (const auto& m : kMethods) {
        if (m.name != req.method) continue;
        if (auto r = check_if(req, path)) return std::move(*r);
        return (this->*m.fn)(req, path);
    }
    return std::move(text(405, "method not allowed").set("Allow", std::string(kAllow)));
}

std::string Dav::href(const std::string& path, bool collection) const {
    std::string h = encode_path(prefix_ + (path == "/" ? "" : path));
    if (collection) h += '/';
    return h;
}

std::optional<std::string> Dav::destination_path(const Request& req) const {
    // Another server's URL is never taken for one here because its path looks like ours.
    if (!names_this_server(req.header("destination"), req.header("host"), req.secure))
        return std::nullopt;
    const auto dest = decode_path(req.header("destination"));
    if (!dest) return std::nullopt;
    if (*dest == prefix_) return "/";
    if (!dest->starts_with(prefix_ + "/")) return std::nullopt;
    return dest->substr(prefix_.size());
}

std::string Dav::etag_of(const std::string& path) {
    struct stat st {};
    return files_.stat(path, true, st) == 0 ? etag_of_stat(st) : std::string();
}

std::optional<Response> Dav::check_if(const Request& req, const std::string& path) {
    submitted_.clear();
    auto token = req.header("lock-token");
    if (token.size() > 2 && token.front() == '<' && token.back() == '>')
        submitted_.emplace(token.substr(1, token.size() - 2));
    const auto h = req.header("if");
    if (h.empty()) return std::nullopt;
    const auto lists = parse_if_header(h);
    if (!lists) return text(400, "malformed If header");
    for (const auto& list : *lists)
        for (const auto& c : list.conditions)
            if (!c.is_etag && !c.negated) submitted_.insert(c.value);
    for (const auto& list : *lists) {
        std::string target = path;
        if (list.resource) {
            const auto p = decode_path(*list.resource);
            if (!p || !(*p == prefix_ || p->starts_with(prefix_ + "/")) ||
                !names_this_server(*list.resource, req.header("host"), req.secure))
                continue;
            target = *p == prefix_ ? "/" : p->substr(prefix_.size());
        }
        bool all = true;
        for (const auto& c : list.conditions) {
            bool holds = false;
            if (c.is_etag) {
                holds = etag_matches(c.value, etag_of(target));
            } else {
                for (const auto& l : locks_.covering(root_key_, target))
                    if (l.token == c.value) holds = true;
            }
            if (c.negated) holds = !holds;
            all = all && holds;
        }
        if (all) return std::nullopt;
    }
    return text(412, "the conditions of the If header do not hold");
}

std::optional<Response> Dav::check_locks(const std::string& path, bool recursive, bool membership) {
    if (locks_.may_write(root_key_, path, submitted_, files_.user().id, recursive, membership))
        return std::nullopt;
    return Response(423, "application/xml; charset=utf-8",
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\">"
                    "<D:lock-token-submitted><D:href>" +
                        href(path, false) + "</D:href></D:lock-token-submitted></D:error>\n");
}

Response Dav::options(Request&, const std::string&) {
    Response r(200);
    r.set("DAV", "1, 2").set("MS-Author-Via", "DAV").set("Allow", std::string(kAllow));
    r.set("Accept-Ranges", "bytes");
    return r;
}

Response Dav::get(Request& req, const std::string& path) {
    const bool head = req.method == "HEAD";
    // Opened first and stat'ed through the descriptor: one path resolution per request.
    vfs::Download file;
    if (const int e = files_.open_read(path, file); e == EISDIR) {
        Response r = listing(path);
        if (head) {
            r.head_length = r.body.size();
            r.body.clear();
        }
        return r;
    } else if (e) {
        return text(status_of_errno(e), e == EACCES ? "permission denied" : std::strerror(e));
    }
    return file_response(req, files_, file);
}

Response Dav::listing(const std::string& path) {
    vfs::DirReader dir;
    if (const int e = files_.list(path, dir))
        return text(status_of_errno(e), e == EACCES ? "permission denied" : "cannot list");
    std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                       xml_escape(path) + "</title></head><body><h1>" + xml_escape(path) +
                       "</h1><ul>\n";
    if (path != "/") html += "<li><a href=\"" + href(parent_of(path), true) + "\">..</a></li>\n";
    while (auto entry = dir.next()) {
        const bool is_dir = S_ISDIR(entry->second.st_mode);
        html += "<li><a href=\"" + href(child_of(path, entry->first), is_dir) + "\">" +
                xml_escape(entry->first) + (is_dir ? "/" : "") + "</a></li>\n";
    }
    html += "</ul></body></html>\n";
    // Our page, but with users' file names in it: no script may run there either.
    Response r(200, "text/html; charset=utf-8", std::move(html));
    sandbox_user_content(r);
    return r;
}

Prepared Dav::put(Request& req, const std::string& path) {
    const auto answer = [](Response r) { return Prepared{std::move(r), nullptr}; };
    if (path == "/") return answer(text(405, "the root is a collection"));
    if (req.has_header("content-range"))
        return answer(text(400, "partial PUT (Content-Range) is not supported"));
    struct stat st {};
    const bool exists = files_.stat(path, true, st) == 0;
    if (exists && S_ISDIR(st.st_mode)) return answer(text(405, "a collection exists there"));
    struct stat parent {};
    if (files_.stat(parent_of(path), true, parent) != 0 || !S_ISDIR(parent.st_mode))
        return answer(text(409, "the parent collection does not exist"));
    const std::string etag = exists ? etag_of_stat(st) : "";
    if (const auto im = req.header("if-match"); !im.empty() && !etag_matches(im, etag))
        return answer(text(412, "the entity tag does not match"));
    if (const auto inm = req.header("if-none-match"); !inm.empty() && etag_matches(inm, etag))
        return answer(text(412, "the resource exists"));
    if (auto r = check_locks(path, false, !exists)) return answer(std::move(*r));
    auto sink =
        std::make_unique<UploadSink>(files_, [this, exists](int error, const std::string& written) {
            if (error) return text(status_of_errno(error), std::strerror(error));
            Response r(exists ? 204 : 201);
            struct stat now {};
            if (files_.stat(written, true, now) == 0) r.set("ETag", etag_of_stat(now));
            return r;
        });
    if (const int e = sink->open(path))
        return answer(
            text(status_of_errno(e), e == EACCES ? "permission denied" : std::strerror(e)));
    return {std::nullopt, std::move(sink)};
}

}  // namespace drawbridge::http
