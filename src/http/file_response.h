// Sending a user's file over HTTP, for WebDAV's GET and the REST API's download: validators
// (ETag, Last-Modified), conditional requests, one byte range, and the user-content headers.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <cerrno>

#include "http/message.h"
#include "vfs/file_session.h"

namespace drawbridge::http {

std::optional<std::int64_t> parse_http_date(std::string_view s);
// Whether an If-Match / If-None-Match list names `etag` ("*" names any existing resource).
bool etag_matches(std::string_view list, const std::string& etag);

// The reply to a GET or HEAD of the open file `file` (its `read` is logged when the body is
// handed to the connection; HEAD reads nothing and logs nothing).
Response file_response(const Request& req, vfs::FileSession& files, vfs::Download& file);

// Streams a request body (WebDAV PUT, the REST API's upload) into a FileSession upload: the file
// gets its name only when the body is complete; dropped unfinished (the client went away), the
// upload is aborted. `reply` words the result for its protocol: 0 or the errno of the upload.
class UploadSink : public BodySink {
  public:
    using Reply = std::function<Response(int error, const std::string& path)>;
    UploadSink(vfs::FileSession& files, Reply reply) : files_(files), reply_(std::move(reply)) {}
    ~UploadSink() override { files_.abort(upload_, ECONNRESET); }

    int open(const std::string& path) { return files_.begin_upload(path, {}, upload_); }
    int write(const char* data, std::size_t size) override;
    Response finish(int error) override;

  private:
    vfs::FileSession& files_;
    Reply reply_;
    vfs::Upload upload_;
};

}  // namespace drawbridge::http
