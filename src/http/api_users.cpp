// REST API: users (administrators) and the action log.
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
// A hash made by another system, checked at the next login (docs/password-hashes.md); the body
// field of POST /users and PATCH /users/{id} that sets authentication_method
// password_with_imported_hash.
constexpr const char* kImportedHash = "imported_password_hash";
}  // namespace

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
    const auto per_page = int_param(q, "per_page", kPerPage, error);
    if (!per_page) return api_error(400, error);
    store::UserFilter filter;
    if (q.contains("search")) filter.search = q.at("search");
    if (q.contains("disabled")) {
        if (q.at("disabled") != "true" && q.at("disabled") != "false")
            return api_error(400, "disabled: expected true or false");
        filter.disabled = q.at("disabled") == "true";
    }
    if (q.contains("authentication_method")) {
        filter.method = core::parse_auth_method(q.at("authentication_method"));
        if (!filter.method) return api_error(400, "authentication_method: unknown method");
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
    auto body = body_object(req);
    if (!body || !(*body)["username"].is_string())
        return api_error(400, "expected a JSON object with a username");
    auth::NewUser spec;
    spec.username = (*body)["username"].get<std::string>();
    for (const auto& [k, v] : body->items()) {
        if (k == "username") continue;
        if (k == "password")
            spec.password = text_of(v);
        else if (k == kImportedHash)
            spec.imported_hash = text_of(v);
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
    auto body = body_object(req);
    if (!body) return api_error(400, "expected a JSON object of fields");
    const auth::Actor actor{core::Interface::restapi, req.peer_ip};
    // With a new password, require_password_change goes with it; alone, it is a field like any.
    const bool with_password = body->contains("password");
    const bool with_hash = body->contains(kImportedHash);
    if (with_password && with_hash)
        return api_error(400, "give either a password or an imported_password_hash, not both");
    const auto change = body->find("require_password_change");
    if (with_password && change != body->end() && !change->is_boolean())
        return api_error(400, "require_password_change: expected true or false");
    try {
        auth::FieldValues fields;
        for (const auto& [k, v] : body->items())
            if (k != "password" && k != kImportedHash &&
                (k != "require_password_change" || !with_password))
                fields.emplace_back(k, text_of(v));
        core::User updated = *user;
        // With a password, one change: a new method that takes one gets it.
        if (with_password)
            updated = services_.accounts.set_password(user->username, text_of((*body)["password"]),
                                                      change != body->end() && change->get<bool>(),
                                                      actor, fields);
        else if (!fields.empty())
            updated = services_.accounts.update_user(user->username, fields, actor);
        if (with_hash)
            updated = services_.accounts.import_password_hash(
                user->username, text_of((*body)[kImportedHash]), actor);
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

Response Api::users_enable(Request& req) {
    return users_set_disabled(req, false);
}

Response Api::users_disable(Request& req) {
    return users_set_disabled(req, true);
}

Response Api::users_set_disabled(Request& req, bool disabled) {
    Response error;
    const auto user = user_param(error);
    if (!user) return error;
    const auto updated = services_.accounts.set_disabled(user->username, disabled,
                                                         {core::Interface::restapi, req.peer_ip});
    return json_reply(200,
                      views::to_json(updated, services_.gate.site_settings(), std::time(nullptr)));
}

Response Api::history(Request& req) {
    const auto q = parse_query(req.target);
    core::ActionLogQuery query;
    std::string error;
    const auto per_page = int_param(q, "per_page", kPerPage, error);
    if (!per_page) return api_error(400, error);
    query.limit = *per_page;
    if (q.contains("action")) {
        if (!core::is_known_action(q.at("action")))
            return api_error(
                400, "action: unknown action; expected one of " + core::known_actions_text());
        query.action = q.at("action");
    }
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
        const auto c = int_param(q, "cursor", kHistoryCursor, cursor_error);
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

}  // namespace drawbridge::http
