// REST API: the user's files, each route one FileSession call (docs/api.md#files).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "http/api.h"
#include "http/api_internal.h"
#include "http/dav.h"
#include "http/failure_wire.h"
#include "http/file_response.h"
#include "http/folder_page.h"
#include "http/router.h"
#include "http/uri.h"
#include "views/json.h"

namespace drawbridge::http {
using nlohmann::json;
using namespace apiutil;

namespace {

json entry_json(const std::string& path, const struct stat& s) {
    return {{"path", path},
            {"type", S_ISDIR(s.st_mode) ? "directory" : "file"},
            {"size", S_ISDIR(s.st_mode) ? 0 : s.st_size},
            {"mtime", core::format_time(s.st_mtim.tv_sec)}};
}

// The one mapping of a FileSession result to the API's errors. Two have types of their own,
// documented in docs/api.md#errors: a name the server does not create.
Response file_error(int e) {
    if (e == ENAMETOOLONG)
        return Response(400, "application/json",
                        error_json("bad-request/name-too-long", 400, "Name Too Long",
                                   "a file or folder name may have at most 255 bytes") +
                            "\n");
    if (e == EINVAL)
        return Response(400, "application/json",
                        error_json("bad-request/name-not-allowed", 400, "Name Not Allowed",
                                   "a name may not contain CR, LF or NUL") +
                            "\n");
    if (e == EACCES) return api_error(403, "permission denied");
    if (e == EISDIR) return api_error(400, "a folder is there");
    return api_error(status_of_errno(e), std::strerror(e));
}

}  // namespace

Response Api::files_metadata(Request&) {
    const std::string path = params_["path"];
    struct stat st {};
    if (const int e = login_.files().stat(path, true, st)) return file_error(e);
    return json_reply(200, entry_json(path, st));
}

// Sorted by `sort_by`/`order`; paged when `per_page` or `cursor` is given, the next page's
// cursor in X-Files-Cursor (docs/rest-api.md#folder-pages). The whole folder is read to sort
// it: a page of a big folder costs its reading, never its sending.
Response Api::folders_list(Request& req) {
    const std::string path = params_["path"];
    const auto q = parse_query(req.target);
    const auto text = [&q](const char* name) {
        const auto it = q.find(name);
        return it == q.end() ? std::string() : it->second;
    };
    const auto order = parse_folder_order(text("sort_by"), text("order"));
    if (!order) return api_error(400, "sort_by: name, size or mtime; order: asc or desc");
    const bool paged = q.contains("per_page") || q.contains("cursor");
    std::string error;
    const auto per_page = int_param(q, "per_page", kPerPage, error);
    if (!per_page) return api_error(400, error);
    if (text("cursor").size() > kMaxFolderCursor) return api_error(400, "cursor: too long");
    auto& files = login_.files();
    struct stat st {};
    if (const int e = files.stat(path, true, st)) return file_error(e);
    if (!S_ISDIR(st.st_mode)) return api_error(400, "not a folder: " + path);
    vfs::DirReader dir;
    if (const int e = files.list(path, dir)) return file_error(e);
    std::vector<FolderEntry> entries;
    while (auto entry = dir.next()) entries.push_back({entry->first, entry->second});
    sort_folder(entries, *order);
    std::string next;
    const auto page =
        folder_page(entries, *order, text("cursor"),
                    paged ? static_cast<std::size_t>(*per_page) : entries.size(), next);
    if (!page) return api_error(400, "cursor: not one this listing gave");
    const std::string prefix = path == "/" ? "/" : path + "/";
    json out = json::array();
    for (const auto& e : *page) out.push_back(entry_json(prefix + e.name, e.st));
    Response r = json_reply(200, out);
    if (!next.empty()) r.set("X-Files-Cursor", next);
    return r;
}

Response Api::folders_create(Request&) {
    const std::string path = params_["path"];
    auto& files = login_.files();
    if (const int e = files.mkdir(path)) return file_error(e);
    // The same entry as a listing shows (the OpenAPI document's FileEntry).
    struct stat st {};
    if (files.stat(path, true, st) != 0) return api_error(500, "the folder is gone");
    return json_reply(201, entry_json(path, st));
}

Response Api::files_download(Request& req) {
    vfs::Download file;
    if (const int e = login_.files().open_read(params_["path"], file))
        return e == EISDIR ? api_error(400, "a folder: list it with GET /folders/...")
                           : file_error(e);
    return as_api(file_response(req, login_.files(), file));
}

Prepared Api::files_upload(Request& req) {
    const std::string path = params_["path"];
    if (path == "/") return {api_error(400, "the root is a folder"), nullptr};
    if (req.has_header("content-range"))
        return {api_error(400, "partial uploads (Content-Range) are not supported"), nullptr};
    struct stat parent {};
    const std::string folder = path.substr(0, path.rfind('/'));
    if (login_.files().stat(folder.empty() ? "/" : folder, true, parent) != 0 ||
        !S_ISDIR(parent.st_mode))
        return {api_error(409, "the folder does not exist: create it with POST /folders/..."),
                nullptr};
    auto& files = login_.files();
    auto sink =
        std::make_unique<UploadSink>(files, [&files](int error, const std::string& written) {
            if (error) return file_error(error);
            struct stat st {};
            if (files.stat(written, true, st) != 0) return api_error(500, "the file is gone");
            return json_reply(201, entry_json(written, st));
        });
    if (const int e = sink->open(path)) return {file_error(e), nullptr};
    return {std::nullopt, std::move(sink)};
}

Response Api::files_delete(Request&) {
    const std::string path = params_["path"];
    if (path == "/") return api_error(403, "the root cannot be deleted");
    if (const int e = login_.files().remove_tree(path)) return file_error(e);
    return Response(204);
}

Response Api::files_move(Request& req) {
    return file_action(req, true);
}

Response Api::files_copy(Request& req) {
    return file_action(req, false);
}

Response Api::file_action(Request& req, bool move) {
    auto body = body_object(req);
    if (!body || !(*body)["destination"].is_string())
        return api_error(400, "expected {\"destination\": \"/new/path\"}");
    const auto dest = vfs::virtual_path((*body)["destination"].get<std::string>());
    if (!dest) return api_error(400, "invalid destination path");
    const auto overwrite = body->find("overwrite");
    if (overwrite != body->end() && !overwrite->is_boolean() && !overwrite->is_null())
        return api_error(400, "overwrite: expected true or false");
    const bool may_replace =
        overwrite != body->end() && overwrite->is_boolean() && overwrite->get<bool>();
    const std::string from = params_["path"];
    if (from == "/" || *dest == "/") return api_error(403, "the root cannot be copied or moved");
    if (*dest == from) return api_error(400, "the source and the destination are the same");
    auto& files = login_.files();
    struct stat existing {};
    const bool replaces = files.stat(*dest, false, existing) == 0;
    if (replaces && !may_replace)
        return api_error(412, "the destination exists (pass \"overwrite\": true to replace it)");
    const auto replace = replaces ? vfs::FileSession::Replace::tree : vfs::FileSession::Replace::no;
    const int e =
        move ? files.rename(from, *dest, replace) : files.copy(from, *dest, true, replace);
    if (e) return file_error(e);
    return json_reply(replaces ? 200 : 201, {{"path", *dest}});
}

}  // namespace drawbridge::http
