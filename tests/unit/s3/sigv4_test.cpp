// SigV4 against AWS's published vectors (docs/s3.md#signing). The expected values are data,
// copied from where AWS publishes them; nothing here was computed by our own signer.
#include <gtest/gtest.h>

#include "core/crypto.h"
#include "s3/sigv4.h"

namespace drawbridge::testing {
namespace {

using s3::Pairs;

constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// --- The AWS Signature Version 4 test suite --------------------------------------------------
// https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html, as kept in
// awslabs/aws-c-auth tests/aws-signing-test-suite/v4/<name>/header-signed-request.txt (and the
// older copy in boto/botocore tests/unit/auth/aws4_testsuite/ for get-vanilla-query-order-key):
// key AKIDEXAMPLE, region us-east-1, service "service", 2015-08-30T12:36:00Z.
const s3::Credentials kSuiteKey{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
const s3::Scope kSuiteScope{"us-east-1", "service"};
constexpr std::string_view kSuiteDate = "20150830T123600Z";

struct SuiteVector {
    const char* name;
    const char* method;
    const char* path;  // raw
    Pairs query;       // raw
    Pairs extra_headers;
    const char* signed_headers;
    const char* signature;
};

const SuiteVector kSuite[] = {
    {"get-vanilla",
     "GET",
     "/",
     {},
     {},
     "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-vanilla-query-order-key",
     "GET",
     "/",
     {{"Param1", "value2"}, {"Param1", "Value1"}},
     {},
     "host;x-amz-date",
     "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
    {"get-vanilla-query-order-key-case",
     "GET",
     "/",
     {{"Param2", "value2"}, {"Param1", "value1"}},
     {},
     "host;x-amz-date",
     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
    {"get-vanilla-query-order-encoded",
     "GET",
     "/",
     {{"Param-3", "Value3"}, {"Param", "Value2"}, {"\xE1\x88\xB4", "Value1"}},
     {},
     "host;x-amz-date",
     "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"},
    {"get-vanilla-query-unreserved",
     "GET",
     "/",
     {{"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}},
     {},
     "host;x-amz-date",
     "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
    {"get-vanilla-utf8-query",
     "GET",
     "/",
     {{"\xE1\x88\xB4", "bar"}},
     {},
     "host;x-amz-date",
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
    {"get-vanilla-empty-query-key",
     "GET",
     "/",
     {{"Param1", "value1"}},
     {},
     "host;x-amz-date",
     "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
    {"get-utf8",
     "GET",
     "/\xE1\x88\xB4",
     {},
     {},
     "host;x-amz-date",
     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
    {"get-unreserved",
     "GET",
     "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
     {},
     {},
     "host;x-amz-date",
     "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
    {"get-header-value-trim",
     "GET",
     "/",
     {},
     {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
     "host;my-header1;my-header2;x-amz-date",
     "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
    {"post-vanilla",
     "POST",
     "/",
     {},
     {},
     "host;x-amz-date",
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
    {"post-vanilla-query",
     "POST",
     "/",
     {{"Param1", "value1"}},
     {},
     "host;x-amz-date",
     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
    {"post-header-key-sort",
     "POST",
     "/",
     {},
     {{"My-Header1", "value1"}},
     "host;my-header1;x-amz-date",
     "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
};

s3::SignedRequest suite_request(const SuiteVector& v) {
    s3::SignedRequest r{v.method, v.path, v.query, {}, std::string(kEmptySha256)};
    r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", std::string(kSuiteDate)}};
    for (const auto& h : v.extra_headers) r.headers.push_back(h);
    return r;
}

TEST(SigV4Suite, EveryVectorSignsAsPublished) {
    for (const auto& v : kSuite) {
        SCOPED_TRACE(v.name);
        const auto s = s3::sign(suite_request(v), kSuiteKey, kSuiteScope, kSuiteDate);
        EXPECT_EQ(s.signature, v.signature);
        EXPECT_EQ(s.authorization,
                  std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                              "service/aws4_request, SignedHeaders=") +
                      v.signed_headers + ", Signature=" + v.signature);
    }
}

TEST(SigV4Suite, CanonicalRequestOfGetHeaderValueTrim) {
    // get-header-value-trim.creq: blanks trimmed and runs inside a value made one space.
    const auto s = s3::sign(suite_request(kSuite[9]), kSuiteKey, kSuiteScope, kSuiteDate);
    EXPECT_EQ(s.canonical_request,
              "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
              "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" +
                  std::string(kEmptySha256));
}

TEST(SigV4Suite, CanonicalQueryIsSortedAndEncoded) {
    // get-vanilla-query-order-key.creq and get-vanilla-utf8-query.creq.
    EXPECT_EQ(s3::canonical_query({{"Param1", "value2"}, {"Param1", "Value1"}}),
              "Param1=Value1&Param1=value2");
    EXPECT_EQ(s3::canonical_query({{"\xE1\x88\xB4", "bar"}}), "%E1%88%B4=bar");
}

TEST(SigV4Suite, PostFormWithSignedContentHash) {
    // post-x-www-form-urlencoded (aws-c-auth's revision, which signs x-amz-content-sha256
    // and content-length): the body's hash is the payload hash.
    const std::string body = "Param1=value1";
    const std::string hash = s3::payload_sha256(body);
    EXPECT_EQ(hash, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
    s3::SignedRequest r{"POST", "/", {}, {}, hash};
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Host", "example.amazonaws.com"},
                 {"Content-Length", "13"},
                 {"x-amz-content-sha256", hash},
                 {"X-Amz-Date", std::string(kSuiteDate)}};
    const auto s = s3::sign(r, kSuiteKey, kSuiteScope, kSuiteDate);
    EXPECT_EQ(s.authorization,
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, "
              "Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b");
}

TEST(SigV4Suite, SigningKeyOfTheIamExample) {
    // "Examples of how to derive a signing key for Signature Version 4" (AWS General Reference).
    const std::string key = s3::signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                            {"us-east-1", "iam"});
    EXPECT_EQ(core::crypto::to_hex(key),
              "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

// --- The S3 examples ---------------------------------------------------------------------------
// Amazon S3 API Reference, "Signature Calculations for the Authorization Header: Transferring
// Payload in a Single Chunk (AWS Signature Version 4)", section "Examples: Signature
// Calculations": key AKIAIOSFODNN7EXAMPLE, us-east-1, bucket examplebucket, 2013-05-24.
const s3::Credentials kS3Key{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
const s3::Scope kS3Scope{"us-east-1", "s3"};
constexpr std::string_view kS3Date = "20130524T000000Z";

s3::SignedRequest s3_request(std::string method, std::string path, Pairs query,
                             const std::string& payload_hash, Pairs extra = {}) {
    s3::SignedRequest r{std::move(method), std::move(path), std::move(query), {}, payload_hash};
    r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                 {"x-amz-date", std::string(kS3Date)},
                 {"x-amz-content-sha256", payload_hash}};
    for (auto& h : extra) r.headers.push_back(std::move(h));
    return r;
}

TEST(SigV4S3Examples, GetObjectWithRange) {
    const auto r =
        s3_request("GET", "/test.txt", {}, std::string(kEmptySha256), {{"Range", "bytes=0-9"}});
    const auto s = s3::sign(r, kS3Key, kS3Scope, kS3Date);
    EXPECT_EQ(s.canonical_request,
              "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
              "x-amz-content-sha256:"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
              "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(s.string_to_sign,
              "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
              "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    EXPECT_EQ(s.authorization,
              "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
              "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
              "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3Examples, PutObjectSignsThePayloadAndEncodesTheDollar) {
    const std::string hash = s3::payload_sha256("Welcome to Amazon S3.");
    EXPECT_EQ(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    const auto r = s3_request(
        "PUT", "/test$file.text", {}, hash,
        {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"}});
    const auto s = s3::sign(r, kS3Key, kS3Scope, kS3Date);
    EXPECT_NE(s.canonical_request.find("PUT\n/test%24file.text\n\n"), std::string::npos);
    EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
    EXPECT_NE(s.authorization.find(
                  "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class"),
              std::string::npos);
}

TEST(SigV4S3Examples, GetBucketLifecycleHasAValuelessParameter) {
    const auto r = s3_request("GET", "/", {{"lifecycle", ""}}, std::string(kEmptySha256));
    const auto s = s3::sign(r, kS3Key, kS3Scope, kS3Date);
    EXPECT_NE(s.canonical_request.find("GET\n/\nlifecycle=\n"), std::string::npos);
    EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3Examples, ListObjectsSortsTheQuery) {
    // Given out of order on purpose: the canonical query must sort it.
    const auto r =
        s3_request("GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, std::string(kEmptySha256));
    const auto s = s3::sign(r, kS3Key, kS3Scope, kS3Date);
    EXPECT_NE(s.canonical_request.find("GET\n/\nmax-keys=2&prefix=J\n"), std::string::npos);
    EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

// --- Our own rules -------------------------------------------------------------------------------

TEST(SigV4Encoding, PathsKeepSlashesAndEncodeEverythingElseOnce) {
    EXPECT_EQ(s3::uri_encode("/a b/c+d=é/%41", true), "/a%20b/c%2Bd%3D%C3%A9/%2541");
    EXPECT_EQ(s3::uri_encode("a/b", false), "a%2Fb");
    // S3 keys may hold dot segments: they are signed as they are, never normalised.
    s3::SignedRequest r{"GET", "/bucket/./a/../b", {}, {}, std::string(s3::kUnsignedPayload)};
    EXPECT_EQ(s3::canonical_request(r).substr(0, 22), "GET\n/bucket/./a/../b\n\n");
}

TEST(SigV4Encoding, UnsignedPayloadIsTheLastLine) {
    s3::SignedRequest r{"PUT", "/b/k", {}, {{"host", "h"}}, std::string(s3::kUnsignedPayload)};
    const std::string c = s3::canonical_request(r);
    EXPECT_EQ(c.substr(c.rfind('\n') + 1), "UNSIGNED-PAYLOAD");
}

TEST(SigV4Encoding, RepeatedHeadersAreJoinedInOrder) {
    s3::SignedRequest r{"GET", "/", {}, {{"X-A", "2"}, {"host", "h"}, {"x-a", "1"}}, "h"};
    EXPECT_EQ(s3::canonical_request(r), "GET\n/\n\nhost:h\nx-a:2,1\n\nhost;x-a\nh");
}

}  // namespace
}  // namespace drawbridge::testing
