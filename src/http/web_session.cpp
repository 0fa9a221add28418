#include "http/web_session.h"

#include "core/crypto.h"
#include "http/api.h"
#include "http/api_sessions.h"

namespace drawbridge::http {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string_view cookie_value(const Request& req, std::string_view name) {
    std::string_view rest = req.header("cookie");
    while (!rest.empty()) {
        const auto semi = rest.find(';');
        const auto pair = trim(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name)
            return trim(pair.substr(eq + 1));
    }
    return {};
}

// Path=/api/v1: the pages and assets never carry it; SameSite=Strict: no other site's page
// makes the browser send it.
std::string session_cookie(std::string_view token) {
    return std::string(kWebCookie) + "=" + std::string(token) +
           "; Path=/api/v1; HttpOnly; Secure; SameSite=Strict";
}

std::string cleared_session_cookie() {
    return std::string(kWebCookie) +
           "=; Path=/api/v1; Max-Age=0; HttpOnly; Secure; SameSite=Strict";
}

bool cross_origin(const Request& req) {
    if (const auto site = req.header("sec-fetch-site");
        !site.empty() && site != "same-origin" && site != "none")
        return true;
    const auto origin = req.header("origin");
    if (origin.empty()) return false;
    const std::string own =
        std::string(req.secure ? "https://" : "http://") + std::string(req.header("host"));
    return origin != own;
}

std::optional<Response> web_request_refusal(const Request& req, std::string_view token) {
    if (cross_origin(req)) return api_error(403, "a request from another site is refused");
    if (req.method == "GET" || req.method == "HEAD") return std::nullopt;
    const auto sent = req.header(kCsrfHeader);
    if (sent.empty() || !core::crypto::constant_time_equal(sent, ApiSessions::csrf_token(token)))
        return api_error(403, "the CSRF token (X-CSRF-Token) is missing or wrong: sign in again");
    return std::nullopt;
}

}  // namespace drawbridge::http
