// WebDAV on whole trees: DELETE, MKCOL, COPY and MOVE.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "http/dav.h"
#include "http/dav_internal.h"

namespace drawbridge::http {
using namespace davutil;

Response Dav::del(Request&, const std::string& path) {
    if (path == "/") return text(403, "the root cannot be deleted");
    struct stat st {};
    if (const int e = files_.stat(path, false, st)) return text(status_of_errno(e), "not found");
    if (auto r = check_locks(path, true, true)) return std::move(*r);
    if (const int e = files_.remove_tree(path))
        return text(status_of_errno(e), e == EACCES ? "permission denied" : std::strerror(e));
    locks_.remove_within(root_key_, path);
    return Response(204);
}

Response Dav::mkcol(Request& req, const std::string& path) {
    if (!req.body.empty()) return text(415, "MKCOL with a body is not supported");
    struct stat st {};
    if (files_.stat(path, false, st) == 0) return text(405, "the resource exists");
    struct stat parent {};
    if (files_.stat(parent_of(path), true, parent) != 0 || !S_ISDIR(parent.st_mode))
        return text(409, "the parent collection does not exist");
    if (auto r = check_locks(path, false, true)) return std::move(*r);
    if (const int e = files_.mkdir(path))
        return text(status_of_errno(e), e == EACCES ? "permission denied" : std::strerror(e));
    Response r(201);
    r.set("Location", href(path, true));
    return r;
}

Response Dav::copy(Request& req, const std::string& path) {
    return copy_or_move(req, path, false);
}

Response Dav::move(Request& req, const std::string& path) {
    return copy_or_move(req, path, true);
}

Response Dav::copy_or_move(Request& req, const std::string& from, bool is_move) {
    const auto to = destination_path(req);
    if (!to)
        return text(req.has_header("destination") ? 502 : 400,
                    "the Destination must be under " + prefix_ + "/ on this server");
    const auto depth = req.header("depth");
    bool recursive = true;
    if (depth == "0" && !is_move)
        recursive = false;
    else if (!depth.empty() && depth != "infinity" && depth != "Infinity")
        return text(400, "Depth must be 0 or infinity (MOVE: infinity)");
    const auto overwrite = req.header("overwrite");
    if (!overwrite.empty() && overwrite != "T" && overwrite != "F")
        return text(400, "Overwrite must be T or F");
    if (from == "/" || *to == "/") return text(403, "the root cannot be copied or moved");
    if (*to == from) return text(403, "the source and the destination are the same");
    struct stat st {};
    if (const int e = files_.stat(from, false, st)) return text(status_of_errno(e), "not found");
    if (S_ISDIR(st.st_mode) && is_self_or_under(*to, from))
        return text(403, "a collection cannot go inside itself");
    struct stat parent {};
    if (files_.stat(parent_of(*to), true, parent) != 0 || !S_ISDIR(parent.st_mode))
        return text(409, "the destination's parent collection does not exist");
    struct stat existing {};
    const bool replaces = files_.stat(*to, false, existing) == 0;
    if (replaces && overwrite == "F") return text(412, "the destination exists (Overwrite: F)");
    if (is_move)
        if (auto r = check_locks(from, true, true)) return std::move(*r);
    if (auto r = check_locks(*to, true, true)) return std::move(*r);
    // Overwrite: T removes what the destination holds first (RFC 4918 §9.9.3), once the
    // permissions of the whole operation have been checked.
    const auto replace = replaces ? vfs::FileSession::Replace::tree : vfs::FileSession::Replace::no;
    const int e =
        is_move ? files_.rename(from, *to, replace) : files_.copy(from, *to, recursive, replace);
    if (e == EACCES) return text(403, "permission denied");
    if (e) return text(status_of_errno(e) == 405 ? 412 : status_of_errno(e), std::strerror(e));
    if (replaces) locks_.remove_within(root_key_, *to);
    if (is_move) locks_.remove_within(root_key_, from);
    Response r(replaces ? 204 : 201);
    if (!replaces) r.set("Location", href(*to, S_ISDIR(st.st_mode)));
    return r;
}

}  // namespace drawbridge::http
