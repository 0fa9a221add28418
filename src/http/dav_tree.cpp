// WebDAV on whole trees: DELETE, MKCOL, COPY and MOVE.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "http/dav.h"
#include "http/dav_internal.h"

namespace drawbridge::http {
using vfs::Permission;
using namespace davutil;

int Dav::remove_tree(const std::string& path, const struct stat& st) {
    if (!S_ISDIR(st.st_mode)) return files_.root().unlink(path);
    vfs::DirReader dir;
    if (const int e = files_.root().open_dir(path, dir)) return e;
    while (auto entry = dir.next()) {
        const std::string child = child_of(path, entry->first);
        if (const int e = files_.check(Permission::remove, child)) return e;
        if (const int e = remove_tree(child, entry->second)) return e;
    }
    return files_.root().rmdir(path);
}

Response Dav::del(Request&, const std::string& path) {
    if (path == "/") return text(403, "the root cannot be deleted");
    struct stat st {};
    if (const int e = files_.root().stat(path, false, st))
        return text(status_of_errno(e), "not found");
    const char* action = S_ISDIR(st.st_mode) ? "rmdir" : "destroy";
    if (const int e = files_.check(Permission::remove, path)) {
        files_.record(action, path, {}, {}, {}, e);
        return text(403, "permission denied");
    }
    if (auto r = check_locks(path, true, true)) return std::move(*r);
    const int e = remove_tree(path, st);
    files_.record(action, path, {}, {}, {}, e);
    if (e) return text(status_of_errno(e), std::strerror(e));
    locks_.remove_within(root_key_, path);
    return Response(204);
}

Response Dav::mkcol(Request& req, const std::string& path) {
    if (!req.body.empty()) return text(415, "MKCOL with a body is not supported");
    struct stat st {};
    if (files_.root().stat(path, false, st) == 0) return text(405, "the resource exists");
    if (const int e = files_.check(Permission::write, path)) {
        files_.record("mkdir", path, {}, {}, {}, e);
        return text(403, "permission denied");
    }
    struct stat parent {};
    if (files_.root().stat(parent_of(path), true, parent) != 0 || !S_ISDIR(parent.st_mode))
        return text(409, "the parent collection does not exist");
    if (auto r = check_locks(path, false, true)) return std::move(*r);
    const int e = files_.root().mkdir(path, 0755);
    files_.record("mkdir", path, {}, {}, {}, e);
    if (e) return text(status_of_errno(e), std::strerror(e));
    Response r(201);
    r.set("Location", href(path, true));
    return r;
}

int Dav::copy_tree(const std::string& from, const std::string& to, const struct stat& st,
                   bool recursive) {
    if (S_ISLNK(st.st_mode)) {
        std::string target;
        if (const int e = files_.root().readlink(from, target)) return e;
        return files_.root().symlink(target, to);
    }
    if (S_ISDIR(st.st_mode)) {
        if (const int e = files_.root().mkdir(to, st.st_mode & 07777)) return e;
        vfs::UniqueFd in, out;
        if (files_.root().open_file(from, O_RDONLY | O_DIRECTORY, 0, in) == 0 &&
            files_.root().open_file(to, O_RDONLY | O_DIRECTORY, 0, out) == 0)
            copy_dead_properties(in.get(), out.get());
        if (!recursive) return 0;
        vfs::DirReader dir;
        if (const int e = files_.root().open_dir(from, dir)) return e;
        while (auto entry = dir.next()) {
            const std::string src = child_of(from, entry->first);
            if (const int e = files_.check(Permission::read, src)) return e;
            if (const int e = copy_tree(src, child_of(to, entry->first), entry->second, true))
                return e;
        }
        return 0;
    }
    vfs::UniqueFd in, out;
    if (const int e = files_.root().open_file(from, O_RDONLY | O_NONBLOCK, 0, in)) return e;
    if (const int e =
            files_.root().open_file(to, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 0777, out))
        return e;
    for (;;) {
        const ssize_t n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, 1 << 30, 0);
        if (n < 0) return errno;
        if (n == 0) break;
    }
    copy_dead_properties(in.get(), out.get());
    return 0;
}

Response Dav::copy(Request& req, const std::string& path) {
    return copy_or_move(req, path, false);
}

Response Dav::move(Request& req, const std::string& path) {
    return copy_or_move(req, path, true);
}

Response Dav::copy_or_move(Request& req, const std::string& from, bool is_move) {
    const char* action = is_move ? "move" : "copy";
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
    if (const int e = files_.root().stat(from, false, st))
        return text(status_of_errno(e), "not found");
    if (S_ISDIR(st.st_mode) && is_self_or_under(*to, from))
        return text(403, "a collection cannot go inside itself");
    int e = is_move ? files_.check(Permission::remove, from) : files_.check(Permission::read, from);
    if (!e) e = is_move ? files_.check_alias(from, *to) : files_.check(Permission::write, *to);
    if (e) {
        files_.record(action, from, *to, {}, {}, e);
        return text(403, "permission denied");
    }
    struct stat parent {};
    if (files_.root().stat(parent_of(*to), true, parent) != 0 || !S_ISDIR(parent.st_mode))
        return text(409, "the destination's parent collection does not exist");
    struct stat existing {};
    const bool replaces = files_.root().stat(*to, false, existing) == 0;
    if (replaces && overwrite == "F") return text(412, "the destination exists (Overwrite: F)");
    if (is_move)
        if (auto r = check_locks(from, true, true)) return std::move(*r);
    if (auto r = check_locks(*to, true, true)) return std::move(*r);
    if (replaces) {
        if (const int d = files_.check(Permission::remove, *to)) {
            files_.record(action, from, *to, {}, {}, d);
            return text(403, "permission denied");
        }
        if (const int d = remove_tree(*to, existing)) {
            files_.record(action, from, *to, {}, {}, d);
            return text(status_of_errno(d), std::strerror(d));
        }
        locks_.remove_within(root_key_, *to);
    }
    e = is_move ? files_.root().rename(from, *to, RENAME_NOREPLACE)
                : copy_tree(from, *to, st, recursive);
    files_.record(action, from, *to, {}, {}, e);
    if (e) return text(status_of_errno(e) == 405 ? 412 : status_of_errno(e), std::strerror(e));
    if (is_move) locks_.remove_within(root_key_, from);
    Response r(replaces ? 204 : 201);
    if (!replaces) r.set("Location", href(*to, S_ISDIR(st.st_mode)));
    return r;
}

}  // namespace drawbridge::http
