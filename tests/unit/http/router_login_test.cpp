// The HTTP router's side of login security: which connections count as having attempted a
// login (the others are scored as abandoned, docs/login-gate.md#http-abandoned), on which
// interface, and plain-HTTP logins refused by ssl_required (insecure_http).
#include <gtest/gtest.h>

#include "core/crypto.h"
#include "http/router.h"
#include "unit/auth/gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::FailureReason;
using core::Interface;

class RouterLoginTest : public GateTest {
  protected:
    void SetUp() override {
        GateTest::SetUp();
        outbox_ = std::make_unique<mail::Outbox>(*store_, clock_);
        flows_ = std::make_unique<mail::Flows>(*store_, *log_, clock_, *accounts_, *outbox_);
        factors_ = std::make_unique<auth::SecondFactors>(*store_, *gate_, *accounts_, clock_);
        // Services holds a lock table (a mutex): made in place.
        services_.reset(new http::Services{.gate = *gate_,
                                           .log = *log_,
                                           .store = *store_,
                                           .accounts = *accounts_,
                                           .second_factors = *factors_,
                                           .mail = *flows_,
                                           .open_files = {}});
    }
    void TearDown() override {
        services_.reset();
        GateTest::TearDown();
    }

    std::unique_ptr<http::Handler> connection() {
        return http::make_router(*services_, "198.51.100.7");
    }

    static http::Request request(std::string method, std::string target, http::Headers headers,
                                 bool secure = true) {
        http::Request r;
        r.method = std::move(method);
        r.target = std::move(target);
        r.headers = std::move(headers);
        r.headers.emplace_back("host", "x");
        r.peer_ip = "198.51.100.7";
        r.secure = secure;
        return r;
    }

    static std::string basic(const std::string& user, const std::string& password) {
        return "Basic " + core::crypto::base64_encode(user + ":" + password);
    }

    // The status of the answer prepared for `r` (0: none yet, the handler goes on).
    static int status(http::Handler& h, http::Request r) {
        auto p = h.prepare(r);
        return p.response ? p.response->status : 0;
    }

    std::unique_ptr<mail::Outbox> outbox_;
    std::unique_ptr<mail::Flows> flows_;
    std::unique_ptr<auth::SecondFactors> factors_;
    std::unique_ptr<http::Services> services_;
};

TEST_F(RouterLoginTest, AnonymousRequestsAndMadeUpTokensAreNoLoginAttempt) {
    auto c = connection();
    EXPECT_EQ(status(*c, request("GET", "/", {})), 200);
    EXPECT_EQ(status(*c, request("OPTIONS", "/", {})), 200);  // Windows' WebDAV client
    EXPECT_EQ(status(*c, request("GET", "/api/v1/openapi.json", {})), 0);
    EXPECT_EQ(status(*c, request("GET", "/api/v1/me", {{"x-filesapi-auth", "made-up"}})), 401);
    // Credentials that never reach the gate: a route without a login, a malformed header.
    EXPECT_EQ(status(*c, request("GET", "/", {{"authorization", basic("alice", "x")}})), 200);
    EXPECT_FALSE(c->attempted_login());
    EXPECT_EQ(c->abandoned_interface(), Interface::restapi);
    EXPECT_EQ(status(*c, request("PROPFIND", "/dav/", {{"authorization", "Basic %%%"}})), 401);
    EXPECT_EQ(status(*c, request("PROPFIND", "/dav/", {})), 401);
    EXPECT_FALSE(c->attempted_login());
    EXPECT_EQ(c->abandoned_interface(), Interface::dav);  // it asked for WebDAV
    EXPECT_EQ(count_entries("failedlogin") + count_entries("login"), 0u);
}

TEST_F(RouterLoginTest, EveryLoginRouteCountsWhateverItsOutcome) {
    add_user("alice");
    const auto key = accounts_->create_api_key("alice", "ci", "", std::nullopt, {});
    auto dav = connection();
    EXPECT_EQ(status(*dav, request("PROPFIND", "/dav/",
                                   {{"authorization", basic("alice", "Wrong-Horse-9-Battery")}})),
              401);
    EXPECT_TRUE(dav->attempted_login());
    auto api_key = connection();
    EXPECT_EQ(status(*api_key, request("GET", "/api/v1/me", {{"x-filesapi-key", "made-up"}})), 401);
    EXPECT_TRUE(api_key->attempted_login());
    auto session = connection();
    auto r = request("POST", "/api/v1/sessions", {{"content-type", "application/json"}});
    EXPECT_EQ(status(*session, r), 0);
    r.body = R"({"username": "alice", "password": "nope"})";
    EXPECT_EQ(session->handle(r).status, 401);
    EXPECT_TRUE(session->attempted_login());
    // A live session token is the proof of an earlier login.
    core::SessionGrant grant;
    grant.user_id = store_->find_user_by_name("alice")->id;
    grant.interface = Interface::restapi;
    grant.client_ip = "198.51.100.7";
    grant.factors = {core::Factor::api_key};
    grant.api_key_id = key.key.id;
    const auto stored = services_->sessions.create(grant);
    auto token = connection();
    // (No files are opened in this test: the login stands, the folder is "not available".)
    EXPECT_EQ(status(*token, request("GET", "/api/v1/me", {{"x-filesapi-auth", stored.token}})),
              503);
    EXPECT_TRUE(token->attempted_login());
}

TEST_F(RouterLoginTest, PlainHttpLoginsAreRefusedAsInsecureHttp) {
    add_user("alice");
    auto c = connection();
    auto r =
        request("PROPFIND", "/dav/", {{"authorization", basic("alice", kGoodPassword)}}, false);
    auto p = c->prepare(r);
    ASSERT_TRUE(p.response);
    EXPECT_EQ(p.response->status, 403);
    EXPECT_EQ(p.response->body,
              "Insecure HTTP: Logging in over plain HTTP is not allowed; use HTTPS.\n");
    EXPECT_TRUE(c->attempted_login());
    const auto e = last_entry();
    EXPECT_EQ(e.failure_type, FailureReason::insecure_http);
    EXPECT_EQ(e.interface, Interface::dav);
    auto api = connection();
    auto s = request("POST", "/api/v1/sessions", {{"content-type", "application/json"}}, false);
    s.body = std::string(R"({"username": "alice", "password": ")") + kGoodPassword + "\"}";
    EXPECT_EQ(status(*api, s), 0);
    const auto refused = api->handle(s);
    EXPECT_EQ(refused.status, 403);
    EXPECT_NE(refused.body.find("not-authorized/insecure-http"), std::string::npos) << refused.body;
    EXPECT_EQ(last_entry().interface, Interface::restapi);
}

}  // namespace
}  // namespace drawbridge::testing
