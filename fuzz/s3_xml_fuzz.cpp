// libFuzzer harness: the S3 replies the client parses (src/s3/xml.cpp, pugixml): error
// documents, ListObjectsV2 pages, multipart and copy results, URL-decoded keys and S3's times.
// The bytes come from the configured S3 server, which a proxy or a hostile endpoint may shape.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "s3/xml.h"

namespace s3 = drawbridge::s3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    (void)s3::parse_error(body);
    try {
        const auto page = s3::parse_list(body, 16);
        if (page.objects.size() + page.common_prefixes.size() > 16) __builtin_trap();
        if (page.truncated && page.next_continuation_token.empty()) __builtin_trap();
    } catch (const std::runtime_error&) {  // refused: the only way it may fail
    }
    for (auto* parse : {&s3::parse_upload_id, &s3::parse_copy_etag}) {
        try {
            (void)parse(body);
        } catch (const std::runtime_error&) {
        }
    }
    if (s3::url_decode(body).size() > body.size()) __builtin_trap();  // decoding only shrinks
    (void)s3::parse_iso8601(body);
    return 0;
}
