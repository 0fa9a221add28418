// libFuzzer harness: the WebDAV If header (RFC 4918 §10.4) through parse_if_header.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/dav_locks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view header(reinterpret_cast<const char*>(data), size);
    const auto lists = drawbridge::http::parse_if_header(header);
    if (!lists) return 0;
    if (lists->empty()) __builtin_trap();  // a parsed header has at least one list
    std::size_t bytes = 0;  // the conditions' values are disjoint pieces of the header
    for (const auto& l : *lists) {
        if (l.conditions.empty()) __builtin_trap();  // and each list a condition
        if (l.resource && l.resource->size() > size) __builtin_trap();
        for (const auto& c : l.conditions) bytes += c.value.size();
    }
    if (bytes > size) __builtin_trap();
    return 0;
}
