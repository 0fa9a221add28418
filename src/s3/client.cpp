#include "s3/client.h"

#include <charconv>
#include <ctime>
#include <stdexcept>

#include "s3/error.h"

namespace drawbridge::s3 {
namespace {

constexpr std::string_view kMetaPrefix = "x-amz-meta-";
// S3's own bounds: a key of at most 1,024 bytes; parts numbered 1..10,000.
constexpr std::size_t kMaxKeyBytes = 1024;
constexpr int kMaxPartNumber = 10000;

std::string object_path(const std::string& bucket, const std::string& key) {
    if (bucket.empty() || bucket.find('/') != std::string::npos) {
        throw std::invalid_argument("S3 bucket name empty or with '/'");
    }
    if (key.empty() || key.size() > kMaxKeyBytes) {
        throw std::invalid_argument("S3 key empty or longer than 1,024 bytes");
    }
    return "/" + bucket + "/" + key;
}

bool printable(std::string_view s) {
    for (const unsigned char c : s) {
        if (c < 0x20 || c > 0x7e) return false;
    }
    return true;
}

void add_metadata(Pairs& headers, const Metadata& metadata) {
    for (const auto& [name, value] : metadata) {
        if (name.empty() || !printable(name) || !printable(value) ||
            name.find_first_of(" :()<>@,;\\\"/[]?={}") != std::string::npos) {
            throw std::invalid_argument("S3 metadata name or value not printable ASCII");
        }
        headers.emplace_back(std::string(kMetaPrefix) + name, value);
    }
}

std::uint64_t number_of(const std::string& text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size()) return 0;
    return n;
}

// HTTP's IMF-fixdate ("Sun, 06 Dec 2026 21:45:45 GMT"), as S3 sends Last-Modified.
core::UnixTime http_date(const std::string& text) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return end && *end == '\0' ? timegm(&tm) : 0;
}

// A 200 reply can still carry an <Error> (CopyObject, CompleteMultipartUpload: S3 answers
// before the work is done).
void check_late_error(const std::string& operation, const HttpReply& reply) {
    if (auto doc = parse_error(reply.body)) {
        throw Error(operation, reply.status, doc->code, doc->message, doc->request_id);
    }
}

}  // namespace

void Client::create_bucket(const std::string& bucket) {
    transport_.send({"PUT", "/" + bucket, {}, {}, {}, {}, 0});
}

void Client::delete_bucket(const std::string& bucket) {
    transport_.send({"DELETE", "/" + bucket, {}, {}, {}, {}, 0});
}

void Client::put_object(const std::string& bucket, const std::string& key, std::string_view body,
                        const Metadata& metadata) {
    HttpRequest r{"PUT", object_path(bucket, key), {}, {}, body, {}, 0};
    add_metadata(r.headers, metadata);
    transport_.send(r);
}

void Client::get_object(const std::string& bucket, const std::string& key,
                        std::optional<ByteRange> range,
                        const std::function<bool(std::string_view)>& sink) {
    HttpRequest r{"GET", object_path(bucket, key), {}, {}, {}, sink, 0};
    if (range) {
        if (range->last < range->first) throw std::invalid_argument("S3 range ends before start");
        r.headers.emplace_back(
            "range", "bytes=" + std::to_string(range->first) + "-" + std::to_string(range->last));
    }
    transport_.send(r);
}

std::string Client::get_object(const std::string& bucket, const std::string& key,
                               std::optional<ByteRange> range, std::size_t max_bytes) {
    std::string out;
    bool too_large = false;
    try {
        get_object(bucket, key, range, [&](std::string_view chunk) {
            too_large = out.size() + chunk.size() > max_bytes;
            if (!too_large) out.append(chunk);
            return !too_large;
        });
    } catch (const Error& e) {
        if (!too_large) throw;
        throw Error("GET " + object_path(bucket, key), e.status(), "ReplyTooLarge",
                    "object beyond " + std::to_string(max_bytes) + " bytes", "");
    }
    return out;
}

std::optional<ObjectInfo> Client::head_object(const std::string& bucket, const std::string& key) {
    HttpReply reply;
    try {
        reply = transport_.send({"HEAD", object_path(bucket, key), {}, {}, {}, {}, 0});
    } catch (const Error& e) {
        if (e.status() == 404) return std::nullopt;
        throw;
    }
    ObjectInfo info;
    info.size = number_of(reply.header("content-length"));
    info.etag = reply.header("etag");
    info.last_modified = http_date(reply.header("last-modified"));
    info.content_type = reply.header("content-type");
    for (const auto& [name, value] : reply.headers) {
        if (name.starts_with(kMetaPrefix)) info.metadata[name.substr(kMetaPrefix.size())] = value;
    }
    return info;
}

void Client::delete_object(const std::string& bucket, const std::string& key) {
    transport_.send({"DELETE", object_path(bucket, key), {}, {}, {}, {}, 0});
}

void Client::copy_object(const std::string& bucket, const std::string& from, const std::string& to,
                         const std::optional<Metadata>& metadata) {
    HttpRequest r{"PUT", object_path(bucket, to), {}, {}, {}, {}, 0};
    r.headers.emplace_back("x-amz-copy-source", uri_encode(object_path(bucket, from), true));
    r.headers.emplace_back("x-amz-metadata-directive", metadata ? "REPLACE" : "COPY");
    if (metadata) add_metadata(r.headers, *metadata);
    const HttpReply reply = transport_.send(r);
    check_late_error("PUT " + r.path + " (copy)", reply);
    parse_copy_etag(reply.body);
}

ListPage Client::list_objects(const std::string& bucket, const ListRequest& request) {
    if (request.max_keys < 1 || request.max_keys > 1000) {
        throw std::invalid_argument("S3 max-keys outside 1..1000");
    }
    HttpRequest r{"GET", "/" + bucket, {}, {}, {}, {}, 0};
    r.query = {{"list-type", "2"},
               {"encoding-type", "url"},
               {"max-keys", std::to_string(request.max_keys)}};
    if (!request.prefix.empty()) r.query.emplace_back("prefix", request.prefix);
    if (!request.delimiter.empty()) r.query.emplace_back("delimiter", request.delimiter);
    if (!request.continuation_token.empty()) {
        r.query.emplace_back("continuation-token", request.continuation_token);
    }
    return parse_list(transport_.send(r).body, static_cast<std::size_t>(request.max_keys));
}

std::string Client::create_multipart_upload(const std::string& bucket, const std::string& key,
                                            const Metadata& metadata) {
    HttpRequest r{"POST", object_path(bucket, key), {{"uploads", ""}}, {}, {}, {}, 0};
    add_metadata(r.headers, metadata);
    return parse_upload_id(transport_.send(r).body);
}

std::string Client::upload_part(const std::string& bucket, const std::string& key,
                                const std::string& upload_id, int part_number,
                                std::string_view body) {
    if (part_number < 1 || part_number > kMaxPartNumber) {
        throw std::invalid_argument("S3 part number outside 1..10000");
    }
    HttpRequest r{"PUT", object_path(bucket, key), {}, {}, body, {}, 0};
    r.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
    const std::string etag = transport_.send(r).header("etag");
    if (etag.empty()) throw Error("PUT " + r.path + " (part)", 200, "NoETag", "", "");
    return etag;
}

void Client::complete_multipart_upload(const std::string& bucket, const std::string& key,
                                       const std::string& upload_id,
                                       const std::vector<CompletedPart>& parts) {
    const std::string body = complete_multipart_body(parts);
    HttpRequest r{"POST", object_path(bucket, key), {{"uploadId", upload_id}}, {}, body, {}, 0};
    r.headers.emplace_back("content-type", "application/xml");
    check_late_error("POST " + r.path + " (complete)", transport_.send(r));
}

void Client::abort_multipart_upload(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id) {
    HttpRequest r{"DELETE", object_path(bucket, key), {{"uploadId", upload_id}}, {}, {}, {}, 0};
    transport_.send(r);
}

}  // namespace drawbridge::s3
