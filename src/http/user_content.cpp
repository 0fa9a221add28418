#include "http/user_content.h"

#include <array>
#include <string>

#include "http/uri.h"

namespace drawbridge::http {
namespace {

struct FileType {
    std::string_view extension;  // lower case
    std::string_view type;
    // Shown inline: no browser runs scripts from it, and nosniff keeps it from being taken for
    // something else. Everything else (HTML, SVG, XML, JavaScript, CSS, JSON, PDF) is active or
    // may be rendered by a plug-in, and goes out as an attachment.
    bool passive;
};

constexpr std::array<FileType, 20> kTypes = {{
    {".txt", "text/plain", true},         {".csv", "text/csv", true},
    {".png", "image/png", true},          {".jpg", "image/jpeg", true},
    {".jpeg", "image/jpeg", true},        {".gif", "image/gif", true},
    {".webp", "image/webp", true},        {".mp3", "audio/mpeg", true},
    {".mp4", "video/mp4", true},          {".zip", "application/zip", true},
    {".gz", "application/gzip", true},    {".html", "text/html", false},
    {".htm", "text/html", false},         {".xhtml", "application/xhtml+xml", false},
    {".svg", "image/svg+xml", false},     {".xml", "application/xml", false},
    {".js", "text/javascript", false},    {".css", "text/css", false},
    {".json", "application/json", false}, {".pdf", "application/pdf", false},
}};

// An unknown extension is octet-stream, which browsers download and never render.
constexpr FileType kUnknown = {"", "application/octet-stream", true};

const FileType& type_of(std::string_view name) {
    name.remove_prefix(name.rfind('/') + 1);  // npos + 1: the whole name
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos || name.size() - dot > 8) return kUnknown;
    std::string ext(name.substr(dot));
    for (char& c : ext)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    for (const auto& t : kTypes)
        if (t.extension == ext) return t;
    return kUnknown;
}

// RFC 8187's attr-char: what a filename* value keeps literally.
bool attr_char(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

std::string_view content_type_of(std::string_view name) {
    return type_of(name).type;
}

void sandbox_user_content(Response& r) {
    r.set("X-Content-Type-Options", "nosniff");
    r.set("Content-Security-Policy", std::string(kUserContentPolicy));
}

void set_user_file_headers(Response& r, std::string_view path) {
    const auto& t = type_of(path);
    r.set("Content-Type", std::string(t.type));
    sandbox_user_content(r);
    if (!t.passive)
        r.set("Content-Disposition", attachment_disposition(path.substr(path.rfind('/') + 1)));
}

std::string attachment_disposition(std::string_view name) {
    // The quoted fallback, for the few clients without filename*, is printable ASCII only:
    // no quote or backslash to escape, and no CR/LF (file names may hold them) to end the header.
    std::string fallback;
    for (const char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        fallback += c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%' ? ch : '_';
    }
    return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" +
           percent_encode(name, attr_char);
}

}  // namespace drawbridge::http
