// XML namespaces over pugixml (which has none): the names WebDAV bodies use, resolved from the
// xmlns declarations in scope. Internal to the WebDAV implementation.
#pragma once

#include <pugixml.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace drawbridge::http::davxml {

struct QName {
    std::string ns;
    std::string local;
    bool operator==(const QName&) const = default;
};

// nullopt for an undeclared prefix or one bound to "" (not allowed by XML Namespaces).
std::optional<QName> qname_of(pugi::xml_node element);
// Whether every element of the document has a resolvable name.
bool namespaces_valid(pugi::xml_node node);
bool is_dav(pugi::xml_node element, std::string_view local);
pugi::xml_node dav_child(pugi::xml_node element, std::string_view local);
// The element's content as XML text, each child element carrying the namespace declarations
// in scope, so that it stays well-formed wherever it is put back.
std::string inner_xml(pugi::xml_node element);
// The element `name` with `value` as content, declaring its namespace on itself.
std::string element(const QName& name, std::string_view value);
// Parses a request body: nullopt when it is not well-formed or its namespaces are invalid.
std::optional<pugi::xml_document> parse(const std::string& body);

inline constexpr std::string_view kHeader = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

}  // namespace drawbridge::http::davxml
