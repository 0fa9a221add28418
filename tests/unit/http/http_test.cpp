#include <gtest/gtest.h>

#include "core/failure_reason.h"
#include "http/dav_locks.h"
#include "http/failure_wire.h"
#include "http/uri.h"

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

TEST(FailureWire, TypesComeFromTheReasonTable) {
    using R = core::FailureReason;
    EXPECT_EQ(error_type(R::locked_out), "not-authenticated/locked-out");
    EXPECT_EQ(http_failure(R::locked_out).status, 401);
    EXPECT_EQ(error_type(R::region_mismatch), "not-authenticated/lockout-region-mismatch");
    EXPECT_EQ(http_failure(R::region_mismatch).status, 403);
    EXPECT_EQ(error_type(R::password_mismatch), "not-authenticated/invalid-username-or-password");
    EXPECT_EQ(error_type(R::password_change_required), "not-authorized/password-change-required");
    EXPECT_EQ(error_type(R::rate_limited), "rate-limited/too-many-login-attempts");
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
