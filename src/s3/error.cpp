#include "s3/error.h"

namespace drawbridge::s3 {
namespace {

// "S3 GET /b/k: NoSuchKey (HTTP 404): The specified key does not exist. [request tx00-1]"
std::string describe(const std::string& operation, long status, const std::string& code,
                     const std::string& message, const std::string& request_id) {
    std::string out = "S3 " + operation + ": ";
    if (status == 0) return out + "transport failure: " + message;
    out += (code.empty() ? "error" : code) + " (HTTP " + std::to_string(status) + ")";
    if (!message.empty()) out += ": " + message;
    if (!request_id.empty()) out += " [request " + request_id + "]";
    return out;
}

}  // namespace

Error::Error(const std::string& operation, long status, std::string code, std::string message,
             std::string request_id)
    : std::runtime_error(describe(operation, status, code, message, request_id)),
      status_(status),
      code_(std::move(code)),
      message_(std::move(message)),
      request_id_(std::move(request_id)) {}

}  // namespace drawbridge::s3
