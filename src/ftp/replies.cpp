#include "ftp/replies.h"

#include <array>
#include <cerrno>

namespace drawbridge::ftp {
namespace {

using R = core::FailureReason;
constexpr std::string_view kBadLogin = "Invalid username or password.";

// Order matches the enum; the static_asserts below keep them in step. Credential reasons share
// one text so that a client cannot tell an unknown username from a wrong password.
constexpr std::array kWording = {
    FtpWording{R::none, "Login incorrect."},
    FtpWording{R::username_not_found, kBadLogin},
    FtpWording{R::password_mismatch, kBadLogin},
    FtpWording{R::key_mismatch, kBadLogin},
    FtpWording{R::api_key_mismatch, kBadLogin},
    FtpWording{R::api_key_expired, kBadLogin},
    FtpWording{R::disabled, "This user is disabled."},
    FtpWording{R::expired_access, "This user's access has expired."},
    FtpWording{R::password_expired, "Your password has expired; set a new one on the web."},
    FtpWording{R::password_change_required,
               "You must change your password on the web before you can log in over FTP."},
    FtpWording{R::signup_incomplete, "Finish signing up through the link in your welcome email."},
    FtpWording{R::method_not_allowed,
               "This user may not log in with a password over FTP; use SFTP or an API key."},
    FtpWording{R::no_sftp_permission, "This user may not use SFTP."},
    FtpWording{R::no_ftp_permission, "This user may not use FTP."},
    FtpWording{R::no_dav_permission, "This user may not use WebDAV."},
    FtpWording{R::no_restapi_permission, "This user may not use the REST API."},
    FtpWording{R::no_web_permission, "This user may not use the web interface."},
    FtpWording{R::ip_mismatch, "Logins are not allowed from your IP address."},
    FtpWording{R::locked_out, "This user is locked out after too many failed logins."},
    FtpWording{R::rate_limited, "Too many login attempts from your address; try again later."},
    FtpWording{R::country_mismatch, "Logins are not allowed from your country."},
    FtpWording{R::region_mismatch,
               "Your account must login using a different server, https://{host}."},
    FtpWording{R::insecure_ftp,
               "Plain FTP is not allowed; TLS is required: send AUTH TLS before USER (FTPS)."},
    FtpWording{R::insecure_cipher, "Your client negotiated a cipher this site does not allow."},
    FtpWording{R::second_factor_required,
               "This account uses two-factor authentication: send the password followed by the "
               "6-digit code from the authenticator app."},
    FtpWording{R::second_factor_mismatch, "The code was not accepted."},
    FtpWording{R::password_missing,
               "This user logs in with an SSH key and a password together, over SFTP only."},
    FtpWording{R::ssh_key_missing,
               "This user logs in with a password and an SSH key together, over SFTP only."},
    FtpWording{R::directory_unavailable,
               "The directory service could not be reached; try again later."},
    FtpWording{R::protocol_disabled, "FTP is turned off on this site."},
    FtpWording{R::geoip_unavailable, "Your location cannot be checked right now; try again later."},
    FtpWording{R::insecure_http, "Logging in over plain HTTP is not allowed; use HTTPS."},
};
static_assert(kWording.size() == static_cast<std::size_t>(R::insecure_http) + 1);

constexpr bool in_enum_order() {
    for (std::size_t i = 0; i < kWording.size(); ++i)
        if (static_cast<std::size_t>(kWording[i].reason) != i) return false;
    return true;
}
static_assert(in_enum_order(), "kWording rows must follow the enum order");

}  // namespace

const FtpWording& ftp_wording(core::FailureReason r) {
    return kWording[static_cast<std::size_t>(r)];
}

std::string login_refusal(core::FailureReason r, std::string_view site_hostname) {
    std::string text(ftp_wording(r).text);
    if (const auto at = text.find("{host}"); at != std::string::npos)
        text.replace(at, 6, site_hostname);
    const std::string_view title = core::info(r).title;
    return "530 " + (title.empty() ? std::string("Login Incorrect") : std::string(title)) + ": " +
           text;
}

std::string file_error(int error) {
    switch (error) {
        case ENOENT:
        case ENOTDIR:
            return "550 No such file or directory.";
        case EACCES:
        case EPERM:
        case EROFS:
        case EXDEV:  // a path that would leave the user's root
        case ELOOP:
            return "550 Permission denied.";
        case EEXIST:
            return "550 File exists.";
        case ENOTEMPTY:
            return "550 Directory not empty.";
        case EISDIR:
            return "550 Is a directory.";
        case ENAMETOOLONG:
            return "553 File name too long.";
        case EINVAL:  // mostly a new name the vfs refuses (vfs::name_fault)
            return "553 File name not allowed: a new name may not contain CR or LF.";
        case EFBIG:  // vfs::check_write_offset
            return "554 REST offset is beyond the end of the file.";
        case ENOSPC:
        case EDQUOT:
            return "552 Insufficient storage space.";
        default:
            return "451 Local error in processing.";
    }
}

}  // namespace drawbridge::ftp
