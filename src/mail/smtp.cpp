#include "mail/smtp.h"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <mutex>

namespace drawbridge::mail {
namespace {

struct Upload {
    const std::string& data;
    std::size_t sent = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* up = static_cast<Upload*>(user);
    const std::size_t n = std::min(size * count, up->data.size() - up->sent);
    std::memcpy(buffer, up->data.data() + up->sent, n);
    up->sent += n;
    return n;
}

// Bounded waits: a relay that accepts the connection and then stalls must not hold the
// sender (and its lease on the row, docs/mail.md#once) for ever.
constexpr long kConnectTimeoutSeconds = 10;
constexpr long kTransferTimeoutSeconds = 60;

}  // namespace

SmtpTransport::SmtpTransport() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

RelayAnswer SmtpTransport::send(const core::SiteSettings& site, const std::string& from,
                                const std::string& to, const std::string& message) {
    RelayAnswer answer;
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) {
        answer.error = "cannot start libcurl";
        return answer;
    }
    CURL* c = curl.get();
    const bool implicit_tls = site.smtp_security == "tls";
    const std::string url = std::string(implicit_tls ? "smtps://" : "smtp://") + site.smtp_address +
                            ":" + std::to_string(site.smtp_port);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (site.smtp_security == "starttls") curl_easy_setopt(c, CURLOPT_USE_SSL, CURLUSESSL_ALL);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, site.smtp_tls_verify ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, site.smtp_tls_verify ? 2L : 0L);
    std::string login_options;
    if (site.smtp_authentication != "none") {
        curl_easy_setopt(c, CURLOPT_USERNAME, site.smtp_username.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, site.smtp_password.c_str());
        login_options = site.smtp_authentication == "plain" ? "AUTH=PLAIN" : "AUTH=LOGIN";
        curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, login_options.c_str());
    }
    const std::string mail_from = "<" + from + ">";
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
    const std::string rcpt = "<" + to + ">";
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(
        curl_slist_append(nullptr, rcpt.c_str()), curl_slist_free_all);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
    Upload upload{message};
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, kTransferTimeoutSeconds);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);

    const CURLcode rc = curl_easy_perform(c);
    long reply = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
    if (rc == CURLE_OK) {
        answer.delivered = true;
        return answer;
    }
    answer.permanent = reply >= 500 && reply < 600;
    answer.error = std::string(error[0] ? error : curl_easy_strerror(rc));
    if (reply) answer.error += " (relay reply " + std::to_string(reply) + ")";
    return answer;
}

}  // namespace drawbridge::mail
