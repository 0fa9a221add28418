// The S3 XML documents the client reads and writes (docs/s3.md#xml). Every parser takes a body
// the transport already bounded (kMaxXmlBytes) and refuses one that is not the expected document.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace drawbridge::s3 {

// The largest XML reply read: a 1,000-key listing of 1,024-byte keys fits several times over.
inline constexpr std::size_t kMaxXmlBytes = 8 * 1024 * 1024;

struct ErrorDocument {
    std::string code;
    std::string message;
    std::string request_id;
};
// The <Error> document, if `body` is one (S3 sends it with 4xx/5xx, and with 200 for a
// CompleteMultipartUpload or CopyObject that failed after the reply began).
std::optional<ErrorDocument> parse_error(std::string_view body);

struct ObjectEntry {
    std::string key;
    std::uint64_t size = 0;
    std::string etag;
    core::UnixTime last_modified = 0;
};

struct ListPage {
    std::vector<ObjectEntry> objects;
    std::vector<std::string> common_prefixes;  // "folders" when a delimiter was given
    bool truncated = false;
    std::string next_continuation_token;
};
// ListObjectsV2's <ListBucketResult>; keys come URL-encoded (encoding-type=url) and are decoded.
// Throws std::runtime_error when `body` is not one or holds more than `max_entries` entries.
ListPage parse_list(std::string_view body, std::size_t max_entries);

// <InitiateMultipartUploadResult>'s UploadId; <CopyObjectResult>'s ETag. Throw when absent.
std::string parse_upload_id(std::string_view body);
std::string parse_copy_etag(std::string_view body);

struct CompletedPart {
    int number = 0;
    std::string etag;
};
std::string complete_multipart_body(const std::vector<CompletedPart>& parts);

// ISO-8601 as S3 writes LastModified ("2026-12-06T21:45:45.123Z") to Unix seconds.
std::optional<core::UnixTime> parse_iso8601(std::string_view text);
// S3's encoding-type=url form: %XX and '+' for a space.
std::string url_decode(std::string_view text);

}  // namespace drawbridge::s3
