// REST API: API keys and SSH keys of a user, site settings, and the current user's password.
#include <algorithm>
#include <ctime>

#include "core/password_policy.h"
#include "http/api.h"
#include "http/api_internal.h"
#include "http/failure_wire.h"
#include "http/router.h"
#include "http/uri.h"
#include "views/json.h"

namespace drawbridge::http {
using nlohmann::json;
using namespace apiutil;

std::optional<core::User> Api::key_owner(Response& error, auth::Accounts::KeyKind kind) {
    auto user = user_param(error);
    if (!user) return std::nullopt;
    const std::string refusal =
        services_.accounts.key_management_refusal(login_.user(), *user, kind);
    if (refusal.empty()) return user;
    error = api_error(403, refusal);
    return std::nullopt;
}

Response Api::api_keys_list(Request&) {
    Response error;
    const auto user = key_owner(error, auth::Accounts::KeyKind::api);
    if (!user) return error;
    json out = json::array();
    for (const auto& k : services_.accounts.list_api_keys(user->username))
        out.push_back(views::to_json(k));
    return json_reply(200, out);
}

Response Api::api_keys_create(Request& req) {
    Response error;
    const auto user = key_owner(error, auth::Accounts::KeyKind::api);
    if (!user) return error;
    auto body = body_object(req);
    if (!body || !(*body)["name"].is_string()) return api_error(400, "expected {\"name\": ...}");
    const auto description = optional_text(*body, "description");
    if (!description) return api_error(400, "description: expected a string");
    std::optional<core::UnixTime> expires;
    if (body->contains("expires_at") && !(*body)["expires_at"].is_null()) {
        expires = core::parse_time(text_of((*body)["expires_at"]));
        if (!expires)
            return api_error(400, "expires_at: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
    }
    return guarded([&] {
        const auto created = services_.accounts.create_api_key(
            user->username, (*body)["name"].get<std::string>(), *description, expires,
            {login_.interface(), req.peer_ip});
        json out = views::to_json(created.key);
        out["key"] = created.secret;
        return json_reply(201, out);
    });
}

Response Api::api_keys_delete(Request& req) {
    Response error;
    const auto user = key_owner(error, auth::Accounts::KeyKind::api);
    if (!user) return error;
    return guarded([&] {
        services_.accounts.revoke_api_key(user->username, params_["key"],
                                          {login_.interface(), req.peer_ip});
        return Response(204);
    });
}

Response Api::ssh_keys_list(Request&) {
    Response error;
    const auto user = key_owner(error, auth::Accounts::KeyKind::ssh);
    if (!user) return error;
    json out = json::array();
    for (const auto& k : services_.accounts.list_ssh_keys(user->username))
        out.push_back(views::to_json(k));
    return json_reply(200, out);
}

Response Api::ssh_keys_create(Request& req) {
    Response error;
    const auto user = key_owner(error, auth::Accounts::KeyKind::ssh);
    if (!user) return error;
    auto body = body_object(req);
    if (!body || !(*body)["public_key"].is_string())
        return api_error(400, "expected {\"public_key\": \"ssh-ed25519 AAAA...\", \"title\": ...}");
    const auto title = optional_text(*body, "title");
    if (!title) return api_error(400, "title: expected a string");
    return guarded([&] {
        const auto key =
            services_.accounts.add_ssh_key(user->username, (*body)["public_key"].get<std::string>(),
                                           *title, {core::Interface::restapi, req.peer_ip});
        return json_reply(201, views::to_json(key));
    });
}

Response Api::ssh_keys_delete(Request& req) {
    Response error;
    const auto user = key_owner(error, auth::Accounts::KeyKind::ssh);
    if (!user) return error;
    return guarded([&] {
        services_.accounts.remove_ssh_key(user->username, params_["key"],
                                          {login_.interface(), req.peer_ip});
        return Response(204);
    });
}

Response Api::site_show(Request&) {
    return json_reply(200, views::to_json(services_.store.load_site_settings()));
}

Response Api::site_schema(Request&) {
    return json_reply(200, views::site_schema_json());
}

Response Api::site_update(Request& req) {
    auto body = body_object(req);
    if (!body || body->empty()) return api_error(400, "expected a JSON object of settings");
    const auto before = services_.store.load_site_settings();
    auto settings = before;
    std::string changed;
    std::vector<std::pair<std::string, std::string>> values;
    for (const auto& [name, value] : body->items()) {
        values.emplace_back(name, text_of(value));
        changed +=
            (changed.empty() ? "" : ", ") + core::displayed_assignment(name, values.back().second);
    }
    // Checked together, as `site set` does: rules across fields do not depend on their order.
    if (auto e = core::set_settings(settings, values)) return api_error(400, *e);
    const auth::SiteChangeActor actor{login_.user().username, login_.interface(), req.peer_ip};
    const auto review = services_.gate.review_site_change(before, settings, &actor);
    if (review.error) return api_error(400, *review.error);
    if (!review.refusals.empty() && parse_query(req.target)["confirm"] != "true") {
        std::string why = "not changed: this change would refuse logins on this node: ";
        for (std::size_t i = 0; i < review.refusals.size(); ++i)
            why += (i ? "; " : "") + review.refusals[i];
        return api_error(409, why + ". Send it again with ?confirm=true to make it anyway");
    }
    services_.store.transaction([&] {
        services_.store.save_site_settings(settings);
        core::ActionLogEntry e;
        e.interface = core::Interface::restapi;
        e.user_id = login_.user().id;
        e.username = login_.user().username;
        e.ip = req.peer_ip;
        e.action = "site_update";
        e.detail = changed;
        services_.log.record(std::move(e));
    });
    return json_reply(200, views::to_json(settings));
}

// A change of one's own password needs the password in use now (docs/rest-api.md#own-password),
// proved through the gate like a login (a wrong one is a failedlogin that counts toward the
// lockout): a session token or API key alone, stolen, must not be enough to take the account.
// A session that may only change the password was opened by that password a moment ago.
Response Api::me_password(Request& req) {
    auto body = body_object(req);
    if (!body || !(*body)["password"].is_string())
        return api_error(400, "expected {\"password\": ...}");
    if (!login_.password_change_only()) {
        const auto current = optional_text(*body, "current_password");
        if (!current) return api_error(400, "current_password: expected a string");
        if (current->empty())
            return api_error(400,
                             "current_password: the password in use now is needed to change it");
        core::LoginAttempt attempt{login_.user().username,
                                   login_.interface(),
                                   req.peer_ip,
                                   core::PasswordCredential{*current},
                                   {},
                                   {}};
        // The password alone: this session passed its second factor when it logged in.
        attempt.second_factor_proven = true;
        const auto outcome = login_.attempt(std::move(attempt), req);
        if (!outcome.ok()) return api_login_refusal(outcome);
    }
    return guarded([&] {
        const auto user = services_.accounts.set_password(login_.user().username,
                                                          (*body)["password"].get<std::string>(),
                                                          false, {login_.interface(), req.peer_ip});
        return json_reply(200,
                          views::to_json(user, services_.gate.site_settings(), std::time(nullptr)));
    });
}

// The live checklist of the web UI's password page: every rule of the site with whether the
// password meets it. Reuse needs the user's old hashes (a full hash each), so it is left to
// POST /me/password and reported as null here.
Response Api::me_password_check(Request& req) {
    auto body = body_object(req);
    if (!body) return api_error(400, "expected {\"password\": ...}");
    const auto password = optional_text(*body, "password");
    if (!password) return api_error(400, "password: expected a string");
    return json_reply(200, password_check_json(*password, services_.gate.site_settings()));
}

Response Api::me_generate_password(Request&) {
    return json_reply(200, {{"password", services_.accounts.generate_password()}});
}

}  // namespace drawbridge::http
