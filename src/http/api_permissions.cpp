// REST API: folder permissions, the per-path rules of a user (core/folder_permission.h), the
// Files.com way: GET /permissions?user_id=, POST /permissions, DELETE /permissions/{id}. They go
// through auth::Accounts, as `drawbridge permission ...` does (src/app/cli_permissions.cpp).
#include "http/api.h"
#include "http/api_internal.h"
#include "http/router.h"
#include "http/uri.h"
#include "views/json.h"

namespace drawbridge::http {
using nlohmann::json;
using namespace apiutil;

namespace {

// A positive whole number: a user's or a rule's id.
std::optional<std::int64_t> id_of(const json& v) {
    if (v.is_number_integer() && v.get<std::int64_t>() > 0) return v.get<std::int64_t>();
    if (!v.is_string()) return std::nullopt;
    const auto& text = v.get_ref<const std::string&>();
    try {
        std::size_t used = 0;
        const long long id = std::stoll(text, &used);
        if (used == text.size() && id > 0) return id;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

}  // namespace

std::optional<core::User> Api::user_of_id(const json& value, Response& error) {
    const auto id = id_of(value);
    if (!id) {
        error = api_error(400, "user_id: expected a user's id");
        return std::nullopt;
    }
    auto user = services_.store.find_user(*id);
    if (!user) error = api_error(404, "no user with id " + std::to_string(*id));
    return user;
}

Response Api::permissions_list(Request& req) {
    const auto q = parse_query(req.target);
    if (!q.contains("user_id")) return api_error(400, "user_id: required");
    Response error;
    const auto user = user_of_id(json(q.at("user_id")), error);
    if (!user) return error;
    json out = json::array();
    for (const auto& rule : services_.accounts.list_folder_permissions(user->username))
        out.push_back(views::to_json(rule));
    return json_reply(200, out);
}

Response Api::permissions_create(Request& req) {
    const auto body = body_object(req);
    if (!body || !body->contains("user_id") || !(*body)["path"].is_string() ||
        !(*body)["permission"].is_string())
        return api_error(400,
                         "expected {\"user_id\": 1, \"path\": \"/folder\", \"permission\": "
                         "\"list,read\"}");
    Response error;
    const auto user = user_of_id((*body)["user_id"], error);
    if (!user) return error;
    const auto granted = core::parse_permission_set((*body)["permission"].get<std::string>());
    if (!granted)
        return api_error(400,
                         "permission: expected names among list, read, write, delete "
                         "(comma-separated), 'all' or 'none'");
    try {
        const auto rule = services_.accounts.set_folder_permission(
            user->username, (*body)["path"].get<std::string>(), *granted,
            {login_.interface(), req.peer_ip});
        return json_reply(201, views::to_json(rule));
    } catch (const auth::AccountError& e) {
        return api_error(400, e.what());
    }
}

Response Api::permissions_delete(Request& req) {
    const auto id = id_of(json(params_["id"]));
    const auto rule = id ? services_.store.find_folder_permission(*id) : std::nullopt;
    const auto user = rule ? services_.store.find_user(rule->user_id) : std::nullopt;
    if (!user) return api_error(404, "no folder permission with id " + params_["id"]);
    try {
        services_.accounts.remove_folder_permission(user->username, rule->path,
                                                    {login_.interface(), req.peer_ip});
    } catch (const auth::AccountError& e) {
        return api_error(404, e.what());
    }
    return Response(204);
}

}  // namespace drawbridge::http
