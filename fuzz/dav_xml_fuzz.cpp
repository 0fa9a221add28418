// libFuzzer harness: WebDAV request bodies (PROPFIND, PROPPATCH, LOCK) through
// davxml::Document::parse, then every accessor the WebDAV methods call on a parsed body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/dav_xml.h"

using drawbridge::http::davxml::Document;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    std::string error;
    const auto doc = Document::parse(body, error);
    if (!doc) {
        if (error.empty()) __builtin_trap();  // a refusal always says why
        return 0;
    }
    const auto root = doc->top_element();
    if (!root || !doc->name(root)) __builtin_trap();

    // Every node, iteratively (a recursive walk is what the limits keep the server from).
    std::size_t elements = 0;
    for (auto n = root; n;) {
        if (n.type() == pugi::node_element) {
            const auto* q = doc->name(n);
            if (!q || q->local.empty()) __builtin_trap();  // every element was resolved
            ++elements;
        }
        if (auto c = n.first_child()) {
            n = c;
            continue;
        }
        while (n && n != root && !n.next_sibling()) n = n.parent();
        if (!n || n == root) break;
        n = n.next_sibling();
    }
    if (elements == 0) __builtin_trap();

    // What PROPFIND, PROPPATCH and LOCK look at: the root, its DAV: children, their content.
    for (const char* local : {"propfind", "propertyupdate", "lockinfo"})
        (void)doc->is_dav(root, local);
    for (const char* local : {"prop", "allprop", "propname", "set", "remove", "owner", "lockscope",
                              "locktype", "include"})
        (void)doc->dav_child(root, local);
    // The root's content, put back inside another element, is still well-formed, declares
    // every prefix it uses and names the same elements (what PROPPATCH and LOCK store and
    // send back). A refusal for a limit is allowed: copied declarations count again.
    const std::string content = doc->inner_xml(root);
    std::size_t out = content.size();
    std::string reerror;
    if (const auto again = Document::parse("<w>" + content + "</w>", reerror)) {
        auto a = again->top_element().first_child();
        for (auto c = root.first_child(); c; c = c.next_sibling()) {
            if (c.type() != pugi::node_element) continue;
            while (a && a.type() != pugi::node_element) a = a.next_sibling();
            if (!a || !again->name(a) || !(*again->name(a) == *doc->name(c))) __builtin_trap();
            a = a.next_sibling();
        }
    } else if (reerror.find("more than") == std::string::npos &&
               reerror.find("deeper than") == std::string::npos) {
        __builtin_trap();
    }
    for (auto c = root.first_child(); c; c = c.next_sibling()) {
        (void)doc->name(c);
        (void)doc->is_dav(c, "prop");
        (void)doc->dav_child(c, "prop");
        out += doc->inner_xml(c).size();
    }
    // Keeps the work from being optimised away.
    asm volatile("" : : "r"(out) : "memory");
    return 0;
}
