#include "http/dav_xml.h"

#include <map>
#include <optional>
#include <set>

#include "http/uri.h"

namespace drawbridge::http::davxml {

namespace {

constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

// The next node of a depth-first walk below `top` (null at the end): no recursion, so no
// document can exhaust the stack.
pugi::xml_node next_in_walk(pugi::xml_node n, pugi::xml_node top) {
    if (auto c = n.first_child()) return c;
    while (n && n != top) {
        if (auto s = n.next_sibling()) return s;
        n = n.parent();
    }
    return {};
}

// The prefix of a qualified name ("" when it has none).
std::string_view prefix_of(std::string_view qname) {
    const auto colon = qname.find(':');
    return colon == std::string_view::npos ? std::string_view() : qname.substr(0, colon);
}

struct StringWriter : pugi::xml_writer {
    std::string out;
    void write(const void* data, size_t size) override {
        out.append(static_cast<const char*>(data), size);
    }
};

}  // namespace

std::string check_limits(std::string_view s) {
    std::size_t depth = 0, elements = 0;
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] != '<') {
            ++i;
            continue;
        }
        const auto rest = s.substr(i);
        auto skip_past = [&](std::string_view end) {
            const auto j = s.find(end, i);
            i = j == std::string_view::npos ? s.size() : j + end.size();
        };
        if (rest.starts_with("<!--")) {
            skip_past("-->");
        } else if (rest.starts_with("<![CDATA[")) {
            skip_past("]]>");
        } else if (rest.starts_with("<!")) {
            return "a document type declaration is not allowed in a WebDAV body";
        } else if (rest.starts_with("<?")) {
            skip_past("?>");
        } else if (rest.starts_with("</")) {
            if (depth > 0) --depth;
            skip_past(">");
        } else {
            // A start tag: its end is the first '>' outside a quoted attribute value.
            std::size_t j = i + 1;
            char quote = 0;
            for (; j < s.size(); ++j) {
                const char c = s[j];
                if (quote) {
                    if (c == quote) quote = 0;
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if (c == '>') {
                    break;
                }
            }
            if (j >= s.size()) return "";  // unterminated: the parser says so
            if (++elements > kMaxElements)
                return "the body has more than " + std::to_string(kMaxElements) + " elements";
            if (s[j - 1] != '/' && ++depth > kMaxDepth)
                return "the body nests elements deeper than " + std::to_string(kMaxDepth);
            i = j + 1;
        }
    }
    return "";
}

std::unique_ptr<Document> Document::parse(std::string_view body, std::string& error) {
    error = check_limits(body);
    if (!error.empty()) return nullptr;
    std::unique_ptr<Document> d(new Document);
    // parse_default leaves DOCTYPE out (no entity is ever expanded beyond the predefined ones).
    const auto result =
        d->doc_.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!result) {
        error = std::string("the body is not well-formed XML: ") + result.description() +
                " at offset " + std::to_string(result.offset);
        return nullptr;
    }
    if (!d->top_element()) {
        error = "the body has no root element";
        return nullptr;
    }
    error = d->resolve();
    if (!error.empty()) return nullptr;
    return d;
}

// One walk over the tree, parents before children: every element's namespace, from the
// declarations in scope (its parent's scope plus its own declarations).
std::string Document::resolve() {
    const pugi::xml_node top = doc_;
    for (auto n = top.first_child(); n; n = next_in_walk(n, top)) {
        if (n.type() != pugi::node_element) continue;
        if (elements_.size() >= kMaxElements)
            return "the body has more than " + std::to_string(kMaxElements) + " elements";
        int scope = -1;
        std::size_t depth = 1;
        if (const auto p = elements_.find(n.parent().internal_object()); p != elements_.end()) {
            scope = p->second.scope;
            depth = p->second.depth + 1;
        }
        if (depth > kMaxDepth)
            return "the body nests elements deeper than " + std::to_string(kMaxDepth);
        std::size_t attributes = 0;
        for (auto a = n.first_attribute(); a; a = a.next_attribute()) {
            if (++attributes > kMaxAttributes)
                return "an element has more than " + std::to_string(kMaxAttributes) + " attributes";
            const std::string_view an = a.name();
            if (an != "xmlns" && !an.starts_with("xmlns:")) continue;
            const std::string prefix(an == "xmlns" ? "" : an.substr(6));
            // "xmlns:" would be taken for the default namespace here but not by whoever reads
            // inner_xml's copy (found by fuzzing): it is not a declaration, so it is refused.
            if (an != "xmlns" && prefix.empty()) return "a namespace declaration has no prefix";
            if (!prefix.empty() && *a.value() == '\0')
                return "namespace prefix '" + prefix + "' is bound to an empty name";
            // inner_xml copies a declaration onto each child that uses it: a short name keeps
            // that copy small (an unbounded one let 2,000 tiny children repeat 400 KB each).
            if (std::string_view(a.value()).size() > kMaxNamespaceLength)
                return "a namespace name is longer than " + std::to_string(kMaxNamespaceLength) +
                       " bytes";
            if (declarations_.size() >= kMaxNamespaceDeclarations)
                return "the body declares more than " + std::to_string(kMaxNamespaceDeclarations) +
                       " namespaces";
            declarations_.push_back({scope, prefix, a.value()});
            scope = static_cast<int>(declarations_.size()) - 1;
        }
        const std::string_view name = n.name();
        const auto colon = name.find(':');
        const std::string prefix(colon == std::string_view::npos ? "" : name.substr(0, colon));
        std::string local(colon == std::string_view::npos ? name : name.substr(colon + 1));
        if (local.empty()) return "an element has an empty local name";
        if (colon == 0) return "an element has an empty namespace prefix";  // ":a", neither
        std::optional<std::string> ns;
        if (prefix == "xml") ns = std::string(kXmlNamespace);
        // At most kMaxNamespaceDeclarations steps: the walk stays linear in the body.
        for (int s = scope; !ns && s >= 0; s = declarations_[s].outer)
            if (declarations_[s].prefix == prefix) ns = declarations_[s].uri;
        if (!ns) {
            if (!prefix.empty()) return "namespace prefix '" + prefix + "' is not declared";
            ns = "";
        }
        elements_.emplace(n.internal_object(),
                          Element{{std::move(*ns), std::move(local)}, scope, depth});
    }
    return "";
}

const QName* Document::name(pugi::xml_node n) const {
    const auto it = elements_.find(n.internal_object());
    return it == elements_.end() ? nullptr : &it->second.name;
}

bool Document::is_dav(pugi::xml_node n, std::string_view local) const {
    const QName* q = name(n);
    return q && q->ns == "DAV:" && q->local == local;
}

pugi::xml_node Document::dav_child(pugi::xml_node n, std::string_view local) const {
    for (auto c = n.first_child(); c; c = c.next_sibling())
        if (is_dav(c, local)) return c;
    return {};
}

std::string Document::inner_xml(pugi::xml_node n) const {
    // The declarations in scope at `n`: the innermost one for each prefix.
    std::map<std::string_view, const Declaration*> in_scope;
    const auto it = elements_.find(n.internal_object());
    for (int s = it == elements_.end() ? -1 : it->second.scope; s >= 0; s = declarations_[s].outer)
        in_scope.emplace(declarations_[s].prefix, &declarations_[s]);

    StringWriter w;
    for (auto c = n.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
            w.out += xml_escape(c.value());
            continue;
        }
        if (c.type() != pugi::node_element) continue;
        // Each child carries only the declarations of the prefixes named in its subtree (the
        // default namespace for unprefixed elements). Copying every declaration in scope onto
        // every child made the text children x declarations long: fuzzing found a 400 KB LOCK
        // owner that took 2.6 GB. The subtrees are disjoint, so this stays linear.
        std::set<std::string_view> used;
        for (auto e = c; e; e = next_in_walk(e, c)) {
            if (e.type() != pugi::node_element) continue;
            used.insert(prefix_of(e.name()));
            for (auto a = e.first_attribute(); a; a = a.next_attribute()) {
                const std::string_view an = a.name();
                if (an == "xmlns" || an.starts_with("xmlns:")) continue;
                if (an.find(':') != std::string_view::npos) used.insert(prefix_of(an));
            }
        }
        for (const std::string_view prefix : used) {
            const auto d = in_scope.find(prefix);
            if (d == in_scope.end()) continue;
            const std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
            if (!c.attribute(attr.c_str()))
                c.append_attribute(attr.c_str()) = d->second->uri.c_str();
        }
        c.print(w, "", pugi::format_raw);
    }
    return w.out;
}

std::string element(const QName& name, std::string_view value) {
    std::string out;
    append_element(out, name, value);
    return out;
}

void append_element(std::string& out, const QName& name, std::string_view value) {
    const bool dav = name.ns == "DAV:";
    const std::string_view prefix = dav ? "D:" : name.ns.empty() ? "" : "X:";
    out += '<';
    out += prefix;
    out += name.local;
    if (name.ns.empty()) {
        out += " xmlns=\"\"";
    } else if (!dav) {
        out += " xmlns:X=\"";
        append_xml_escaped(out, name.ns);
        out += '"';
    }
    if (value.empty()) {
        out += "/>";
        return;
    }
    out += '>';
    out += value;
    out += "</";
    out += prefix;
    out += name.local;
    out += '>';
}

}  // namespace drawbridge::http::davxml
