// Helpers shared by the REST API's source files.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "auth/accounts.h"
#include "core/site_settings.h"
#include "http/api.h"
#include "http/message.h"
#include "store/store.h"

namespace drawbridge::http::apiutil {

Response json_reply(int status, const nlohmann::json& body);
// A WebDAV reply reused by the API: its errors become the API's error shape.
Response as_api(Response r);
// A JSON value as the text form Accounts takes ("true", "a,b", "42").
std::string text_of(const nlohmann::json& v);
// The body as a JSON object ({} when empty); nullopt when it is not one. Keep it non-const:
// operator[] of a const object asserts (or is undefined) for a missing key; of a mutable one it
// reads null.
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
// GET /history/summary: the buckets shown without `since`, and the most one answer holds.
inline constexpr int kSummaryDefaultBuckets = 24;
inline constexpr int kSummaryMaxBuckets = 1000;
// A folder cursor holds a name (at most 255 bytes) and a number: anything longer is not one.
inline constexpr std::size_t kMaxFolderCursor = 300;

// A whole-number query parameter in the range; nullopt with `error` set when malformed.
std::optional<int> int_param(const std::map<std::string, std::string>& q, const std::string& name,
                             IntRange range, std::string& error);

// Runs a handler's change: a refused one (AccountError) is a 400 with its message, a conflict
// with what is stored a 409.
template <class Fn>
Response guarded(Fn&& fn) {
    try {
        return fn();
    } catch (const store::Conflict& e) {
        return api_error(409, e.what());
    } catch (const auth::AccountError& e) {
        return api_error(400, e.what());
    }
}

}  // namespace drawbridge::http::apiutil
