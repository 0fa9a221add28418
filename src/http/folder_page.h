// One page of a folder listing for GET /folders/{path}: the entries in a chosen order, and a
// cursor that names where the next page starts (docs/rest-api.md#folder-pages).
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drawbridge::http {

struct FolderEntry {
    std::string name;
    struct stat st;
};

enum class FolderSortKey { name, size, mtime };

struct FolderOrder {
    FolderSortKey key = FolderSortKey::name;
    bool descending = false;
};

// `sort_by` (name, size, mtime; "" for name) and `order` (asc, desc; "" for asc); nullopt when
// either is something else.
std::optional<FolderOrder> parse_folder_order(std::string_view sort_by, std::string_view order);

// Folders first, then by the key, a name breaking ties; names compare without ASCII case first,
// so "apple" comes before "Banana", then byte-wise, so the order is total.
void sort_folder(std::vector<FolderEntry>& entries, FolderOrder order);

// The cursor after `last`: its type, key and name, so the next page starts after where `last`
// stood even when it has been deleted or renamed since.
std::string folder_cursor(const FolderEntry& last, FolderOrder order);

// The entries of a sorted listing after `cursor` (all when it is empty), at most `per_page`;
// `next` is the cursor of the following page, "" on the last. nullopt for a malformed cursor.
std::optional<std::vector<FolderEntry>> folder_page(const std::vector<FolderEntry>& sorted,
                                                    FolderOrder order, std::string_view cursor,
                                                    std::size_t per_page, std::string& next);

}  // namespace drawbridge::http
