// The web UI's session on the REST API (docs/web-ui.md#session): the session token in an
// HttpOnly cookie that only /api/v1 receives, a CSRF token required on every call that changes
// something, and cross-origin requests refused. API keys and X-FilesAPI-Auth are unaffected.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace drawbridge::http {

inline constexpr std::string_view kWebCookie = "drawbridge_session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

// The value of cookie `name` in the request's Cookie header, or "" (bounded: the header is
// at most what the parser admits, and each pair is looked at once).
std::string_view cookie_value(const Request& req, std::string_view name);

// Set-Cookie values: the session's token (a session cookie: idle expiry is the server's), and
// the one that clears it at sign-out.
std::string session_cookie(std::string_view token);
std::string cleared_session_cookie();

// Whether the request says it comes from another origin: an Origin that is not this server's
// (scheme and Host), or Sec-Fetch-Site other than same-origin or none. A request that says
// neither (not a browser's) is not cross-origin.
bool cross_origin(const Request& req);

// Why a request signed in by the session cookie `token` is refused (403), or nullopt: a cross-
// origin request, or a method other than GET/HEAD without the session's CSRF token.
std::optional<Response> web_request_refusal(const Request& req, std::string_view token);

}  // namespace drawbridge::http
