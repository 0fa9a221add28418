#include "http/dav_xml.h"

#include <set>

#include "http/uri.h"

namespace drawbridge::http::davxml {

std::optional<QName> qname_of(pugi::xml_node n) {
    const std::string_view name = n.name();
    const auto colon = name.find(':');
    const std::string prefix(colon == std::string_view::npos ? "" : name.substr(0, colon));
    const std::string local(colon == std::string_view::npos ? name : name.substr(colon + 1));
    if (local.empty()) return std::nullopt;
    const std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + prefix;
    for (auto p = n; p && p.type() == pugi::node_element; p = p.parent()) {
        if (const auto a = p.attribute(attr.c_str())) {
            if (!prefix.empty() && *a.value() == '\0') return std::nullopt;
            return QName{a.value(), local};
        }
    }
    if (prefix.empty()) return QName{"", local};
    return std::nullopt;
}

bool namespaces_valid(pugi::xml_node node) {
    for (auto c = node.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        if (!qname_of(c) || !namespaces_valid(c)) return false;
    }
    return true;
}

bool is_dav(pugi::xml_node n, std::string_view local) {
    if (n.type() != pugi::node_element) return false;
    const auto q = qname_of(n);
    return q && q->ns == "DAV:" && q->local == local;
}

pugi::xml_node dav_child(pugi::xml_node n, std::string_view local) {
    for (auto c = n.first_child(); c; c = c.next_sibling())
        if (is_dav(c, local)) return c;
    return {};
}

namespace {

struct StringWriter : pugi::xml_writer {
    std::string out;
    void write(const void* data, size_t size) override {
        out.append(static_cast<const char*>(data), size);
    }
};

}  // namespace

std::string inner_xml(pugi::xml_node n) {
    StringWriter w;
    for (auto c = n.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
            w.out += xml_escape(c.value());
            continue;
        }
        if (c.type() != pugi::node_element) continue;
        std::set<std::string> declared;
        for (auto a = c.first_attribute(); a; a = a.next_attribute()) declared.insert(a.name());
        for (auto p = n; p && p.type() == pugi::node_element; p = p.parent())
            for (auto a = p.first_attribute(); a; a = a.next_attribute()) {
                const std::string_view name = a.name();
                if ((name == "xmlns" || name.starts_with("xmlns:")) &&
                    declared.insert(std::string(name)).second)
                    c.append_attribute(a.name()) = a.value();
            }
        c.print(w, "", pugi::format_raw);
    }
    return w.out;
}

std::string element(const QName& name, std::string_view value) {
    std::string tag, decl;
    if (name.ns == "DAV:") {
        tag = "D:" + name.local;
    } else if (name.ns.empty()) {
        tag = name.local;
        decl = " xmlns=\"\"";
    } else {
        tag = "X:" + name.local;
        decl = " xmlns:X=\"" + xml_escape(name.ns) + "\"";
    }
    if (value.empty()) return "<" + tag + decl + "/>";
    return "<" + tag + decl + ">" + std::string(value) + "</" + tag + ">";
}

std::optional<pugi::xml_document> parse(const std::string& body) {
    std::optional<pugi::xml_document> doc(std::in_place);
    const auto result =
        doc->load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!result || !doc->document_element() || !namespaces_valid(*doc)) return std::nullopt;
    return doc;
}

}  // namespace drawbridge::http::davxml
