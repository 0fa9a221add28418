// What an FTP client is told: refusals of a login (one row per FailureReason) and file errors.
#pragma once

#include <string>
#include <string_view>

#include "core/failure_reason.h"

namespace drawbridge::ftp {

struct FtpWording {
    core::FailureReason reason;
    // The text after "530 <Title>: "; "{host}" stands for the site's hostname.
    std::string_view text;
};

const FtpWording& ftp_wording(core::FailureReason r);

// "530 Lockout Region Mismatch: Your account must login using a different server, https://h."
std::string login_refusal(core::FailureReason r, std::string_view site_hostname);

// The reply (code and text, no CRLF) for a failed file operation's errno.
std::string file_error(int error);

}  // namespace drawbridge::ftp
