// What a failed S3 call throws: the server's error document (Code, Message, RequestId) or the
// transport's failure (docs/s3.md#errors). Never holds a credential.
#pragma once

#include <stdexcept>
#include <string>

namespace drawbridge::s3 {

class Error : public std::runtime_error {
  public:
    // `operation` names the call ("GET /bucket/key"); `status` is 0 for a transport failure.
    Error(const std::string& operation, long status, std::string code, std::string message,
          std::string request_id);

    long status() const { return status_; }
    // S3's code ("NoSuchKey", "SignatureDoesNotMatch"); empty for a transport failure.
    const std::string& code() const { return code_; }
    const std::string& message() const { return message_; }
    const std::string& request_id() const { return request_id_; }

  private:
    long status_;
    std::string code_;
    std::string message_;
    std::string request_id_;
};

}  // namespace drawbridge::s3
