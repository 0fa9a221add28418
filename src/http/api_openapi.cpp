// The operations of the OpenAPI document: for each route of the table in api.cpp, its
// parameters, request body and replies (docs/rest-api.md#the-openapi-document). Ranges and
// enumerations come from the constants and lists the handlers check with.
#include "http/api_openapi.h"

#include "http/api.h"
#include "http/api_internal.h"

namespace drawbridge::http {
using nlohmann::json;
using namespace openapi;
using apiutil::IntRange;
using apiutil::kHistoryCursor;
using apiutil::kPerPage;

namespace openapi {

json text() {
    return {{"type", "string"}};
}

json query(std::string_view name, json schema, std::string_view description) {
    return {{"name", name},
            {"in", "query"},
            {"schema", std::move(schema)},
            {"description", description}};
}

json json_body(json schema) {
    return {{"required", true},
            {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

json object(json properties, std::vector<std::string> required) {
    json o{{"type", "object"}, {"properties", std::move(properties)}};
    // OpenAPI 3.0 wants a non-empty list when "required" is there at all.
    if (!required.empty()) o["required"] = required;
    return o;
}

json reply(std::string_view description, json schema) {
    return {{"description", description},
            {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

json empty_reply(std::string_view description) {
    return {{"description", description}};
}

}  // namespace openapi

namespace {

json whole_number(IntRange range) {
    return {{"type", "integer"},
            {"minimum", range.lo},
            {"maximum", range.hi},
            {"default", range.fallback}};
}

// A history cursor is an entry id; without one, the page starts at the newest entry.
json history_cursor() {
    json s = whole_number(kHistoryCursor);
    s.erase("default");
    return s;
}

json per_page() {
    return query("per_page", whole_number(kPerPage), "entries per page");
}

json user_reply() {
    return {{"200", reply("the user", ref("User"))}};
}

json file_action_body() {
    return json_body(object({{"destination", {{"type", "string"}, {"description", "the new path"}}},
                             {"overwrite",
                              {{"type", "boolean"},
                               {"default", false},
                               {"description", "replace what is at the destination"}}}},
                            {"destination"}));
}

json file_action_replies() {
    return {{"200", reply("done; it replaced what was at the destination", ref("PathResult"))},
            {"201", reply("done", ref("PathResult"))}};
}

std::vector<Operation> build_operations() {
    const json none = json::array();
    constexpr std::string_view since_until =
        "a time: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or epoch seconds";
    return {
        {"POST",
         "/sessions",
         "createSession",
         none,
         json_body(object(
             {{"username", text()},
              {"password", {{"type", "string"}, {"format", "password"}}},
              {"otp",
               {{"type", "string"},
                {"description",
                 "the code of the user's authenticator app, or a recovery code "
                 "(docs/two-factor.md); without it a 2FA user's sign-in answers 401 "
                 "not-authorized/two-factor-authentication-required with a partial_session_id"}}},
              {"partial_session_id",
               {{"type", "string"},
                {"description",
                 "the second step of a sign-in: send it with otp instead of username and "
                 "password"}}},
              {"web",
               {{"type", "boolean"},
                {"default", false},
                {"description",
                 "sign in to the web UI: the token goes in an HttpOnly cookie, the reply has "
                 "the CSRF token to send as X-CSRF-Token (docs/web-ui.md#session)"}}}},
             {})),
         {{"201",
           reply("logged in", {{"oneOf", json::array({ref("Session"), ref("WebSession")})}})}}},
        {"GET",
         "/sessions",
         "getSession",
         none,
         nullptr,
         {{"200", reply("this session", ref("CurrentSession"))}}},
        {"DELETE",
         "/sessions",
         "deleteSession",
         none,
         nullptr,
         {{"204", empty_reply("logged out")}}},
        {"GET", "/me", "getCurrentUser", none, nullptr, user_reply()},
        {"GET",
         "/users",
         "listUsers",
         {query("search", text(), "part of the username or email"),
          query("disabled", {{"type", "boolean"}}, "only disabled (true) or enabled (false) users"),
          query("authentication_method", string_enum(auth_method_names()), "only this method"),
          query("cursor", text(), "the X-Files-Cursor header of the previous page"), per_page()},
         nullptr,
         {{"200",
           {{"description", "users, by username"},
            {"headers",
             {{"X-Files-Cursor",
               {{"description", "present when more users follow: pass it as `cursor`"},
                {"schema", text()}}}}},
            {"content", {{"application/json", {{"schema", array_of(ref("User"))}}}}}}}}},
        {"POST",
         "/users",
         "createUser",
         none,
         json_body(ref("UserCreate")),
         {{"201", reply("the new user", ref("User"))}}},
        {"GET", "/users/{id}", "getUser", none, nullptr, user_reply()},
        {"PATCH", "/users/{id}", "updateUser", none, json_body(ref("UserUpdate")), user_reply()},
        {"DELETE", "/users/{id}", "deleteUser", none, nullptr, {{"204", empty_reply("deleted")}}},
        {"POST", "/users/{id}/unlock", "unlockUser", none, nullptr, user_reply()},
        {"POST", "/users/{id}/enable", "enableUser", none, nullptr, user_reply()},
        {"POST", "/users/{id}/disable", "disableUser", none, nullptr, user_reply()},
        {"GET",
         "/users/{id}/api_keys",
         "listApiKeys",
         none,
         nullptr,
         {{"200", reply("the user's API keys", array_of(ref("ApiKey")))}}},
        {"POST",
         "/users/{id}/api_keys",
         "createApiKey",
         none,
         json_body(
             object({{"name", text()},
                     {"description", text()},
                     {"expires_at",
                      {{"type", "string"}, {"nullable", true}, {"description", since_until}}}},
                    {"name"})),
         {{"201", reply("the new key, with its secret", ref("ApiKeyCreated"))}}},
        {"DELETE",
         "/users/{id}/api_keys/{key}",
         "deleteApiKey",
         none,
         nullptr,
         {{"204", empty_reply("revoked")}}},
        {"GET",
         "/users/{id}/ssh_keys",
         "listSshKeys",
         none,
         nullptr,
         {{"200", reply("the user's SSH keys", array_of(ref("SshKey")))}}},
        {"POST",
         "/users/{id}/ssh_keys",
         "createSshKey",
         none,
         json_body(object(
             {{"public_key", {{"type", "string"}, {"description", "an OpenSSH public key line"}}},
              {"title", text()}},
             {"public_key"})),
         {{"201", reply("the added key", ref("SshKey"))}}},
        {"DELETE",
         "/users/{id}/ssh_keys/{key}",
         "deleteSshKey",
         none,
         nullptr,
         {{"204", empty_reply("removed")}}},
        {"GET",
         "/permissions",
         "listPermissions",
         {query("user_id", {{"type", "integer"}, {"minimum", 1}}, "the user (required)")},
         nullptr,
         {{"200", reply("the user's folder permissions, by path", array_of(ref("Permission")))}}},
        {"POST",
         "/permissions",
         "createPermission",
         none,
         json_body(ref("PermissionCreate")),
         {{"201", reply("the rule as stored", ref("Permission"))}}},
        {"DELETE",
         "/permissions/{id}",
         "deletePermission",
         none,
         nullptr,
         {{"204", empty_reply("removed")}}},
        {"GET",
         "/site",
         "getSite",
         none,
         nullptr,
         {{"200", reply("the site settings", ref("SiteSettings"))}}},
        {"GET",
         "/site/schema",
         "getSiteSchema",
         none,
         nullptr,
         {{"200", reply("every setting in its group, with its kind, default and range or choices",
                        ref("SiteSchema"))}}},
        {"PATCH",
         "/site",
         "updateSite",
         {query("confirm", {{"type", "boolean"}},
                "make a change that would refuse logins on this node (answered 409 without)")},
         json_body(ref("SiteSettingsUpdate")),
         {{"200", reply("the site settings after the change", ref("SiteSettings"))},
          {"409", reply("not changed: it would refuse logins on this node (the error says "
                        "which); send it again with confirm=true",
                        ref("Error"))}}},
        {"POST",
         "/users/{id}/resend_welcome_email",
         "resendWelcomeEmail",
         none,
         nullptr,
         {{"202", reply("queued", ref("OutboxMail"))}}},
        {"GET",
         "/mail",
         "listMail",
         {query("state", string_enum({"queued", "sending", "sent", "failed"}), "only this state"),
          query("cursor", history_cursor(), "the X-Files-Cursor header of the previous page"),
          per_page()},
         nullptr,
         {{"200",
           {{"description", "outbox rows, newest first (without their bodies)"},
            {"headers",
             {{"X-Files-Cursor",
               {{"description", "present when older rows follow: pass it as `cursor`"},
                {"schema", text()}}}}},
            {"content", {{"application/json", {{"schema", array_of(ref("OutboxMail"))}}}}}}}}},
        {"POST",
         "/mail/test",
         "sendTestMail",
         none,
         json_body(object({{"to", text()}}, {"to"})),
         {{"202", reply("queued", ref("OutboxMail"))}}},
        {"GET",
         "/mail/templates",
         "listMailTemplates",
         none,
         nullptr,
         {{"200", reply("every kind", array_of(ref("MailTemplate")))}}},
        {"PATCH",
         "/mail/templates/{kind}",
         "updateMailTemplate",
         none,
         json_body(object({{"subject", text()}, {"text", text()}, {"html", text()}}, {})),
         {{"200", reply("the kind's text now", ref("MailTemplate"))}}},
        {"DELETE",
         "/mail/templates/{kind}",
         "resetMailTemplate",
         none,
         nullptr,
         {{"204", empty_reply("the default again")}}},
        {"POST",
         "/password_reset",
         "requestPasswordReset",
         none,
         json_body(object({{"username", text()}, {"email", text()}}, {})),
         {{"202", reply("the same answer whether or not an account matched",
                        object({{"message", text()}}, {"message"}))}}},
        {"POST",
         "/password_reset/complete",
         "completePasswordReset",
         none,
         json_body(
             object({{"token", text()}, {"password", {{"type", "string"}, {"format", "password"}}}},
                    {"token", "password"})),
         {{"200", reply("the password is set",
                        object({{"username", text()},
                                {"authentication_method", string_enum(auth_method_names())}},
                               {"username", "authentication_method"}))}}},
        {"POST",
         "/password_reset/check",
         "checkPasswordResetLink",
         none,
         json_body(
             object({{"token", text()}, {"password", {{"type", "string"}, {"format", "password"}}}},
                    {"token"})),
         {{"200", reply("the link is valid: its user and the rules, each met or not",
                        ref("LinkPasswordCheck"))}}},
        {"POST",
         "/password_reset/generate_password",
         "generatePasswordForLink",
         none,
         json_body(object({{"token", text()}}, {"token"})),
         {{"200", reply("a password the policy accepts", ref("GeneratedPassword"))}}},
        {"GET",
         "/sign_in_options",
         "getSignInOptions",
         none,
         nullptr,
         {{"200", reply("what the sign-in page offers",
                        object({{"password_reset",
                                 {{"type", "boolean"},
                                  {"description",
                                   "POST /password_reset is on "
                                   "(site setting disable_password_reset false)"}}}},
                               {"password_reset"}))}}},
        {"POST", "/me/password", "changePassword", none,
         json_body(
             object({{"password", {{"type", "string"}, {"format", "password"}}},
                     {"current_password",
                      {{"type", "string"},
                       {"format", "password"},
                       {"description",
                        "the password in use now; needed unless the session may only change the "
                        "password"}}}},
                    {"password"})),
         user_reply()},
        {"GET",
         "/me/generate_password",
         "generatePassword",
         none,
         nullptr,
         {{"200", reply("a password the policy accepts", ref("GeneratedPassword"))}}},
        {"POST",
         "/me/password_check",
         "checkPassword",
         none,
         json_body(
             object({{"password", {{"type", "string"}, {"format", "password"}}}}, {"password"})),
         {{"200", reply("the site's rules, each met or not", ref("PasswordCheck"))}}},
        {"GET",
         "/history",
         "listHistory",
         {query("action", string_enum(action_names()), "only this action"),
          query("failure_type", string_enum(failure_type_names()), "only this refusal reason"),
          query("username", text(), "only this username (any case; users see only their own)"),
          query("interface", string_enum(interface_names()), "only this interface"),
          query("ip", text(), "only this address"), query("since", text(), since_until),
          query("until", text(), "before this time (same forms as since)"),
          query("cursor", history_cursor(), "the next_cursor of the previous page"), per_page()},
         nullptr,
         {{"200", reply("entries, newest first", ref("HistoryPage"))}}},
        {"GET",
         "/folders/{path}",
         "listFolder",
         {query("sort_by", string_enum({"name", "size", "mtime"}),
                "folders first, then by this (default name; a name breaks ties)"),
          query("order", string_enum({"asc", "desc"}), "ascending (default) or descending"),
          query("cursor", text(), "the X-Files-Cursor header of the previous page"),
          query("per_page", whole_number(kPerPage),
                "entries per page; without it or a cursor, the whole folder")},
         nullptr,
         {{"200",
           {{"description", "the folder's entries"},
            {"headers",
             {{"X-Files-Cursor",
               {{"description", "present when more entries follow: pass it as `cursor`"},
                {"schema", text()}}}}},
            {"content", {{"application/json", {{"schema", array_of(ref("FileEntry"))}}}}}}}}},
        {"POST",
         "/folders/{path}",
         "createFolder",
         none,
         nullptr,
         {{"201", reply("the new folder", ref("FileEntry"))}}},
        {"GET",
         "/file_actions/metadata/{path}",
         "getMetadata",
         none,
         nullptr,
         {{"200", reply("the file or folder", ref("FileEntry"))}}},
        {"GET",
         "/files/{path}",
         "downloadFile",
         {{{"name", "Range"},
           {"in", "header"},
           {"schema", text()},
           {"description", "one byte range, e.g. bytes=0-99"}}},
         nullptr,
         {{"200",
           {{"description", "the file"},
            {"content", {{"*/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}}},
          {"206",
           {{"description", "the requested range"},
            {"content", {{"*/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}}},
          {"304", empty_reply("not modified (If-None-Match)")}}},
        {"PUT",
         "/files/{path}",
         "uploadFile",
         none,
         {{"required", true},
          {"content",
           {{"application/octet-stream",
             {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}},
         {{"201", reply("stored under its name once complete", ref("FileEntry"))}}},
        {"DELETE",
         "/files/{path}",
         "deleteFile",
         none,
         nullptr,
         {{"204", empty_reply("deleted (a folder with all it holds)")}}},
        {"POST", "/file_actions/move/{path}", "moveFile", none, file_action_body(),
         file_action_replies()},
        {"POST", "/file_actions/copy/{path}", "copyFile", none, file_action_body(),
         file_action_replies()},
        {"GET",
         "/openapi.json",
         "getOpenApiDocument",
         none,
         nullptr,
         {{"200", reply("this document", {{"type", "object"}})}}},
    };
}

const std::vector<Operation>& operations() {
    static const std::vector<Operation> ops = [] {
        auto all = build_operations();
        for (auto& op : security_operations()) all.push_back(std::move(op));
        for (auto& op : two_factor_operations()) all.push_back(std::move(op));
        return all;
    }();
    return ops;
}

}  // namespace

std::vector<std::pair<std::string_view, std::string_view>> openapi_described_operations() {
    std::vector<std::pair<std::string_view, std::string_view>> out;
    for (const auto& op : operations()) out.emplace_back(op.method, op.pattern);
    return out;
}

json build_openapi(const std::vector<RouteDoc>& routes) {
    json paths = json::object();
    for (const auto& r : routes) {
        json op{{"summary", r.summary}, {"responses", json::object()}};
        json params = json::array();
        for (std::size_t i = r.pattern.find('{'); i != std::string_view::npos;
             i = r.pattern.find('{', i + 1))
            params.push_back(
                path_parameter(r.pattern, r.pattern.substr(i + 1, r.pattern.find('}', i) - i - 1)));
        for (const auto& d : operations()) {
            if (d.method != r.method || d.pattern != r.pattern) continue;
            op["operationId"] = d.id;
            for (const auto& p : d.parameters) params.push_back(p);
            if (!d.body.is_null()) op["requestBody"] = d.body;
            op["responses"] = d.responses;
        }
        // Written out in each operation rather than as a components/responses reference,
        // which some tools (JSON::Validator 5.14) do not follow.
        op["responses"]["default"] =
            reply("an error: {type, http-code, title, error}", ref("Error"));
        if (!params.empty()) op["parameters"] = params;
        op["security"] = r.needs_login ? json::array({{{"api_key", json::array()}},
                                                      {{"session", json::array()}},
                                                      {{"web_session", json::array()}}})
                                       : json::array();
        std::string method(r.method);
        for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        paths[std::string(kApiPrefix) + std::string(r.pattern)][method] = op;
    }
    return {
        {"openapi", "3.0.3"},
        {"info",
         {{"title", "drawbridge REST API"},
          {"version", "1"},
          {"description",
           "Files, users, keys, site settings and the action log of a drawbridge site. Every GET "
           "also answers HEAD. See docs/rest-api.md."}}},
        {"paths", paths},
        {"components",
         {{"schemas", component_schemas()},
          {"securitySchemes",
           {{"api_key",
             {{"type", "apiKey"},
              {"in", "header"},
              {"name", "X-FilesAPI-Key"},
              {"description",
               "an API key (drawbridge apikey create, or POST /users/{id}/api_keys)"}}},
            {"session",
             {{"type", "apiKey"},
              {"in", "header"},
              {"name", "X-FilesAPI-Auth"},
              {"description", "the id of a session from POST /sessions"}}},
            {"web_session",
             {{"type", "apiKey"},
              {"in", "cookie"},
              {"name", "drawbridge_session"},
              {"description",
               "the web UI's session (POST /sessions with web=true); calls other than GET "
               "need its X-CSRF-Token"}}}}}}}};
}

}  // namespace drawbridge::http
