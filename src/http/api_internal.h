// Helpers shared by the REST API's source files.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/site_settings.h"
#include "http/message.h"

namespace drawbridge::http::apiutil {

Response json_reply(int status, const nlohmann::json& body);
// A WebDAV reply reused by the API: its errors become the API's error shape.
Response as_api(Response r);
// A JSON value as the text form Accounts takes ("true", "a,b", "42").
std::string text_of(const nlohmann::json& v);
// The body as a JSON object ({} when empty); nullopt when it is not one.
std::optional<nlohmann::json> body_object(const Request& req);
// An optional text field of a body: its value, "" when absent or null; nullopt when it is there
// but not a string (answered 400, never a 500 from a JSON type error).
std::optional<std::string> optional_text(const nlohmann::json& body, const char* field);
// {acceptable, rules: [{rule, message, met}]}: the site's password rules, each with whether
// `password` meets it, from core::check_password (the one check a password change applies).
// Reuse of an old password is `met: null`, checked when the password is set.
nlohmann::json password_check_json(const std::string& password, const core::SiteSettings& site);

// The range of a whole-number query parameter, and its value when absent. The handlers and the
// OpenAPI document (api_openapi.cpp) read the same constants.
struct IntRange {
    int lo, hi, fallback;
};
inline constexpr IntRange kPerPage{1, 1000, 100};
inline constexpr IntRange kHistoryCursor{1, INT32_MAX, 0};
// A folder cursor holds a name (at most 255 bytes) and a number: anything longer is not one.
inline constexpr std::size_t kMaxFolderCursor = 300;

// A whole-number query parameter in the range; nullopt with `error` set when malformed.
std::optional<int> int_param(const std::map<std::string, std::string>& q, const std::string& name,
                             IntRange range, std::string& error);

}  // namespace drawbridge::http::apiutil
