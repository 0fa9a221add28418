// Sorting and paging a folder listing (docs/rest-api.md#folder-pages).
#include "http/folder_page.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace drawbridge::http {

namespace {

bool is_dir(const FolderEntry& e) {
    return S_ISDIR(e.st.st_mode);
}

std::int64_t key_of(const FolderEntry& e, FolderSortKey key) {
    if (key == FolderSortKey::size) return is_dir(e) ? 0 : static_cast<std::int64_t>(e.st.st_size);
    if (key == FolderSortKey::mtime) return static_cast<std::int64_t>(e.st.st_mtim.tv_sec);
    return 0;
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// <0, 0, >0 as a's name sorts before, with, or after b's.
int compare_names(std::string_view a, std::string_view b) {
    const auto n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i)
        if (lower(a[i]) != lower(b[i])) return lower(a[i]) < lower(b[i]) ? -1 : 1;
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b);
}

// What the order compares: a real entry, or the place a cursor names.
struct Place {
    bool dir;
    std::int64_t key;
    std::string_view name;
};

Place place_of(const FolderEntry& e, FolderOrder order) {
    return {is_dir(e), key_of(e, order.key), e.name};
}

bool before(const Place& a, const Place& b, FolderOrder order) {
    if (a.dir != b.dir) return a.dir;  // folders first, in either direction
    int c = a.key < b.key ? -1 : (a.key > b.key ? 1 : 0);
    if (c == 0) c = compare_names(a.name, b.name);
    return order.descending ? c > 0 : c < 0;
}

// "d:<key>:<name>" or "f:<key>:<name>".
std::optional<Place> parse_cursor(std::string_view cursor) {
    if (cursor.size() < 4 || (cursor[0] != 'd' && cursor[0] != 'f') || cursor[1] != ':')
        return std::nullopt;
    const auto colon = cursor.find(':', 2);
    if (colon == std::string_view::npos) return std::nullopt;
    std::int64_t key = 0;
    const auto* first = cursor.data() + 2;
    const auto* last = cursor.data() + colon;
    const auto [end, ec] = std::from_chars(first, last, key);
    if (ec != std::errc() || end != last) return std::nullopt;
    return Place{cursor[0] == 'd', key, cursor.substr(colon + 1)};
}

}  // namespace

std::optional<FolderOrder> parse_folder_order(std::string_view sort_by, std::string_view order) {
    FolderOrder out;
    if (sort_by == "size")
        out.key = FolderSortKey::size;
    else if (sort_by == "mtime")
        out.key = FolderSortKey::mtime;
    else if (!sort_by.empty() && sort_by != "name")
        return std::nullopt;
    if (order == "desc")
        out.descending = true;
    else if (!order.empty() && order != "asc")
        return std::nullopt;
    return out;
}

void sort_folder(std::vector<FolderEntry>& entries, FolderOrder order) {
    std::sort(entries.begin(), entries.end(), [order](const FolderEntry& a, const FolderEntry& b) {
        return before(place_of(a, order), place_of(b, order), order);
    });
}

std::string folder_cursor(const FolderEntry& last, FolderOrder order) {
    return std::string(is_dir(last) ? "d:" : "f:") + std::to_string(key_of(last, order.key)) + ":" +
           last.name;
}

std::optional<std::vector<FolderEntry>> folder_page(const std::vector<FolderEntry>& sorted,
                                                    FolderOrder order, std::string_view cursor,
                                                    std::size_t per_page, std::string& next) {
    auto from = sorted.begin();
    if (!cursor.empty()) {
        const auto after = parse_cursor(cursor);
        if (!after) return std::nullopt;
        from = std::partition_point(sorted.begin(), sorted.end(), [&](const FolderEntry& e) {
            return !before(*after, place_of(e, order), order);
        });
    }
    const auto left = static_cast<std::size_t>(sorted.end() - from);
    const auto take = std::min(left, per_page);
    std::vector<FolderEntry> page(from, from + static_cast<std::ptrdiff_t>(take));
    next = take > 0 && take < left ? folder_cursor(page.back(), order) : "";
    return page;
}

}  // namespace drawbridge::http
