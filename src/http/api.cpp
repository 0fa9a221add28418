#include "http/api.h"

#include <sys/stat.h>

#include <ctime>
#include <vector>

#include "http/dav.h"
#include "http/failure_wire.h"
#include "http/router.h"
#include "http/uri.h"
#include "views/json.h"

namespace drawbridge::http {
using nlohmann::json;

namespace {

enum class Access { anyone, user, admin };

std::string_view title_of(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Authentication Required";
        case 403:
            return "Not Authorized";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Payload Too Large";
        case 415:
            return "Unsupported Media Type";
        case 416:
            return "Range Not Satisfiable";
        case 423:
            return "Locked";
        case 502:
            return "Bad Gateway";
        case 507:
            return "Insufficient Storage";
        default:
            return "Internal Error";
    }
}

std::string_view family_of(int status) {
    switch (status) {
        case 400:
        case 405:
        case 413:
        case 415:
        case 416:
            return "bad-request";
        case 401:
            return "not-authenticated";
        case 403:
            return "not-authorized";
        case 404:
            return "not-found";
        case 409:
        case 412:
        case 423:
        case 502:
        case 507:
            return "processing-failure";
        default:
            return "internal-error";
    }
}

std::string slug(std::string_view title) {
    std::string s;
    for (const char c : title) {
        if (std::isalnum(static_cast<unsigned char>(c)))
            s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        else if (!s.empty() && s.back() != '-')
            s += '-';
    }
    return s;
}

Response json_reply(int status, const json& body) {
    return Response(status, "application/json", body.dump() + "\n");
}

// A WebDAV reply reused by the API: its errors become the API's error shape.
Response as_api(Response r) {
    if (r.status < 400) return r;
    std::string message = r.body;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    if (message.starts_with("<?xml")) message = std::string(title_of(r.status));
    return api_error(r.status, message);
}

std::string text_of(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_null()) return "";
    if (v.is_array()) {
        std::string out;
        for (const auto& item : v) out += (out.empty() ? "" : ",") + text_of(item);
        return out;
    }
    return v.dump();
}

std::optional<json> body_object(const Request& req) {
    if (req.body.empty()) return json::object();
    auto j = json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
}

std::optional<int> int_param(const std::map<std::string, std::string>& q, const std::string& name,
                             int lo, int hi, int fallback, std::string& error) {
    const auto it = q.find(name);
    if (it == q.end()) return fallback;
    try {
        std::size_t used = 0;
        const long v = std::stol(it->second, &used);
        if (used == it->second.size() && v >= lo && v <= hi) return static_cast<int>(v);
    } catch (const std::exception&) {
    }
    error =
        name + ": expected a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
    return std::nullopt;
}

}  // namespace

Response api_error(int status, std::string message) {
    const auto title = title_of(status);
    return Response(
        status, "application/json",
        error_json(std::string(family_of(status)) + "/" + slug(title), status, title, message) +
            "\n");
}

struct Api::Route {
    std::string_view method;
    std::string_view pattern;  // "{name}" is one segment; a final "{path}" is the rest
    Access access;
    Response (Api::*fn)(Request&);
    std::string_view summary;
    Prepared (Api::*stream)(Request&) = nullptr;  // takes the body as a stream
};

const std::vector<Api::Route>& Api::routes() {
    static const std::vector<Api::Route> routes = {
        {"POST", "/sessions", Access::anyone, &Api::sessions_create,
         "log in with username and password; returns a session id for X-FilesAPI-Auth"},
        {"DELETE", "/sessions", Access::user, &Api::sessions_delete, "log out (end this session)"},
        {"GET", "/me", Access::user, &Api::me, "the current user"},
        {"GET", "/users", Access::admin, &Api::users_list,
         "list users (search, disabled, cursor, per_page)"},
        {"POST", "/users", Access::admin, &Api::users_create, "create a user"},
        {"GET", "/users/{id}", Access::admin, &Api::users_show, "show a user"},
        {"PATCH", "/users/{id}", Access::admin, &Api::users_update,
         "update a user's fields, password, or disabled (enable/disable)"},
        {"DELETE", "/users/{id}", Access::admin, &Api::users_delete, "delete a user"},
        {"POST", "/users/{id}/unlock", Access::admin, &Api::users_unlock, "lift a lockout"},
        {"GET", "/history", Access::user, &Api::history,
         "the action log, newest first (action, failure_type, username, interface, ip, since, "
         "until, cursor, per_page); users see their own entries"},
        {"GET", "/folders/{path}", Access::user, &Api::folders_list, "list a folder"},
        {"POST", "/folders/{path}", Access::user, &Api::folders_create, "create a folder"},
        {"GET", "/files/{path}", Access::user, &Api::files_download,
         "download a file (Range supported)"},
        {"PUT", "/files/{path}", Access::user, nullptr,
         "upload a file (the body, streamed, any size)", &Api::files_upload},
        {"DELETE", "/files/{path}", Access::user, &Api::files_delete,
         "delete a file or a folder with its contents"},
        {"POST", "/file_actions/move/{path}", Access::user, &Api::files_move,
         "move or rename ({\"destination\": \"/new/path\", \"overwrite\": false})"},
        {"POST", "/file_actions/copy/{path}", Access::user, &Api::files_copy,
         "copy ({\"destination\": \"/new/path\", \"overwrite\": false})"},
        {"GET", "/openapi.json", Access::anyone, &Api::openapi_document,
         "this OpenAPI 3 description"},
    };
    return routes;
}

namespace {

// Matches `path` against a pattern, filling `params`.
bool matches(std::string_view pattern, std::string_view path,
             std::map<std::string, std::string>& params) {
    params.clear();
    std::size_t pi = 0, ti = 0;
    while (pi < pattern.size()) {
        if (pattern[pi] == '{') {
            const auto close = pattern.find('}', pi);
            const std::string name(pattern.substr(pi + 1, close - pi - 1));
            if (name == "path" && close + 1 == pattern.size()) {
                const auto rest = path.substr(std::min(ti, path.size()));
                params[name] = "/" + std::string(rest);
                return true;
            }
            const auto end = std::min(path.find('/', ti), path.size());
            if (end == ti) return false;
            params[name] = std::string(path.substr(ti, end - ti));
            ti = end;
            pi = close + 1;
            continue;
        }
        // A "{path}" may be empty: "/folders" matches "/folders/{path}".
        if (pattern.substr(pi) == "/{path}" && ti == path.size()) {
            params["path"] = "/";
            return true;
        }
        if (ti >= path.size() || pattern[pi] != path[ti]) return false;
        ++pi;
        ++ti;
    }
    return ti == path.size();
}

}  // namespace

Prepared Api::prepare(Request& req, const std::string& path) {
    route_ = nullptr;
    bool path_known = false;
    for (const auto& r : routes()) {
        if (!matches(r.pattern, path, params_)) continue;
        path_known = true;
        if (r.method == req.method || (r.method == "GET" && req.method == "HEAD")) {
            route_ = &r;
            break;
        }
    }
    if (!route_) {
        if (path_known) return {api_error(405, "method not allowed here"), nullptr};
        return {api_error(404, "no such route: " + path), nullptr};
    }
    if (route_->access != Access::anyone) {
        if (auto refused = login_.login_api(req)) return {std::move(refused), nullptr};
        if (route_->access == Access::admin && !login_.user().site_admin)
            return {api_error(403, "this needs a site administrator"), nullptr};
    }
    if (route_->stream) return (this->*route_->stream)(req);
    return {};
}

Response Api::handle(Request& req) {
    return (this->*route_->fn)(req);
}

Response Api::openapi_document(Request&) {
    return json_reply(200, openapi());
}

json Api::openapi() {
    json paths = json::object();
    for (const auto& r : routes()) {
        json op{{"summary", r.summary},
                {"responses",
                 {{"default", {{"description", "an error: {type, http-code, title, error}"}}},
                  {"2XX", {{"description", "success"}}}}}};
        json params = json::array();
        for (std::size_t i = r.pattern.find('{'); i != std::string_view::npos;
             i = r.pattern.find('{', i + 1)) {
            const auto name = r.pattern.substr(i + 1, r.pattern.find('}', i) - i - 1);
            params.push_back({{"name", name},
                              {"in", "path"},
                              {"required", true},
                              {"schema", {{"type", name == "id" ? "integer" : "string"}}}});
        }
        if (!params.empty()) op["parameters"] = params;
        op["security"] =
            r.access == Access::anyone
                ? json::array()
                : json::array({{{"api_key", json::array()}}, {{"session", json::array()}}});
        std::string method(r.method);
        for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        paths[std::string(kApiPrefix) + std::string(r.pattern)][method] = op;
    }
    return {
        {"openapi", "3.0.3"},
        {"info", {{"title", "drawbridge REST API"}, {"version", "1"}}},
        {"paths", paths},
        {"components",
         {{"securitySchemes",
           {{"api_key", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-FilesAPI-Key"}}},
            {"session", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-FilesAPI-Auth"}}}}}}}};
}

Response Api::sessions_create(Request& req) {
    const auto body = body_object(req);
    if (!body || !(*body)["username"].is_string() || !(*body)["password"].is_string())
        return api_error(400, "expected {\"username\": ..., \"password\": ...}");
    const auto outcome =
        services_.gate.attempt({(*body)["username"].get<std::string>(),
                                core::Interface::restapi,
                                req.peer_ip,
                                core::PasswordCredential{(*body)["password"].get<std::string>()},
                                {},
                                {}});
    if (!outcome.ok()) {
        const auto reason = outcome.kind == core::LoginOutcome::Kind::partial
                                ? core::FailureReason::second_factor_required
                                : outcome.reason;
        return Response(http_failure(reason).status, "application/json",
                        login_error_json(reason, outcome.detail) + "\n");
    }
    const auto minutes = services_.gate.site_settings().session_expiry_minutes;
    const std::string token =
        services_.sessions.create(outcome.user->id, std::chrono::minutes(minutes));
    return json_reply(201, {{"id", token},
                            {"username", outcome.user->username},
                            {"expires_at", core::format_time(std::time(nullptr) + minutes * 60)}});
}

Response Api::sessions_delete(Request& req) {
    const auto token = req.header("x-filesapi-auth");
    if (token.empty()) return api_error(400, "no session: log in with X-FilesAPI-Auth");
    services_.sessions.remove(std::string(token));
    return Response(204);
}

Response Api::me(Request&) {
    return json_reply(
        200, views::to_json(login_.user(), services_.gate.site_settings(), std::time(nullptr)));
}

std::optional<core::User> Api::user_param(Response& error) {
    std::int64_t id = 0;
    try {
        std::size_t used = 0;
        id = std::stoll(params_["id"], &used);
        if (used != params_["id"].size()) id = 0;
    } catch (const std::exception&) {
    }
    auto user = id > 0 ? services_.store.find_user(id) : std::nullopt;
    if (!user) error = api_error(404, "no user with id " + params_["id"]);
    return user;
}

Response Api::users_list(Request& req) {
    const auto q = parse_query(req.target);
    std::string error;
    const auto per_page = int_param(q, "per_page", 1, 1000, 100, error);
    if (!per_page) return api_error(400, error);
    store::UserFilter filter;
    if (q.contains("search")) filter.search = q.at("search");
    if (q.contains("disabled")) {
        if (q.at("disabled") != "true" && q.at("disabled") != "false")
            return api_error(400, "disabled: expected true or false");
        filter.disabled = q.at("disabled") == "true";
    }
    if (q.contains("cursor")) filter.after_username = q.at("cursor");
    filter.limit = *per_page + 1;
    auto users = services_.store.list_users(filter);
    const bool more = users.size() > static_cast<std::size_t>(*per_page);
    if (more) users.resize(static_cast<std::size_t>(*per_page));
    const auto site = services_.gate.site_settings();
    json out = json::array();
    for (const auto& u : users) out.push_back(views::to_json(u, site, std::time(nullptr)));
    Response r = json_reply(200, out);
    if (more) r.set("X-Files-Cursor", users.back().username);
    return r;
}

Response Api::users_create(Request& req) {
    const auto body = body_object(req);
    if (!body || !(*body)["username"].is_string())
        return api_error(400, "expected a JSON object with a username");
    auth::NewUser spec;
    spec.username = (*body)["username"].get<std::string>();
    for (const auto& [k, v] : body->items()) {
        if (k == "username") continue;
        if (k == "password")
            spec.password = text_of(v);
        else
            spec.fields.emplace_back(k, text_of(v));
    }
    try {
        const auto user =
            services_.accounts.create_user(spec, {core::Interface::restapi, req.peer_ip});
        return json_reply(201,
                          views::to_json(user, services_.gate.site_settings(), std::time(nullptr)));
    } catch (const store::Conflict& e) {
        return api_error(409, e.what());
    } catch (const auth::AccountError& e) {
        return api_error(400, e.what());
    }
}

Response Api::users_show(Request&) {
    Response error;
    const auto user = user_param(error);
    if (!user) return error;
    return json_reply(200,
                      views::to_json(*user, services_.gate.site_settings(), std::time(nullptr)));
}

Response Api::users_update(Request& req) {
    Response error;
    const auto user = user_param(error);
    if (!user) return error;
    const auto body = body_object(req);
    if (!body) return api_error(400, "expected a JSON object of fields");
    const auth::Actor actor{core::Interface::restapi, req.peer_ip};
    try {
        auth::FieldValues fields;
        for (const auto& [k, v] : body->items())
            if (k != "password" && k != "require_password_change")
                fields.emplace_back(k, text_of(v));
        core::User updated = *user;
        if (!fields.empty())
            updated = services_.accounts.update_user(user->username, fields, actor);
        if (body->contains("password"))
            updated = services_.accounts.set_password(user->username, text_of((*body)["password"]),
                                                      body->value("require_password_change", false),
                                                      actor);
        if (updated.disabled) services_.sessions.remove_user(updated.id);
        return json_reply(
            200, views::to_json(updated, services_.gate.site_settings(), std::time(nullptr)));
    } catch (const store::Conflict& e) {
        return api_error(409, e.what());
    } catch (const auth::AccountError& e) {
        return api_error(400, e.what());
    }
}

Response Api::users_delete(Request& req) {
    Response error;
    const auto user = user_param(error);
    if (!user) return error;
    try {
        services_.accounts.delete_user(user->username, {core::Interface::restapi, req.peer_ip});
    } catch (const auth::AccountError& e) {
        return api_error(400, e.what());
    }
    services_.sessions.remove_user(user->id);
    return Response(204);
}

Response Api::users_unlock(Request& req) {
    Response error;
    const auto user = user_param(error);
    if (!user) return error;
    const auto updated =
        services_.accounts.unlock(user->username, {core::Interface::restapi, req.peer_ip});
    return json_reply(200,
                      views::to_json(updated, services_.gate.site_settings(), std::time(nullptr)));
}

Response Api::history(Request& req) {
    const auto q = parse_query(req.target);
    core::ActionLogQuery query;
    std::string error;
    const auto per_page = int_param(q, "per_page", 1, 1000, 100, error);
    if (!per_page) return api_error(400, error);
    query.limit = *per_page;
    if (q.contains("action")) query.action = q.at("action");
    if (q.contains("username")) query.username = q.at("username");
    if (q.contains("failure_type")) {
        query.failure_type = core::parse_failure_reason(q.at("failure_type"));
        if (!query.failure_type) return api_error(400, "failure_type: unknown type");
    }
    if (q.contains("interface")) {
        query.interface = core::parse_interface(q.at("interface"));
        if (!query.interface)
            return api_error(400, "interface: expected sftp, ftp, dav, restapi, web or cli");
    }
    if (q.contains("ip")) query.ip = q.at("ip");
    for (const auto& [name, field] :
         {std::pair{"since", &query.since}, std::pair{"until", &query.until}}) {
        if (!q.contains(name)) continue;
        *field = core::parse_time(q.at(name));
        if (!*field)
            return api_error(400,
                             std::string(name) + ": expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
    }
    if (q.contains("cursor")) {
        std::string cursor_error;
        const auto c = int_param(q, "cursor", 1, INT32_MAX, 0, cursor_error);
        if (!c) return api_error(400, cursor_error);
        query.cursor = *c;
    }
    // A user sees its own entries only.
    if (!login_.user().site_admin) query.username = login_.user().username;
    const auto page = services_.log.search(query);
    json entries = json::array();
    for (const auto& e : page.entries) entries.push_back(views::to_json(e));
    return json_reply(
        200, {{"entries", entries},
              {"next_cursor", page.next_cursor ? json(*page.next_cursor) : json(nullptr)}});
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
        if (entry->first.starts_with(vfs::AtomicUpload::kTempPrefix)) continue;
        const auto& s = entry->second;
        out.push_back({{"path", (path == "/" ? "/" : path + "/") + entry->first},
                       {"type", S_ISDIR(s.st_mode) ? "directory" : "file"},
                       {"size", S_ISDIR(s.st_mode) ? 0 : s.st_size},
                       {"mtime", core::format_time(s.st_mtim.tv_sec)}});
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
