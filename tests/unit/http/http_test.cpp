#include <gtest/gtest.h>

#include <limits>
#include <map>

#include "core/failure_reason.h"
#include "http/dav_locks.h"
#include "http/failure_wire.h"
#include "http/message.h"
#include "http/uri.h"
#include "http/user_content.h"

namespace drawbridge::http {
namespace {

TEST(DecodePath, DecodesAndNormalisesSlashes) {
    EXPECT_EQ(decode_path("/dav/a%20b//c/?x=1"), "/dav/a b/c");
    EXPECT_EQ(decode_path("/"), "/");
    EXPECT_EQ(decode_path("http://host:1/dav/x"), "/dav/x");
    EXPECT_EQ(decode_path("/dav/%C3%BC"), "/dav/\xC3\xBC");
}

TEST(DecodePath, RefusesEveryEncodedTrick) {
    for (const char* bad :
         {"/dav/%2e%2e/x", "/dav/../x", "/dav/./x", "/dav/a%2fb", "/dav/a%2Fb", "/dav/a%00",
          "/dav/%c0%ae%c0%ae/x", "/dav/%e0%80%ae", "/dav/%ed%a0%80", "/dav/%f4%90%80%80",
          "/dav/%ff", "/dav/%zz", "/dav/%2", "/dav/x#frag", "dav/x"})
        EXPECT_EQ(decode_path(bad), std::nullopt) << bad;
}

TEST(DecodeApiPath, AnEncodedSlashSeparatesAsASlashDoes) {
    EXPECT_EQ(decode_api_path("/api/v1/files/docs%2Fa%20b.txt?x=%2F"),
              "/api/v1/files/docs/a b.txt");
    EXPECT_EQ(decode_api_path("/api/v1/files/docs%2fa%2F"), "/api/v1/files/docs/a");
    EXPECT_EQ(decode_api_path("/api/v1/files/a%252Fb"), "/api/v1/files/a%2Fb");  // decoded once
    for (const char* bad : {"/api/v1/files/a%2F..%2Fb", "/api/v1/files/%2F%2e%2e", "/api/v1/a%2",
                            "/api/v1/files/a%00", "/api/v1/files/a%2F#x"})
        EXPECT_EQ(decode_api_path(bad), std::nullopt) << bad;
}

TEST(EncodePath, RoundTrips) {
    const std::string p = "/dav/name with spaces/file (1) & \xC3\xBC%.txt";
    EXPECT_EQ(decode_path(encode_path(p)), p);
    EXPECT_EQ(encode_path("/a b&c"), "/a%20b%26c");
}

TEST(IfHeader, ParsesTaggedAndUntaggedLists) {
    const auto lists = parse_if_header(
        "</dav/a> (<opaquelocktoken:1> [\"e1\"]) (Not <DAV:no-lock>) <http://h/dav/b> ([W/\"x\"])");
    ASSERT_TRUE(lists);
    ASSERT_EQ(lists->size(), 3u);
    EXPECT_EQ((*lists)[0].resource, "/dav/a");
    EXPECT_EQ((*lists)[0].conditions[0].value, "opaquelocktoken:1");
    EXPECT_TRUE((*lists)[0].conditions[1].is_etag);
    EXPECT_TRUE((*lists)[1].conditions[0].negated);
    EXPECT_EQ((*lists)[2].resource, "http://h/dav/b");
    for (const char* bad : {"", "(", "()", "(<a>", "x", "(Not)", "([e)"})
        EXPECT_FALSE(parse_if_header(bad)) << bad;
    // At most 64 lists: each copies its tag, so more made a 64 KB header cost 228 MB.
    std::string many = "<" + std::string(1000, 'u') + ">";
    for (int i = 0; i < 64; ++i) many += " (<a>)";
    EXPECT_TRUE(parse_if_header(many));
    EXPECT_FALSE(parse_if_header(many + " (<a>)"));
}

DavLock lock_on(std::string path, bool exclusive, bool infinite, std::int64_t user = 1) {
    DavLock l;
    l.token = "opaquelocktoken:" + path + (exclusive ? "x" : "s") + std::to_string(user);
    l.root = "/r";
    l.path = std::move(path);
    l.exclusive = exclusive;
    l.infinite = infinite;
    l.user_id = user;
    l.timeout_seconds = 60;
    return l;
}

TEST(LockManager, ConflictsAndWrites) {
    LockManager m;
    const auto coll = m.acquire(lock_on("/c", true, true));
    ASSERT_TRUE(coll);
    EXPECT_FALSE(m.acquire(lock_on("/c/f", false, false)));  // under an exclusive lock
    EXPECT_TRUE(m.acquire(lock_on("/other", false, false)));
    EXPECT_TRUE(m.acquire(lock_on("/other", false, false, 2)));  // shared twice
    EXPECT_FALSE(m.acquire(lock_on("/", true, true)));           // would cover /c

    EXPECT_FALSE(m.may_write("/r", "/c/f", {}, 1, false, false));
    EXPECT_TRUE(m.may_write("/r", "/c/f", {coll->token}, 1, false, false));
    EXPECT_FALSE(m.may_write("/r", "/c/f", {coll->token}, 2, false, false));  // not its owner
    EXPECT_FALSE(m.may_write("/r", "/", {}, 1, true, false));  // a lock below a recursive write
    EXPECT_TRUE(m.may_write("/other-root", "/c/f", {}, 1, false, false));

    const auto depth0 = m.acquire(lock_on("/d", true, false));
    EXPECT_TRUE(m.may_write("/r", "/d/new", {}, 1, false, false));
    EXPECT_FALSE(m.may_write("/r", "/d/new", {}, 1, false, true));  // adds a member to /d

    EXPECT_FALSE(m.release("/r", "/c/f", coll->token, 2));
    EXPECT_TRUE(m.release("/r", "/c/f", coll->token, 1));  // through the member it covers
    EXPECT_TRUE(m.may_write("/r", "/c/f", {}, 1, false, false));
    m.remove_within("/r", "/d");
    EXPECT_TRUE(m.covering("/r", "/d").empty());
}

TEST(LockManager, BoundsLocksPerUserAndTheirLifetime) {
    LockManager m;
    for (std::size_t i = 0; i < LockManager::kMaxLocksPerUser; ++i)
        ASSERT_TRUE(m.acquire(lock_on("/f" + std::to_string(i), true, false)));
    const auto refused = m.acquire(lock_on("/one-more", true, false));
    EXPECT_FALSE(refused);
    EXPECT_EQ(refused.refusal, LockGrant::Refusal::too_many);
    EXPECT_EQ(m.acquire(lock_on("/f1", true, false, 2)).refusal, LockGrant::Refusal::conflict);
    EXPECT_TRUE(m.acquire(lock_on("/one-more", true, false, 2)));  // another user's own count

    for (std::size_t i = 0; i < LockManager::kMaxLocksPerResource; ++i)
        ASSERT_TRUE(m.acquire(lock_on(i % 2 ? "/s" : "/s/f", false, i % 2 == 1, 10 + i)));
    EXPECT_EQ(m.acquire(lock_on("/s/f", false, false, 9)).refusal,
              LockGrant::Refusal::too_many_here);
    EXPECT_EQ(m.covering("/r", "/s/f").size(), LockManager::kMaxLocksPerResource);
    EXPECT_TRUE(m.acquire(lock_on("/s/g", false, false, 9)));  // overlaps only the /s ones

    auto forever = lock_on("/long", true, false, 3);
    forever.timeout_seconds = std::numeric_limits<std::int64_t>::max();
    const auto got = m.acquire(forever);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->timeout_seconds, LockManager::kMaxTimeout);
    EXPECT_LE(got->seconds_left(), LockManager::kMaxTimeout);
    const auto refreshed = m.refresh("/r", "/long", got->token, 1'000'000'000);
    ASSERT_TRUE(refreshed);
    EXPECT_EQ(refreshed->timeout_seconds, LockManager::kMaxTimeout);
}

Request with_headers(Headers headers) {
    Request r;
    r.headers = std::move(headers);
    return r;
}

TEST(Framing, OnlyPlainChunkedOrContentLength) {
    const auto status = [](Headers h, bool http11 = true) {
        const auto r = framing_refusal(with_headers(std::move(h)), http11);
        return r ? r->status : 0;
    };
    EXPECT_EQ(status({{"host", "x"}}), 0);
    EXPECT_EQ(status({{"host", "x"}, {"transfer-encoding", "chunked"}}), 0);
    EXPECT_EQ(status({{"host", "x"}, {"transfer-encoding", " Chunked "}}), 0);
    EXPECT_EQ(status({{"host", "x"}, {"content-length", "3"}}), 0);
    for (const char* coding : {"xchunked", "gzip, chunked", "chunked, gzip", "", "chunked;x"})
        EXPECT_EQ(status({{"host", "x"}, {"transfer-encoding", coding}}), 501) << coding;
    EXPECT_EQ(
        status({{"host", "x"}, {"transfer-encoding", "chunked"}, {"transfer-encoding", "chunked"}}),
        501);
    EXPECT_EQ(status({{"host", "x"}, {"transfer-encoding", "chunked"}, {"content-length", "0"}}),
              400);
    EXPECT_EQ(status({}), 400);
    EXPECT_EQ(status({}, false), 0);  // HTTP/1.0
    EXPECT_EQ(status({{"host", "a"}, {"host", "b"}}, false), 400);
    EXPECT_TRUE(framing_refusal(with_headers({}), true)->close);
}

TEST(NamesThisServer, ComparesAuthoritiesWithDefaultPorts) {
    EXPECT_TRUE(names_this_server("/dav/x", "", false));  // a path: this server
    EXPECT_TRUE(names_this_server("http://Host:8080/dav/x", "host:8080", false));
    EXPECT_TRUE(names_this_server("http://host:80/dav/x", "HOST", false));
    EXPECT_TRUE(names_this_server("https://host/dav/x", "host:443", true));
    EXPECT_TRUE(names_this_server("https://host/dav/x", "host", false));  // behind a TLS proxy
    EXPECT_TRUE(names_this_server("http://user@[::1]:8080/dav", "[::1]:8080", false));
    EXPECT_TRUE(names_this_server("http://host", "host", false));
    EXPECT_FALSE(names_this_server("http://elsewhere/dav/x", "host", false));
    EXPECT_FALSE(names_this_server("http://host:8081/dav/x", "host:8080", false));
    EXPECT_FALSE(names_this_server("http://host:443/dav/x", "host", false));
    EXPECT_FALSE(names_this_server("http://host/dav/x", "", false));  // no Host to compare with
    EXPECT_FALSE(names_this_server("ftp://host/dav/x", "host", false));
    EXPECT_FALSE(names_this_server("http://host:x/dav/x", "host", false));
    EXPECT_FALSE(names_this_server("http:///dav/x", "host", false));
    EXPECT_FALSE(names_this_server("dav/x", "host", false));
    EXPECT_FALSE(names_this_server("http://[::1]/dav", "[::2]", false));
}

TEST(UserContent, ActiveTypesAreSandboxedAttachments) {
    const auto headers_of = [](std::string_view path) {
        Response r(200);
        set_user_file_headers(r, path);
        std::map<std::string, std::string> out(r.headers.begin(), r.headers.end());
        return out;
    };
    for (const char* path : {"/a/x.html", "/x.HTM", "/x.svg", "/x.xml", "/x.js", "/x.xhtml"}) {
        const auto h = headers_of(path);
        EXPECT_TRUE(h.at("Content-Disposition").starts_with("attachment;")) << path;
        EXPECT_EQ(h.at("X-Content-Type-Options"), "nosniff");
        EXPECT_EQ(h.at("Content-Security-Policy"), kUserContentPolicy);
    }
    for (const char* path : {"/x.png", "/x.txt", "/x.JPG", "/noext", "/d.html/file", "/x.mp4"}) {
        const auto h = headers_of(path);
        EXPECT_FALSE(h.contains("Content-Disposition")) << path;
        EXPECT_EQ(h.at("Content-Security-Policy"), kUserContentPolicy);
    }
    EXPECT_EQ(headers_of("/x.HTML").at("Content-Type"), "text/html");
    EXPECT_EQ(headers_of("/d.html/file").at("Content-Type"), "application/octet-stream");
    EXPECT_EQ(attachment_disposition("r\u00e9sum\u00e9 \"1\".html"),
              "attachment; filename=\"r__sum__ _1_.html\"; "
              "filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.html");
    EXPECT_EQ(attachment_disposition("a\r\nSet-Cookie: x.svg"),
              "attachment; filename=\"a__Set-Cookie: x.svg\"; "
              "filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x.svg");
}

TEST(FailureWire, TypesComeFromTheReasonTable) {
    using R = core::FailureReason;
    EXPECT_EQ(error_type(R::locked_out), "not-authenticated/locked-out");
    EXPECT_EQ(http_failure(R::locked_out).status, 401);
    EXPECT_EQ(error_type(R::region_mismatch), "not-authenticated/lockout-region-mismatch");
    EXPECT_EQ(http_failure(R::region_mismatch).status, 403);
    EXPECT_EQ(error_type(R::password_mismatch), "not-authenticated/invalid-username-or-password");
    EXPECT_EQ(error_type(R::password_change_required), "not-authorized/password-change-required");
    EXPECT_EQ(error_type(R::rate_limited), "rate-limited/too-many-login-attempts");
    EXPECT_EQ(error_type(R::insecure_http), "not-authorized/insecure-http");
    EXPECT_EQ(http_failure(R::insecure_http).status, 403);
    EXPECT_EQ(login_error_json(R::locked_out, "secret detail"),
              R"({"error":"This user is locked out after too many failed logins.","http-code":401,)"
              R"("title":"Locked Out","type":"not-authenticated/locked-out"})");
    for (const auto& row : all_http_failures())
        if (row.reason != R::none) {
            EXPECT_GE(row.status, 400) << core::to_string(row.reason);
        }
}

}  // namespace
}  // namespace drawbridge::http
