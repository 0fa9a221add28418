#include "http/api.h"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <vector>

#include "core/password_policy.h"
#include "http/api_internal.h"
#include "http/api_openapi.h"
#include "http/dav.h"
#include "http/failure_wire.h"
#include "http/router.h"
#include "http/uri.h"
#include "http/web_session.h"
#include "views/json.h"

namespace drawbridge::http {
using nlohmann::json;
using namespace apiutil;

namespace {

// `page`: anyone, and part of showing a page of the web UI, so a connection that asked only for
// pages and these is not an abandoned login (docs/login-gate.md#http-abandoned).
enum class Access { anyone, page, user, admin };

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
}  // namespace

namespace apiutil {

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

std::optional<std::string> optional_text(const json& body, const char* field) {
    const auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::string();
    if (!it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

json password_check_json(const std::string& password, const core::SiteSettings& site) {
    const auto unmet = core::check_password(password, site);
    json rules = json::array();
    for (const auto& rule : core::password_rules(site)) {
        const bool failed = std::any_of(unmet.begin(), unmet.end(),
                                        [&](const auto& v) { return v.rule == rule.rule; });
        rules.push_back(
            {{"rule", core::to_string(rule.rule)},
             {"message", rule.message},
             {"met", rule.rule == core::PasswordRule::reused ? json(nullptr) : json(!failed)}});
    }
    return {{"acceptable", unmet.empty()}, {"rules", rules}};
}

std::optional<int> int_param(const std::map<std::string, std::string>& q, const std::string& name,
                             IntRange range, std::string& error) {
    const auto it = q.find(name);
    if (it == q.end()) return range.fallback;
    try {
        std::size_t used = 0;
        const long v = std::stol(it->second, &used);
        if (used == it->second.size() && v >= range.lo && v <= range.hi) return static_cast<int>(v);
    } catch (const std::exception&) {
    }
    error = name + ": expected a whole number from " + std::to_string(range.lo) + " to " +
            std::to_string(range.hi);
    return std::nullopt;
}
}  // namespace apiutil

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
        {"GET", "/sessions", Access::user, &Api::sessions_show,
         "this session: its user, interface, and whether it may only change the password"},
        {"DELETE", "/sessions", Access::user, &Api::sessions_delete, "log out (end this session)"},
        {"GET", "/me", Access::user, &Api::me, "the current user"},
        {"GET", "/users", Access::admin, &Api::users_list,
         "list users (search, disabled, authentication_method, cursor, per_page)"},
        {"POST", "/users", Access::admin, &Api::users_create, "create a user"},
        {"GET", "/users/{id}", Access::admin, &Api::users_show, "show a user"},
        {"PATCH", "/users/{id}", Access::admin, &Api::users_update,
         "update a user's fields, password, or disabled (enable/disable)"},
        {"DELETE", "/users/{id}", Access::admin, &Api::users_delete, "delete a user"},
        {"POST", "/users/{id}/unlock", Access::admin, &Api::users_unlock, "lift a lockout"},
        {"POST", "/users/{id}/enable", Access::admin, &Api::users_enable, "enable a user"},
        {"POST", "/users/{id}/disable", Access::admin, &Api::users_disable,
         "disable a user (its API sessions end)"},
        {"GET", "/users/{id}/api_keys", Access::user, &Api::api_keys_list,
         "a user's API keys (administrators; users their own when the site allows)"},
        {"POST", "/users/{id}/api_keys", Access::user, &Api::api_keys_create,
         "create an API key ({name, description, expires_at}); the key is shown once"},
        {"DELETE", "/users/{id}/api_keys/{key}", Access::user, &Api::api_keys_delete,
         "revoke an API key (by id or name)"},
        {"GET", "/users/{id}/ssh_keys", Access::user, &Api::ssh_keys_list, "a user's SSH keys"},
        {"POST", "/users/{id}/ssh_keys", Access::user, &Api::ssh_keys_create,
         "add an SSH key ({public_key, title})"},
        {"DELETE", "/users/{id}/ssh_keys/{key}", Access::user, &Api::ssh_keys_delete,
         "remove an SSH key (by id or SHA256 fingerprint)"},
        {"GET", "/permissions", Access::admin, &Api::permissions_list,
         "a user's folder permissions (user_id), by path"},
        {"POST", "/permissions", Access::admin, &Api::permissions_create,
         "set the folder permission of a user at a path ({user_id, path, permission}), "
         "replacing the rule there"},
        {"DELETE", "/permissions/{id}", Access::admin, &Api::permissions_delete,
         "remove a folder permission (the rule above its path applies again)"},
        {"GET", "/site", Access::admin, &Api::site_show, "the site settings"},
        {"GET", "/site/schema", Access::admin, &Api::site_schema,
         "every site setting in its group, with its kind, default and range or choices"},
        {"PATCH", "/site", Access::admin, &Api::site_update,
         "change site settings (validated, with range errors)"},
        {"POST", "/me/password", Access::user, &Api::me_password,
         "change the current user's password ({password}) under the policy"},
        {"GET", "/me/generate_password", Access::user, &Api::me_generate_password,
         "a generated password that satisfies the policy"},
        {"POST", "/me/password_check", Access::user, &Api::me_password_check,
         "the site's password rules, each with whether {password} meets it (nothing is changed)"},
        {"GET", "/history", Access::user, &Api::history,
         "the action log, newest first (action, failure_type, username, interface, ip, since, "
         "until, cursor, per_page); users see their own entries"},
        {"GET", "/history/summary", Access::admin, &Api::history_summary,
         "logins and refused logins per hour or day (since, until, bucket), each bucket by "
         "failure_type and interface"},
        {"GET", "/active_sessions", Access::admin, &Api::active_sessions,
         "sessions open now per interface: this node's logged-in connections and the live REST "
         "and web sessions"},
        {"GET", "/bans", Access::admin, &Api::bans_list,
         "addresses banned by brute-force protection (all=true: expired bans too)"},
        {"DELETE", "/bans/{ip}", Access::admin, &Api::bans_lift,
         "lift a ban and forget the address's score (IPv6: any address of the /64)"},
        {"GET", "/nodes", Access::admin, &Api::nodes_list,
         "the node registry: every node serving this site, its region, status and last "
         "heartbeat"},
        {"DELETE", "/nodes/{name}", Access::admin, &Api::nodes_remove,
         "forget a node that no longer serves (it reappears if it starts again)"},
        {"GET", "/ip_lists", Access::admin, &Api::ip_lists_list,
         "the safe list (never scored or banned) and the block list (always refused); list="},
        {"POST", "/ip_lists", Access::admin, &Api::ip_lists_create,
         "add an address or CIDR to a list ({list: safe|block, cidr, note})"},
        {"DELETE", "/ip_lists/{entry}", Access::admin, &Api::ip_lists_delete,
         "remove a list entry, by id or by its CIDR (list= when it is on both)"},
        {"POST", "/login_check", Access::admin, &Api::login_check,
         "would {username} be admitted over {interface} from {ip}: every reason it would be "
         "refused, as the gate decides it (nothing is hashed, scored or logged)"},
        {"GET", "/folders/{path}", Access::user, &Api::folders_list, "list a folder"},
        {"POST", "/folders/{path}", Access::user, &Api::folders_create, "create a folder"},
        {"GET", "/file_actions/metadata/{path}", Access::user, &Api::files_metadata,
         "a file's or folder's path, type, size and mtime"},
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
        {"GET", "/me/2fa", Access::user, &Api::me_2fa,
         "the current user's two-factor authentication: required, app, recovery codes left, "
         "security keys"},
        {"POST", "/me/2fa/totp", Access::user, &Api::me_2fa_totp_begin,
         "begin setting up an authenticator app: its secret, otpauth URI and QR code (SVG)"},
        {"POST", "/me/2fa/totp/confirm", Access::user, &Api::me_2fa_totp_confirm,
         "turn the app on with a code from it ({code}); answers ten recovery codes, shown once"},
        {"DELETE", "/me/2fa/totp", Access::user, &Api::me_2fa_totp_delete,
         "turn the authenticator app off ({code}: a current code or a recovery code)"},
        {"POST", "/me/2fa/recovery_codes", Access::user, &Api::me_2fa_recovery_codes,
         "ten new recovery codes ({code}); the old ones stop working"},
        {"POST", "/me/2fa/webauthn/registration", Access::user, &Api::me_2fa_webauthn_options,
         "begin registering a security key: options for navigator.credentials.create() and a "
         "registration_id"},
        {"POST", "/me/2fa/webauthn", Access::user, &Api::me_2fa_webauthn_add,
         "register a security key ({registration_id, name, credential}); the first factor's "
         "answer has ten recovery codes"},
        {"DELETE", "/me/2fa/webauthn/{id}", Access::user, &Api::me_2fa_webauthn_delete,
         "remove a security key"},
        {"POST", "/users/{id}/2fa/reset", Access::admin, &Api::users_2fa_reset,
         "remove a user's authenticator app, security keys and recovery codes"},
        {"POST", "/users/{id}/resend_welcome_email", Access::admin, &Api::users_resend_welcome,
         "send the welcome mail again (a new sign-up link to an email_signup user)"},
        {"GET", "/mail", Access::admin, &Api::mail_list,
         "the outbox, newest first (state, per_page): queued, sent and failed mail with the "
         "relay's error"},
        {"POST", "/mail/test", Access::admin, &Api::mail_test,
         "queue a test mail ({to}) through the site's SMTP settings"},
        {"GET", "/mail/templates", Access::admin, &Api::mail_templates_list,
         "the text of each kind of mail (custom or the default)"},
        {"PATCH", "/mail/templates/{kind}", Access::admin, &Api::mail_templates_update,
         "change a kind's subject, text or html ({{site_name}}, {{username}}, {{link}}, "
         "{{expires_at}}, {{days}})"},
        {"DELETE", "/mail/templates/{kind}", Access::admin, &Api::mail_templates_reset,
         "go back to the shipped text of a kind"},
        {"POST", "/password_reset", Access::anyone, &Api::password_reset_request,
         "forgot password: mail a reset link ({username} or {email}); the same answer whatever "
         "exists"},
        {"POST", "/password_reset/complete", Access::anyone, &Api::password_reset_complete,
         "set the password of a sign-up or reset link ({token, password}) under the policy"},
        {"POST", "/password_reset/check", Access::anyone, &Api::password_reset_check,
         "whose password a link sets, and the site's rules, each with whether {password} meets "
         "it ({token, password}; nothing is changed, the link stays usable)"},
        {"POST", "/password_reset/generate_password", Access::anyone, &Api::password_reset_generate,
         "a generated password that satisfies the policy ({token})"},
        {"GET", "/sign_in_options", Access::page, &Api::sign_in_options,
         "what the sign-in page offers (whether password recovery by email is on)"},
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
            // A final {path} is the rest; so is a final {entry}, as a CIDR holds a '/'.
            if ((name == "path" || name == "entry") && close + 1 == pattern.size()) {
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

// What a web session that may only change the password may call: the session itself, the
// user, and changing the password (docs/web-ui.md#password-change).
bool Api::open_during_password_change(const Route& r) {
    static constexpr std::string_view kOpen[] = {"/sessions", "/me", "/me/password",
                                                 "/me/password_check", "/me/generate_password"};
    return std::find(std::begin(kOpen), std::end(kOpen), r.pattern) != std::end(kOpen);
}

// What a session that may only set up two-factor authentication may call.
bool Api::open_during_two_factor_setup(const Route& r) {
    static constexpr std::string_view kOpen[] = {"/sessions",
                                                 "/me",
                                                 "/me/2fa",
                                                 "/me/2fa/totp",
                                                 "/me/2fa/totp/confirm",
                                                 "/me/2fa/webauthn/registration",
                                                 "/me/2fa/webauthn"};
    return std::find(std::begin(kOpen), std::end(kOpen), r.pattern) != std::end(kOpen);
}

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
    if (route_->access != Access::anyone && route_->access != Access::page) {
        if (auto refused = login_.login_api(req)) return {std::move(refused), nullptr};
        if (login_.password_change_only() && !open_during_password_change(*route_))
            return {api_error(403, "the password must be changed first (POST /api/v1/me/password)"),
                    nullptr};
        if (login_.two_factor_setup_only() && !open_during_two_factor_setup(*route_))
            return {api_error(403,
                              "two-factor authentication must be set up first (POST "
                              "/api/v1/me/2fa/totp)"),
                    nullptr};
        if (route_->access == Access::admin &&
            (!login_.user().site_admin || login_.two_factor_setup_only()))
            return {api_error(403, "this needs a site administrator"), nullptr};
    }
    if (route_->stream) return (this->*route_->stream)(req);
    return {};
}

bool Api::answered_page_data() const {
    return route_ && route_->access == Access::page;
}

Response Api::handle(Request& req) {
    return (this->*route_->fn)(req);
}

Response Api::openapi_document(Request&) {
    return json_reply(200, openapi());
}

json Api::openapi() {
    std::vector<RouteDoc> docs;
    for (const auto& r : routes())
        docs.push_back({r.method, r.pattern, r.summary,
                        r.access != Access::anyone && r.access != Access::page});
    return build_openapi(docs);
}

Response Api::sessions_create(Request& req) {
    auto body = body_object(req);
    if (!body) return api_error(400, "expected {\"username\": ..., \"password\": ...}");
    const auto web = body->find("web");
    if (web != body->end() && !web->is_boolean())
        return api_error(400, "web: expected true or false");
    const bool for_web = web != body->end() && web->get<bool>();
    // A page of another site must not sign its visitor in here (login CSRF).
    if (for_web && cross_origin(req))
        return api_error(403, "a sign-in from another site is refused");
    if (body->contains("partial_session_id")) return sessions_second_step(req, *body, for_web);
    if (!(*body)["username"].is_string() || !(*body)["password"].is_string())
        return api_error(400, "expected {\"username\": ..., \"password\": ...}");
    const auto otp = optional_text(*body, "otp");
    if (!otp) return api_error(400, "otp: expected the code as a string");
    core::LoginAttempt attempt{(*body)["username"].get<std::string>(),
                               for_web ? core::Interface::web : core::Interface::restapi,
                               req.peer_ip,
                               core::PasswordCredential{(*body)["password"].get<std::string>()},
                               {},
                               {}};
    if (!otp->empty()) attempt.one_time_code = *otp;
    // Without the code, the sign-in waits for it (docs/two-factor.md): a partial_session_id.
    attempt.multi_step = true;
    // The connection's guess memo: one guess counts once, and its cap.
    const auto outcome = login_.attempt(attempt, req);
    if (outcome.kind == core::LoginOutcome::Kind::partial)
        return two_factor_required_reply(outcome, attempt);
    return session_reply(outcome, for_web);
}

// A web sign-in whose password must be changed, or whose user must set up two-factor
// authentication first, gets a session for that only.
Response Api::session_reply(const core::LoginOutcome& outcome, bool for_web) {
    const bool change_only = !outcome.ok() && outcome.grant && outcome.grant->password_change_only;
    const bool setup_only = !outcome.ok() && outcome.grant && outcome.grant->two_factor_setup_only;
    if (!outcome.ok() && !change_only && !setup_only) return api_login_refusal(outcome);
    const auto session = services_.sessions.create(*outcome.grant);
    if (!for_web)
        return json_reply(201, {{"id", session.token},
                                {"username", outcome.user->username},
                                {"expires_at", core::format_time(session.expires_at)}});
    const bool limited = change_only || setup_only;
    Response r = json_reply(
        201, {{"username", outcome.user->username},
              {"site_admin", outcome.user->site_admin && !limited},
              {"expires_at", core::format_time(session.expires_at)},
              {"csrf_token", ApiSessions::csrf_token(session.token)},
              {"password_change_only", change_only},
              {"two_factor_setup_only", setup_only},
              {"reason", limited ? login_error_text(outcome.shown, outcome.detail) : ""}});
    r.set("Set-Cookie", session_cookie(session.token));
    r.set("Cache-Control", "no-store");
    return r;
}

Response Api::sessions_show(Request&) {
    return json_reply(200,
                      {{"username", login_.user().username},
                       {"site_admin", login_.user().site_admin && !login_.password_change_only() &&
                                          !login_.two_factor_setup_only()},
                       {"interface", core::to_string(login_.interface())},
                       {"password_change_only", login_.password_change_only()},
                       {"two_factor_setup_only", login_.two_factor_setup_only()}});
}

Response Api::sessions_delete(Request& req) {
    if (const auto token = req.header("x-filesapi-auth"); !token.empty()) {
        services_.sessions.remove(token);
        return Response(204);
    }
    if (login_.interface() == core::Interface::web) {
        services_.sessions.remove(cookie_value(req, kWebCookie));
        Response r(204);
        r.set("Set-Cookie", cleared_session_cookie());
        return r;
    }
    return api_error(400, "no session: log in with X-FilesAPI-Auth");
}

Response Api::me(Request&) {
    return json_reply(
        200, views::to_json(login_.user(), services_.gate.site_settings(), std::time(nullptr)));
}

}  // namespace drawbridge::http
