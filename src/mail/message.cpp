#include "mail/message.h"

#include <ctime>

#include "core/crypto.h"

namespace drawbridge::mail {
namespace {

std::string one_line(std::string v) {
    for (char& c : v)
        if (c == '\r' || c == '\n') c = ' ';
    return v;
}

bool is_ascii_text(const std::string& v) {
    for (unsigned char c : v)
        if (c < 0x20 || c >= 0x7f) return false;
    return true;
}

// RFC 2047 "B" encoding, in words short enough for a header line.
std::string encoded_header(const std::string& v) {
    if (is_ascii_text(v)) return v;
    std::string out;
    std::size_t i = 0;
    while (i < v.size()) {
        std::size_t n = std::min<std::size_t>(45, v.size() - i);
        // Do not cut a UTF-8 sequence between two words.
        while (n > 1 && i + n < v.size() && (static_cast<unsigned char>(v[i + n]) & 0xC0) == 0x80)
            --n;
        out += (out.empty() ? "" : "\r\n ") + std::string("=?UTF-8?B?") +
               core::crypto::base64_encode(v.substr(i, n)) + "?=";
        i += n;
    }
    return out;
}

std::string base64_lines(const std::string& body) {
    const std::string b64 = core::crypto::base64_encode(body);
    std::string out;
    for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
    return out;
}

std::string rfc5322_date(core::UnixTime t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

}  // namespace

std::string message_id(const core::OutboxMail& mail, const std::string& domain) {
    return "<drawbridge-" + std::to_string(mail.id) + "-" + std::to_string(mail.created_at) + "@" +
           one_line(domain) + ">";
}

std::string build_message(const core::OutboxMail& mail, const std::string& from,
                          const std::string& domain, core::UnixTime date) {
    const std::string boundary =
        "=_drawbridge_" + core::crypto::to_hex(core::crypto::random_bytes(12));
    std::string m;
    m += "Date: " + rfc5322_date(date) + "\r\n";
    m += "From: " + one_line(from) + "\r\n";
    m += "To: " + one_line(mail.recipient) + "\r\n";
    m += "Subject: " + encoded_header(one_line(mail.subject)) + "\r\n";
    m += "Message-ID: " + message_id(mail, domain) + "\r\n";
    m += "MIME-Version: 1.0\r\n";
    m += "Auto-Submitted: auto-generated\r\n";
    m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    m += "--" + boundary + "\r\n";
    m += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    m += base64_lines(mail.body_text);
    m += "--" + boundary + "\r\n";
    m += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    m += base64_lines(mail.body_html);
    m += "--" + boundary + "--\r\n";
    return m;
}

bool is_deliverable_address(const std::string& a) {
    if (a.empty() || a.size() > 254) return false;
    const auto at = a.find('@');
    if (at == 0 || at == std::string::npos || at + 1 == a.size() ||
        a.find('@', at + 1) != std::string::npos)
        return false;
    for (unsigned char c : a)
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
            c == '\\')
            return false;
    return true;
}

}  // namespace drawbridge::mail
