// Sending a user's file over HTTP, for WebDAV's GET and the REST API's download: validators
// (ETag, Last-Modified), conditional requests, one byte range, and the user-content headers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"
#include "vfs/file_session.h"

namespace drawbridge::http {

std::optional<std::int64_t> parse_http_date(std::string_view s);
// Whether an If-Match / If-None-Match list names `etag` ("*" names any existing resource).
bool etag_matches(std::string_view list, const std::string& etag);

// The reply to a GET or HEAD of the open file `file` (its `read` is logged when the body is
// handed to the connection; HEAD reads nothing and logs nothing).
Response file_response(const Request& req, vfs::FileSession& files, vfs::Download& file);

}  // namespace drawbridge::http
