// The REST API's mail routes (docs/mail.md#rest-api): the outbox and a test mail for
// administrators, the welcome mail again, and the routes of the sign-in page's "Forgot your
// password?" and of the page the sign-up and reset links open. Every rule is in mail::Flows.
#include <ctime>

#include "http/api.h"
#include "http/api_internal.h"
#include "http/router.h"
#include "http/uri.h"
#include "views/json.h"

namespace drawbridge::http {
using nlohmann::json;
using namespace apiutil;

namespace {
constexpr IntRange kMailPerPage{1, 1000, 100};
}

Response Api::mail_list(Request& req) {
    const auto q = parse_query(req.target);
    std::optional<core::MailState> state;
    if (const auto it = q.find("state"); it != q.end()) {
        state = core::parse_mail_state(it->second);
        if (!state) return api_error(400, "state: expected queued, sending, sent or failed");
    }
    std::string error;
    const auto limit = int_param(q, "per_page", kMailPerPage, error);
    if (!limit) return api_error(400, error);
    std::optional<std::int64_t> before;
    if (q.contains("cursor")) {
        const auto c = int_param(q, "cursor", kHistoryCursor, error);
        if (!c) return api_error(400, error);
        before = *c;
    }
    // One more than asked says whether a next page exists.
    auto rows = services_.store.list_mail(state, *limit + 1, before);
    const bool more = static_cast<int>(rows.size()) > *limit;
    if (more) rows.pop_back();
    json out = json::array();
    for (const auto& m : rows) out.push_back(views::to_json(m));
    Response r = json_reply(200, out);
    if (more) r.set("X-Files-Cursor", std::to_string(rows.back().id));
    return r;
}

Response Api::mail_test(Request& req) {
    auto body = body_object(req);
    if (!body || !(*body)["to"].is_string()) return api_error(400, "expected {\"to\": ...}");
    try {
        const auto m = services_.mail.send_test((*body)["to"].get<std::string>(),
                                                {core::Interface::restapi, req.peer_ip});
        return json_reply(202, views::to_json(m));
    } catch (const auth::AccountError& e) {
        return api_error(400, e.what());
    }
}

Response Api::users_resend_welcome(Request& req) {
    Response error;
    const auto user = user_param(error);
    if (!user) return error;
    try {
        const auto m =
            services_.mail.resend_welcome(user->username, {core::Interface::restapi, req.peer_ip});
        return json_reply(202, views::to_json(m));
    } catch (const auth::AccountError& e) {
        return api_error(400, e.what());
    }
}

// The same answer whatever exists (and whatever was sent): what happened is in the action log.
Response Api::password_reset_request(Request& req) {
    auto body = body_object(req);
    if (!body) return api_error(400, "expected {\"username\": ...} or {\"email\": ...}");
    const auto username = optional_text(*body, "username");
    const auto email = optional_text(*body, "email");
    if (!username || !email || (username->empty() && email->empty()))
        return api_error(400, "expected {\"username\": ...} or {\"email\": ...}");
    if (services_.store.load_site_settings().disable_password_reset)
        return api_error(403, "password reset by email is turned off on this site");
    services_.mail.request_reset(username->empty() ? *email : *username,
                                 {core::Interface::restapi, req.peer_ip});
    return json_reply(202, {{"message",
                             "if an account matches and has an email address, a link to reset "
                             "its password has been sent there"}});
}

Response Api::password_reset_complete(Request& req) {
    auto body = body_object(req);
    if (!body || !(*body)["token"].is_string() || !(*body)["password"].is_string())
        return api_error(400, "expected {\"token\": ..., \"password\": ...}");
    // A new password crosses the network here as in a login: in clear only where the site
    // allows logins in clear (ssl_required, docs/login-gate.md#plain-logins).
    if (!req.secure && services_.store.load_site_settings().ssl_required)
        return api_error(403, "a password is set over HTTPS only (site setting ssl_required)");
    try {
        const auto user = services_.mail.use_link((*body)["token"].get<std::string>(),
                                                  (*body)["password"].get<std::string>(),
                                                  {core::Interface::restapi, req.peer_ip});
        return json_reply(200,
                          {{"username", user.username},
                           {"authentication_method", core::to_string(user.authentication_method)}});
    } catch (const auth::AccountError& e) {
        return api_error(400, e.what());
    }
}

// The page a link opens: whose password it sets and the rules as the password is typed. Same
// refusal as complete for a link that cannot be used, so the page can say so before any typing.
Response Api::password_reset_check(Request& req) {
    auto body = body_object(req);
    if (!body || !(*body)["token"].is_string())
        return api_error(400, "expected {\"token\": ..., \"password\": ...}");
    const auto password = optional_text(*body, "password");
    if (!password) return api_error(400, "password: expected a string");
    try {
        const auto [link, user] = services_.mail.check_link((*body)["token"].get<std::string>());
        auto out = password_check_json(*password, services_.gate.site_settings());
        out["username"] = user.username;
        out["purpose"] = link.purpose;
        out["expires_at"] = core::format_time(link.expires_at);
        return json_reply(200, out);
    } catch (const auth::AccountError& e) {
        return api_error(400, e.what());
    }
}

Response Api::password_reset_generate(Request& req) {
    auto body = body_object(req);
    if (!body || !(*body)["token"].is_string()) return api_error(400, "expected {\"token\": ...}");
    try {
        services_.mail.check_link((*body)["token"].get<std::string>());
    } catch (const auth::AccountError& e) {
        return api_error(400, e.what());
    }
    return json_reply(200, {{"password", services_.accounts.generate_password()}});
}

Response Api::sign_in_options(Request&) {
    return json_reply(
        200, {{"password_reset", !services_.store.load_site_settings().disable_password_reset}});
}

namespace {
json template_json(const mail::Flows::TemplateView& v) {
    return {{"kind", v.text.kind},
            {"subject", v.text.subject},
            {"text", v.text.text},
            {"html", v.text.html},
            {"custom", v.custom}};
}
}  // namespace

Response Api::mail_templates_list(Request&) {
    json out = json::array();
    for (const auto& v : services_.mail.templates()) out.push_back(template_json(v));
    return json_reply(200, out);
}

// What the body does not name stays as it is.
Response Api::mail_templates_update(Request& req) {
    auto body = body_object(req);
    if (!body) return api_error(400, "expected {\"subject\", \"text\", \"html\"}");
    const auto kind = params_["kind"];
    std::optional<mail::Flows::TemplateView> current;
    for (auto& v : services_.mail.templates())
        if (v.text.kind == kind) current = std::move(v);
    if (!current) return api_error(404, "no mail kind '" + kind + "'");
    auto t = current->text;
    for (auto [field, target] : {std::pair{"subject", &t.subject}, std::pair{"text", &t.text},
                                 std::pair{"html", &t.html}}) {
        const auto it = body->find(field);
        if (it == body->end()) continue;
        if (!it->is_string()) return api_error(400, std::string(field) + ": expected a string");
        *target = it->get<std::string>();
    }
    try {
        services_.mail.set_template(t, {core::Interface::restapi, req.peer_ip});
    } catch (const auth::AccountError& e) {
        return api_error(400, e.what());
    }
    return json_reply(200, template_json({t, true}));
}

Response Api::mail_templates_reset(Request& req) {
    try {
        services_.mail.reset_template(params_["kind"], {core::Interface::restapi, req.peer_ip});
    } catch (const auth::AccountError& e) {
        return api_error(404, e.what());
    }
    return Response(204);
}

}  // namespace drawbridge::http
