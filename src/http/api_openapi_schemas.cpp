// The schemas of the OpenAPI document (components/schemas). Those of users and site settings
// are generated from the tables that parse and check their values (core/user_fields.cpp,
// core/site_settings.cpp), the enumerations from the server's own lists, so that the document
// says what the server accepts. The shapes of the other replies follow src/views/json.cpp; a unit
// test compares their property names with what views::to_json writes.
#include <type_traits>

#include "core/action_log.h"
#include "core/failure_reason.h"
#include "core/site_settings.h"
#include "core/types.h"
#include "core/user_fields.h"
#include "http/api_openapi.h"

namespace drawbridge::http::openapi {
using nlohmann::json;

json ref(std::string_view name) {
    return {{"$ref", "#/components/schemas/" + std::string(name)}};
}

json array_of(json items) {
    return {{"type", "array"}, {"items", std::move(items)}};
}

json nullable(json schema) {
    schema["nullable"] = true;
    return schema;
}

json closed_object(const json& properties) {
    json required = json::array();
    for (const auto& [name, _] : properties.items()) required.push_back(name);
    return {{"type", "object"},
            {"properties", properties},
            {"required", required},
            {"additionalProperties", false}};
}

json time_schema() {
    return {{"type", "string"}, {"format", "date-time"}};
}

json id_schema() {
    return {{"type", "integer"}, {"format", "int64"}, {"minimum", 1}};
}

json string_enum(const std::vector<std::string>& values) {
    return {{"type", "string"}, {"enum", values}};
}

std::vector<std::string> interface_names() {
    std::vector<std::string> out;
    for (const auto i : core::kInterfaces) out.emplace_back(core::to_string(i));
    return out;
}

std::vector<std::string> auth_method_names() {
    std::vector<std::string> out;
    for (const auto m : core::kAuthMethods) out.emplace_back(core::to_string(m));
    return out;
}

std::vector<std::string> action_names() {
    return {core::kActions.begin(), core::kActions.end()};
}

std::vector<std::string> failure_type_names() {
    std::vector<std::string> out;
    for (const auto& row : core::all_failure_reasons()) out.emplace_back(row.failure_type);
    return out;
}

namespace {

// The console's pages are shown only to administrators; a change-only session is never one.
json admin_flag_schema() {
    return {{"type", "boolean"},
            {"description", "the user is a site administrator (false while password_change_only)"}};
}

// A time is written as "2026-11-23T01:02:03Z" and read in more forms (core::parse_time).
constexpr std::string_view kTimeInput =
    "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or seconds since the epoch; null or 'never' for none";

json user_field_schema(const core::UserField& f, bool request) {
    using K = core::UserField::Kind;
    switch (f.kind) {
        case K::boolean:
            return {{"type", "boolean"}};
        case K::time:
            return request
                       ? json{{"type", "string"}, {"nullable", true}, {"description", kTimeInput}}
                       : nullable(time_schema());
        case K::list:
            return array_of({{"type", "string"}});
        case K::enumeration: {
            std::vector<std::string> values = f.choices ? f.choices() : std::vector<std::string>{};
            // A request may hold only the values the field's parser takes (an imported hash,
            // for one, is set by `user password --import-hash`).
            if (request && f.set)
                std::erase_if(values, [&](const std::string& v) {
                    core::User scratch;
                    return f.set(scratch, v).has_value();
                });
            return values.empty() ? json{{"type", "string"}} : string_enum(values);
        }
        case K::text:
            break;
    }
    return {{"type", "string"}};
}

json user_schema() {
    json props = json::object();
    for (const auto& f : core::user_fields())
        props[std::string(f.name)] = user_field_schema(f, false);
    // What views::to_json adds to the fields (src/views/json.cpp).
    props["id"] = id_schema();
    props["password_expire_at"] = nullable(time_schema());
    props["password_days_remaining"] = nullable({{"type", "integer"}});
    props["password_expired"] = {{"type", "boolean"}};
    props["locked_out"] = {{"type", "boolean"}};
    props["active_2fa"] = {
        {"type", "boolean"},
        {"description",
         "the user has an authenticator app or a security key (docs/two-factor.md)"}};
    return closed_object(props);
}

// The body of POST /users (`create`) or PATCH /users/{id}: the writable user fields, and a
// password, which goes through the password policy.
json user_input_schema(bool create) {
    json props = json::object();
    for (const auto& f : core::user_fields())
        if (f.set) props[std::string(f.name)] = user_field_schema(f, true);
    props["password"] = {{"type", "string"},
                         {"format", "password"},
                         {"writeOnly", true},
                         {"description", "checked against the site's password policy"}};
    props["imported_password_hash"] = {
        {"type", "string"},
        {"writeOnly", true},
        {"description",
         "a hash from another system (docs/password-hashes.md), instead of `password`: the "
         "method becomes password_with_imported_hash"}};
    if (!create)
        props["require_password_change"] = {
            {"type", "boolean"},
            {"description", "with `password`: the user must change it at the next login"}};
    json schema{{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
    if (create) schema["required"] = {"username"};
    return schema;
}

// `update`: the schema of a value sent to PATCH /site, where a setting the server does not act
// on yet takes only its default (core::SettingField::not_implemented).
json setting_schema(const core::SettingField& f, bool update) {
    const core::SiteSettings defaults;
    json fallback;
    json s = std::visit(
        [&](auto member) -> json {
            using T = std::remove_cvref_t<decltype(defaults.*member)>;
            fallback = defaults.*member;
            if constexpr (std::is_same_v<T, bool>)
                return {{"type", "boolean"}};
            else if constexpr (std::is_same_v<T, int>)
                return {{"type", "integer"}, {"minimum", f.min}, {"maximum", f.max}};
            else
                return {{"type", "string"}};
        },
        f.member);
    std::string description(f.help);
    if (!f.not_implemented.empty()) {
        description += " (not implemented yet: " + std::string(f.not_implemented) +
                       "; only the default is accepted)";
        if (update) s["enum"] = json::array({fallback});
    }
    s["description"] = description;
    return s;
}

void add_site_settings_schemas(json& schemas) {
    json props = json::object(), update = json::object();
    for (const auto& f : core::site_setting_fields()) {
        props[std::string(f.name)] = setting_schema(f, false);
        update[std::string(f.name)] = setting_schema(f, true);
    }
    schemas["SiteSettings"] = closed_object(props);
    const json nullable_int = nullable({{"type", "integer"}});
    schemas["SiteSetting"] = closed_object(
        {{"name", {{"type", "string"}}},
         {"type", string_enum({"boolean", "integer", "string", "list"})},
         {"description", {{"type", "string"}}},
         {"default", {{"description", "the value of a new site (boolean, integer or string)"}}},
         {"minimum", nullable_int},
         {"maximum", nullable_int},
         {"choices", array_of({{"type", "string"}})},
         {"secret", {{"type", "boolean"}}},
         {"not_implemented",
          {{"type", "string"},
           {"description", "non-empty: what is missing, and only the default is accepted"}}}});
    schemas["SiteSchema"] = closed_object(
        {{"groups", array_of(closed_object({{"name", {{"type", "string"}}},
                                            {"title", {{"type", "string"}}},
                                            {"settings", array_of(ref("SiteSetting"))}}))}});
    schemas["SiteSettingsUpdate"] = {
        {"type", "object"},
        {"properties", update},
        {"additionalProperties", false},
        {"minProperties", 1},
        {"description", "the settings to change; rules across settings apply to the result"}};
}

json api_key_properties() {
    return {{"id", id_schema()},
            {"user_id", id_schema()},
            {"name", {{"type", "string"}}},
            {"description", {{"type", "string"}}},
            {"created_at", time_schema()},
            {"expires_at", nullable(time_schema())},
            {"last_use_at", nullable(time_schema())}};
}

}  // namespace

// A parameter of a route's path: {id} (a user's or a rule's), {key}, or the final {path}.
json path_parameter(std::string_view pattern, std::string_view name) {
    json p{{"name", name}, {"in", "path"}, {"required", true}};
    if (name == "id") {
        p["schema"] = {{"type", "integer"}, {"format", "int64"}, {"minimum", 1}};
        p["description"] =
            pattern.starts_with("/permissions/") ? "the folder permission's id" : "the user's id";
    } else if (name == "ip") {
        p["schema"] = {{"type", "string"}};
        p["description"] = "the banned address (IPv6: any address of the /64)";
    } else if (name == "entry") {
        p["schema"] = {{"type", "string"}};
        p["description"] = "the entry's id, or its CIDR (the '/' as it is or as %2F)";
    } else if (name == "key") {
        p["schema"] = {{"type", "string"}};
        p["description"] = "the key's id, or its name (API keys) or SHA256 fingerprint (SSH keys)";
    } else {
        p["schema"] = {{"type", "string"}};
        p["description"] =
            "the path from the user's root, with '/' between its names (sent as they are or "
            "percent-encoded); empty for the root";
    }
    return p;
}

json component_schemas() {
    json s = json::object();
    s["Error"] = closed_object(
        {{"type",
          {{"type", "string"},
           {"pattern", "^[a-z-]+/[a-z0-9-]+$"},
           {"description", "family/kind, e.g. not-authenticated/locked-out"}}},
         {"http-code", {{"type", "integer"}, {"minimum", 400}, {"maximum", 599}}},
         {"title", {{"type", "string"}}},
         {"error", {{"type", "string"}, {"description", "what went wrong, for people"}}}});
    s["Session"] = closed_object(
        {{"id", {{"type", "string"}, {"description", "the token to send as X-FilesAPI-Auth"}}},
         {"username", {{"type", "string"}}},
         {"expires_at", time_schema()}});
    s["WebSession"] = closed_object(
        {{"username", {{"type", "string"}}},
         {"site_admin", admin_flag_schema()},
         {"expires_at", time_schema()},
         {"csrf_token", {{"type", "string"}, {"description", "send as X-CSRF-Token"}}},
         {"password_change_only",
          {{"type", "boolean"},
           {"description", "the password must be changed: the session may do only that"}}},
         {"two_factor_setup_only",
          {{"type", "boolean"},
           {"description",
            "two-factor authentication is required and not set up: the session may do only "
            "that (docs/two-factor.md)"}}},
         {"reason",
          {{"type", "string"},
           {"description", "why, when password_change_only or two_factor_setup_only"}}}});
    s["CurrentSession"] = closed_object({{"username", {{"type", "string"}}},
                                         {"site_admin", admin_flag_schema()},
                                         {"interface", string_enum(interface_names())},
                                         {"password_change_only", {{"type", "boolean"}}},
                                         {"two_factor_setup_only", {{"type", "boolean"}}}});
    s["PasswordCheck"] = closed_object(
        {{"acceptable", {{"type", "boolean"}, {"description", "every rule but reuse is met"}}},
         {"rules",
          array_of(closed_object(
              {{"rule", string_enum({"min_length", "letter", "number", "special", "mixed_case",
                                     "unbreached", "reused"})},
               {"message", {{"type", "string"}}},
               {"met", nullable({{"type", "boolean"},
                                 {"description", "null: checked when the password is set"}})}}))}});
    // The page a sign-up or reset link opens: the same check, and whose password it sets.
    json link_check = s["PasswordCheck"];
    for (auto [name, schema] : {std::pair{"username", json{{"type", "string"}}},
                                std::pair{"purpose", string_enum({"signup", "reset"})},
                                std::pair{"expires_at", time_schema()}}) {
        link_check["properties"][name] = schema;
        link_check["required"].push_back(name);
    }
    s["LinkPasswordCheck"] = link_check;
    s["User"] = user_schema();
    s["UserCreate"] = user_input_schema(true);
    s["UserUpdate"] = user_input_schema(false);
    s["OutboxMail"] = closed_object(
        {{"id", {{"type", "integer"}}},
         {"kind", string_enum({"welcome", "signup", "reset", "reminder", "test"})},
         {"user_id", nullable({{"type", "integer"}})},
         {"recipient", {{"type", "string"}}},
         {"subject", {{"type", "string"}}},
         {"state", string_enum({"queued", "sending", "sent", "failed"})},
         {"attempts", {{"type", "integer"}}},
         {"next_attempt_at", nullable({{"type", "string"}})},
         {"last_error", {{"type", "string"}, {"description", "the relay's answer or error"}}},
         {"created_at", {{"type", "string"}}},
         {"sent_at", nullable({{"type", "string"}})}});
    s["MailTemplate"] = closed_object(
        {{"kind", string_enum({"welcome", "signup", "reset", "reminder", "test"})},
         {"subject", {{"type", "string"}}},
         {"text", {{"type", "string"}}},
         {"html", {{"type", "string"}}},
         {"custom", {{"type", "boolean"}, {"description", "false: the shipped default"}}}});
    s["ApiKey"] = closed_object(api_key_properties());
    json created = api_key_properties();
    created["key"] = {{"type", "string"}, {"description", "the secret, shown only in this reply"}};
    s["ApiKeyCreated"] = closed_object(created);
    s["SshKey"] = closed_object({{"id", id_schema()},
                                 {"user_id", id_schema()},
                                 {"title", {{"type", "string"}}},
                                 {"key_type", {{"type", "string"}}},
                                 {"fingerprint_sha256", {{"type", "string"}}},
                                 {"created_at", time_schema()},
                                 {"last_login_at", nullable(time_schema())}});
    s["Permission"] = closed_object(
        {{"id", id_schema()},
         {"user_id", id_schema()},
         {"path", {{"type", "string"}, {"description", "a folder (or file) of the user's tree"}}},
         {"permissions", array_of(string_enum({"list", "read", "write", "delete"}))},
         {"created_at", time_schema()}});
    s["PermissionCreate"] = {
        {"type", "object"},
        {"properties",
         {{"user_id", id_schema()},
          {"path", {{"type", "string"}, {"description", "/ for the user's whole root"}}},
          {"permission",
           {{"type", "string"},
            {"description",
             "what the rule grants: comma-separated list, read, write, delete; 'all', or "
             "'none' to deny everything there"}}}}},
        {"required", {"user_id", "path", "permission"}},
        {"additionalProperties", false}};
    add_site_settings_schemas(s);
    const json text{{"type", "string"}};
    s["ActionLogEntry"] =
        closed_object({{"id", id_schema()},
                       {"created_at", time_schema()},
                       {"user_id", nullable(id_schema())},
                       {"username", text},
                       {"ip", text},
                       {"interface", string_enum(interface_names())},
                       {"action", string_enum(action_names())},
                       {"failure_type", string_enum(failure_type_names())},
                       {"failure_title",
                        {{"type", "string"},
                         {"description",
                          "the refusal's title (\"Username Not Found\"); empty "
                          "when the entry is not a refusal"}}},
                       {"detail", text},
                       {"path", text},
                       {"destination", text},
                       {"bytes", nullable({{"type", "integer"}, {"format", "int64"}})},
                       {"duration_ms", nullable({{"type", "integer"}, {"format", "int64"}})},
                       {"display", {{"type", "string"}, {"description", "one line for people"}}}});
    s["HistoryPage"] = closed_object(
        {{"entries", array_of(ref("ActionLogEntry"))},
         {"next_cursor",
          nullable({{"type", "integer"},
                    {"format", "int64"},
                    {"description", "pass as `cursor` for the next page; null on the last"}})}});
    s["FileEntry"] = closed_object(
        {{"path", {{"type", "string"}, {"description", "from the user's root, starting with /"}}},
         {"type", string_enum({"file", "directory"})},
         {"size", {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}}},
         {"mtime", time_schema()}});
    s["PathResult"] = closed_object({{"path", text}});
    s["GeneratedPassword"] = closed_object({{"password", text}});
    add_security_schemas(s);
    add_two_factor_schemas(s);
    return s;
}

}  // namespace drawbridge::http::openapi
