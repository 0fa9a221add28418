// WebDAV request bodies: XML parsed by pugixml (which knows no namespaces) with every element's
// namespace resolved once, in one linear pass, from the xmlns declarations in scope. Internal
// to the WebDAV implementation.
//
// A body is untrusted input from any logged-in user, so it is bounded before and while it is
// parsed (docs/webdav.md#request-bodies): nesting, elements, attributes and namespace
// declarations each have a limit, and no walk over the tree recurses.
#pragma once

#include <pugixml.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace drawbridge::http::davxml {

struct QName {
    std::string ns;
    std::string local;
    bool operator==(const QName&) const = default;
};

inline constexpr std::size_t kMaxDepth = 64;
inline constexpr std::size_t kMaxElements = 10000;
inline constexpr std::size_t kMaxAttributes = 64;  // per element
inline constexpr std::size_t kMaxNamespaceDeclarations = 256;
inline constexpr std::size_t kMaxNamespaceLength = 512;  // bytes of one namespace name

// Checks nesting and element count on the raw text, before any tree is built: a clear error,
// or "" when the body is within the limits. Linear in the body's size.
std::string check_limits(std::string_view body);

class Document {
  public:
    // The body as a document; null with `error` set when it is not well-formed, declares a DTD,
    // uses an undeclared namespace prefix or passes a limit.
    static std::unique_ptr<Document> parse(std::string_view body, std::string& error);

    pugi::xml_node top_element() const { return doc_.document_element(); }
    // The element's resolved name; null for a node that is not an element of this document.
    const QName* name(pugi::xml_node element) const;
    bool is_dav(pugi::xml_node element, std::string_view local) const;
    pugi::xml_node dav_child(pugi::xml_node element, std::string_view local) const;
    // The element's content as XML text, each child element carrying the namespace
    // declarations in scope, so that it stays well-formed wherever it is put back.
    std::string inner_xml(pugi::xml_node element) const;

  private:
    Document() = default;
    std::string resolve();

    // Namespace declarations as a tree of scopes: each element points at the innermost
    // declaration in effect for it, and each declaration at the one it shadows.
    struct Declaration {
        int outer;  // index of the enclosing declaration, -1 at the top
        std::string prefix;
        std::string uri;
    };
    struct Element {
        QName name;
        int scope;          // innermost declaration in effect, -1 for none
        std::size_t depth;  // 1 for the root element
    };
    pugi::xml_document doc_;
    std::vector<Declaration> declarations_;
    std::unordered_map<const pugi::xml_node_struct*, Element> elements_;
};

// The element `name` with `value` as content, declaring its namespace on itself.
std::string element(const QName& name, std::string_view value);
void append_element(std::string& out, const QName& name, std::string_view value);

inline constexpr std::string_view kHeader = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

}  // namespace drawbridge::http::davxml
