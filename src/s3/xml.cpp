#include "s3/xml.h"

#include "core/markup.h"

#include <pugixml.hpp>

#include <charconv>
#include <stdexcept>

namespace drawbridge::s3 {
namespace {

// Parses `body` (already bounded by the transport) and returns its root element, which must be
// named `root`; an empty node when it is another document.
pugi::xml_node root_of(pugi::xml_document& doc, std::string_view body, const char* root) {
    if (body.size() > kMaxXmlBytes) throw std::runtime_error("S3 reply larger than the XML bound");
    // No entity expansion beyond the predefined five (pugixml never fetches DTDs).
    const auto ok = doc.load_buffer(body.data(), body.size(), pugi::parse_default);
    if (!ok) return {};
    const pugi::xml_node node = doc.document_element();
    return std::string_view(node.name()) == root ? node : pugi::xml_node{};
}

std::string text_of(pugi::xml_node parent, const char* name) {
    return parent.child(name).text().as_string();
}

std::uint64_t size_of(pugi::xml_node parent) {
    const std::string text = text_of(parent, "Size");
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        throw std::runtime_error("S3 listing entry without a valid Size");
    }
    return n;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<ErrorDocument> parse_error(std::string_view body) {
    pugi::xml_document doc;
    const pugi::xml_node e = root_of(doc, body, "Error");
    if (!e) return std::nullopt;
    return ErrorDocument{text_of(e, "Code"), text_of(e, "Message"), text_of(e, "RequestId")};
}

ListPage parse_list(std::string_view body, std::size_t max_entries) {
    pugi::xml_document doc;
    const pugi::xml_node r = root_of(doc, body, "ListBucketResult");
    if (!r) throw std::runtime_error("S3 listing reply is not a ListBucketResult");
    const bool encoded = text_of(r, "EncodingType") == "url";
    const auto key_text = [encoded](const std::string& s) { return encoded ? url_decode(s) : s; };
    ListPage page;
    for (const pugi::xml_node c : r.children("Contents")) {
        if (page.objects.size() >= max_entries) throw std::runtime_error("S3 listing too long");
        ObjectEntry entry{key_text(text_of(c, "Key")), size_of(c), text_of(c, "ETag"), 0};
        entry.last_modified = parse_iso8601(text_of(c, "LastModified")).value_or(0);
        page.objects.push_back(std::move(entry));
    }
    for (const pugi::xml_node p : r.children("CommonPrefixes")) {
        if (page.objects.size() + page.common_prefixes.size() >= max_entries) {
            throw std::runtime_error("S3 listing too long");
        }
        page.common_prefixes.push_back(key_text(text_of(p, "Prefix")));
    }
    page.truncated = text_of(r, "IsTruncated") == "true";
    page.next_continuation_token = text_of(r, "NextContinuationToken");
    if (page.truncated && page.next_continuation_token.empty()) {
        throw std::runtime_error("S3 listing truncated without a continuation token");
    }
    return page;
}

std::string parse_upload_id(std::string_view body) {
    pugi::xml_document doc;
    const pugi::xml_node r = root_of(doc, body, "InitiateMultipartUploadResult");
    const std::string id = r ? text_of(r, "UploadId") : "";
    if (id.empty()) throw std::runtime_error("S3 reply to CreateMultipartUpload has no UploadId");
    return id;
}

std::string parse_copy_etag(std::string_view body) {
    pugi::xml_document doc;
    const pugi::xml_node r = root_of(doc, body, "CopyObjectResult");
    if (!r) throw std::runtime_error("S3 reply to CopyObject is not a CopyObjectResult");
    return text_of(r, "ETag");
}

std::string complete_multipart_body(const std::vector<CompletedPart>& parts) {
    std::string out = "<CompleteMultipartUpload>";
    for (const auto& p : parts) {
        out += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" +
               core::markup_escape(p.etag) + "</ETag></Part>";
    }
    return out + "</CompleteMultipartUpload>";
}

std::optional<core::UnixTime> parse_iso8601(std::string_view text) {
    // core::parse_time reads whole seconds: drop S3's milliseconds.
    const auto dot = text.find('.');
    if (dot == std::string_view::npos) return core::parse_time(text);
    const auto z = text.find('Z', dot);
    if (z == std::string_view::npos) return std::nullopt;
    return core::parse_time(std::string(text.substr(0, dot)) + "Z");
}

std::string url_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
                   hex_digit(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace drawbridge::s3
