// AWS Signature Version 4 for requests signed in the Authorization header (docs/s3.md#signing).
//
// The signer is pure: it signs exactly the method, path, query and headers it is given, so the
// same code signs the published test vectors and the client's real requests. Paths follow S3's
// rule: each segment URI-encoded once, slashes kept, no "."/".." normalisation (S3 keys may
// hold them).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace drawbridge::s3 {

// The payload hash of a body the signature does not cover (S3 only; docs/s3.md#signing).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct Credentials {
    std::string access_key;
    std::string secret_key;
};

// Where a signature is valid: "20150830/us-east-1/service/aws4_request".
struct Scope {
    std::string region;
    std::string service = "s3";
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct SignedRequest {
    std::string method;  // "GET", "PUT", ...
    std::string path;    // raw, not yet encoded: "/bucket/a key/ሴ"
    Pairs query;         // raw names and values, any order; "?uploads" is {"uploads", ""}
    Pairs headers;       // every header to sign, any case and order; must hold host and x-amz-date
    std::string payload_hash;  // lowercase hex SHA-256 of the body, or kUnsignedPayload
};

// RFC 3986 unreserved characters kept, every other byte %XX (upper-case hex); '/' kept when
// `keep_slash` (paths), encoded otherwise (query names and values).
std::string uri_encode(std::string_view text, bool keep_slash);
// "a=1&b=x%20y": names and values encoded, sorted by name then value.
std::string canonical_query(const Pairs& query);
// "host;x-amz-date": lowercase names, sorted, duplicates once.
std::string signed_headers(const Pairs& headers);

std::string canonical_request(const SignedRequest& request);
// `amz_date` is the request's x-amz-date, "20150830T123600Z".
std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical);
// kSigning, raw bytes: HMAC chain over date, region, service and "aws4_request".
std::string signing_key(std::string_view secret_key, std::string_view date, const Scope& scope);

struct Signature {
    std::string canonical_request;
    std::string string_to_sign;
    std::string signature;      // lowercase hex
    std::string authorization;  // the Authorization header's value
};
Signature sign(const SignedRequest& request, const Credentials& credentials, const Scope& scope,
               std::string_view amz_date);

// Lowercase hex SHA-256 of `body`, for payload_hash and x-amz-content-sha256.
std::string payload_sha256(std::string_view body);

}  // namespace drawbridge::s3
