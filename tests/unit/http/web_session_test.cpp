// The web UI's session rules on plain requests (docs/web-ui.md#session): the cookie's value
// among others, the cookie's flags, cross-origin requests, and the CSRF token on changes.
#include "http/web_session.h"

#include <gtest/gtest.h>

#include "http/api_sessions.h"

namespace drawbridge::http {
namespace {

Request with(std::string method, Headers headers) {
    Request r;
    r.method = std::move(method);
    r.headers = std::move(headers);
    r.secure = true;
    return r;
}

TEST(WebSession, TheCookieIsFoundAmongOthers) {
    EXPECT_EQ(
        cookie_value(with("GET", {{"cookie", "a=1; drawbridge_session=xyz ; b=2"}}), kWebCookie),
        "xyz");
    EXPECT_EQ(cookie_value(with("GET", {{"cookie", "xdrawbridge_session=1"}}), kWebCookie), "");
    EXPECT_EQ(cookie_value(with("GET", {{"cookie", ";;=;drawbridge_session"}}), kWebCookie), "");
    EXPECT_EQ(cookie_value(with("GET", {}), kWebCookie), "");
}

TEST(WebSession, TheCookieIsHttpOnlySecureStrictAndOnlyForTheApi) {
    const auto c = session_cookie("tok");
    EXPECT_EQ(c, "drawbridge_session=tok; Path=/api/v1; HttpOnly; Secure; SameSite=Strict");
    EXPECT_NE(cleared_session_cookie().find("Max-Age=0"), std::string::npos);
}

TEST(WebSession, CrossOriginIsTheOriginOrFetchSiteOfAnotherSite) {
    const Headers host{{"host", "files.example:8443"}};
    auto req = [&](Headers extra) {
        Headers h = host;
        h.insert(h.end(), extra.begin(), extra.end());
        return with("POST", h);
    };
    EXPECT_FALSE(cross_origin(req({})));
    EXPECT_FALSE(cross_origin(req({{"origin", "https://files.example:8443"}})));
    EXPECT_TRUE(cross_origin(req({{"origin", "https://evil.example"}})));
    EXPECT_TRUE(cross_origin(req({{"origin", "http://files.example:8443"}})));  // another scheme
    EXPECT_FALSE(cross_origin(req({{"sec-fetch-site", "same-origin"}})));
    EXPECT_TRUE(cross_origin(req({{"sec-fetch-site", "same-site"}})));
    EXPECT_TRUE(cross_origin(req({{"sec-fetch-site", "cross-site"}})));
}

TEST(WebSession, ChangesNeedTheSessionsCsrfToken) {
    const std::string token(64, 'a');
    const std::string csrf = ApiSessions::csrf_token(token);
    EXPECT_FALSE(web_request_refusal(with("GET", {}), token));
    EXPECT_FALSE(web_request_refusal(with("HEAD", {}), token));
    EXPECT_EQ(web_request_refusal(with("POST", {}), token)->status, 403);
    EXPECT_EQ(web_request_refusal(with("DELETE", {{"x-csrf-token", token}}), token)->status, 403);
    EXPECT_FALSE(web_request_refusal(with("PATCH", {{"x-csrf-token", csrf}}), token));
    EXPECT_EQ(web_request_refusal(with("GET", {{"sec-fetch-site", "cross-site"}}), token)->status,
              403);
}

}  // namespace
}  // namespace drawbridge::http
