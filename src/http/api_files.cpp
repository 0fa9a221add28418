// REST API: the user's files, through the same code as WebDAV (src/http/dav*.cpp).
#include <sys/stat.h>

#include <cstring>
#include <ctime>

#include "http/api.h"
#include "http/api_internal.h"
#include "http/dav.h"
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

}  // namespace

Response Api::files_metadata(Request&) {
    const std::string path = params_["path"];
    struct stat st {};
    if (const int e = login_.files().root().stat(path, true, st))
        return api_error(status_of_errno(e), std::strerror(e));
    return json_reply(200, entry_json(path, st));
}

Response Api::folders_list(Request&) {
    const std::string path = params_["path"];
    auto& files = login_.files();
    struct stat st {};
    if (const int e = files.root().stat(path, true, st))
        return api_error(status_of_errno(e), std::strerror(e));
    if (!S_ISDIR(st.st_mode)) return api_error(400, "not a folder: " + path);
    if (const int e = files.check(vfs::Permission::list, path)) {
        files.record("list", path, {}, {}, {}, e);
        return api_error(403, "permission denied");
    }
    vfs::DirReader dir;
    if (const int e = files.root().open_dir(path, dir))
        return api_error(status_of_errno(e), std::strerror(e));
    json out = json::array();
    while (auto entry = dir.next()) {
        out.push_back(entry_json((path == "/" ? "/" : path + "/") + entry->first, entry->second));
    }
    return json_reply(200, out);
}

namespace {

Request as_method(const Request& req, std::string method) {
    Request r;
    r.method = std::move(method);
    r.target = req.target;
    r.peer_ip = req.peer_ip;
    r.secure = req.secure;
    for (const auto& [k, v] : req.headers)
        if (k == "range" || k == "if-range" || k == "if-match" || k == "if-none-match" ||
            k == "if-modified-since" || k == "content-length" || k == "expect")
            r.headers.emplace_back(k, v);
    r.content_length = req.content_length;
    r.has_body = req.has_body;
    return r;
}

// Passes the sink's reply through as_api.
class ApiSink : public BodySink {
  public:
    explicit ApiSink(std::unique_ptr<BodySink> inner) : inner_(std::move(inner)) {}
    int write(const char* data, std::size_t size) override { return inner_->write(data, size); }
    Response finish(int error) override { return as_api(inner_->finish(error)); }

  private:
    std::unique_ptr<BodySink> inner_;
};

}  // namespace

Response Api::folders_create(Request& req) {
    Request mk = as_method(req, "MKCOL");
    Response r = as_api(login_.dav().handle(mk, params_["path"]));
    if (r.status == 201) return json_reply(201, {{"path", params_["path"]}, {"type", "directory"}});
    return r;
}

Response Api::files_download(Request& req) {
    Request get = as_method(req, req.method);
    return as_api(login_.dav().handle(get, params_["path"]));
}

Prepared Api::files_upload(Request& req) {
    Request put = as_method(req, "PUT");
    Prepared p = login_.dav().prepare(put, params_["path"]);
    if (p.response) p.response = as_api(std::move(*p.response));
    if (p.sink) p.sink = std::make_unique<ApiSink>(std::move(p.sink));
    return p;
}

Response Api::files_delete(Request& req) {
    Request del = as_method(req, "DELETE");
    return as_api(login_.dav().handle(del, params_["path"]));
}

Response Api::files_move(Request& req) {
    return file_action(req, true);
}

Response Api::files_copy(Request& req) {
    return file_action(req, false);
}

Response Api::file_action(Request& req, bool move) {
    const auto body = body_object(req);
    if (!body || !(*body)["destination"].is_string())
        return api_error(400, "expected {\"destination\": \"/new/path\"}");
    const auto dest = decode_path((*body)["destination"].get<std::string>());
    if (!dest) return api_error(400, "invalid destination path");
    Request r = as_method(req, move ? "MOVE" : "COPY");
    r.headers.emplace_back("destination", std::string(kDavPrefix) + encode_path(*dest));
    r.headers.emplace_back("overwrite", body->value("overwrite", false) ? "T" : "F");
    Response out = as_api(login_.dav().handle(r, params_["path"]));
    if (out.status < 300) return json_reply(out.status == 204 ? 200 : 201, {{"path", *dest}});
    return out;
}

}  // namespace drawbridge::http
