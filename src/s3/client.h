// The S3 calls the storage backend needs (docs/s3.md#client), path-style (bucket in the path,
// as RGW and MinIO on one address need). Thread-safe: calls may run at once from many threads.
// Every failure throws s3::Error with S3's Code, Message and RequestId.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3/transport.h"
#include "s3/xml.h"

namespace drawbridge::s3 {

// User metadata, sent as x-amz-meta-<name>: names lowercase, values printable ASCII (S3 keeps
// 2 KiB of it per object). The backend keeps mtime and mode here (docs/s3.md#metadata).
using Metadata = std::map<std::string, std::string>;

struct ObjectInfo {
    std::uint64_t size = 0;
    std::string etag;
    core::UnixTime last_modified = 0;
    std::string content_type;
    Metadata metadata;
};

// Bytes [first, last], both included, as HTTP's Range counts them.
struct ByteRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};

struct ListRequest {
    std::string prefix;
    std::string delimiter;  // "/" lists one folder level
    std::string continuation_token;
    int max_keys = 1000;  // S3 never sends more in one page
};

class Client {
  public:
    explicit Client(ClientConfig config) : transport_(std::move(config)) {}

    void create_bucket(const std::string& bucket);
    void delete_bucket(const std::string& bucket);

    void put_object(const std::string& bucket, const std::string& key, std::string_view body,
                    const Metadata& metadata = {});
    // Streams the object (or `range` of it) to `sink` as it arrives; a false from the sink
    // stops the transfer (and throws Error with code "Stopped").
    void get_object(const std::string& bucket, const std::string& key,
                    std::optional<ByteRange> range,
                    const std::function<bool(std::string_view)>& sink);
    // The object (or `range`) in memory; refused past `max_bytes`.
    std::string get_object(const std::string& bucket, const std::string& key,
                           std::optional<ByteRange> range = {},
                           std::size_t max_bytes = 64 * 1024 * 1024);
    // nullopt when there is no such key.
    std::optional<ObjectInfo> head_object(const std::string& bucket, const std::string& key);
    void delete_object(const std::string& bucket, const std::string& key);
    // Server-side copy; `metadata` replaces the source's when given, else it is kept.
    void copy_object(const std::string& bucket, const std::string& from, const std::string& to,
                     const std::optional<Metadata>& metadata = {});

    // One page of ListObjectsV2.
    ListPage list_objects(const std::string& bucket, const ListRequest& request);

    std::string create_multipart_upload(const std::string& bucket, const std::string& key,
                                        const Metadata& metadata = {});
    // Returns the part's ETag, which completion lists. Parts are numbered 1..10,000.
    std::string upload_part(const std::string& bucket, const std::string& key,
                            const std::string& upload_id, int part_number, std::string_view body);
    void complete_multipart_upload(const std::string& bucket, const std::string& key,
                                   const std::string& upload_id,
                                   const std::vector<CompletedPart>& parts);
    void abort_multipart_upload(const std::string& bucket, const std::string& key,
                                const std::string& upload_id);

    const ClientConfig& config() const { return transport_.config(); }

  private:
    Transport transport_;
};

}  // namespace drawbridge::s3
