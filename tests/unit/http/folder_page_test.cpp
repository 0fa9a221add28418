// Sorting and paging folder listings (src/http/folder_page.h).
#include "http/folder_page.h"

#include <gtest/gtest.h>

namespace drawbridge::http {
namespace {

FolderEntry entry(const std::string& name, bool dir, off_t size, time_t mtime) {
    FolderEntry e{name, {}};
    e.st.st_mode = dir ? S_IFDIR : S_IFREG;
    e.st.st_size = size;
    e.st.st_mtim.tv_sec = mtime;
    return e;
}

std::vector<std::string> names(const std::vector<FolderEntry>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back(e.name);
    return out;
}

std::vector<FolderEntry> sample() {
    return {entry("b", false, 30, 1), entry("Banana", false, 10, 3), entry("apple", false, 20, 2),
            entry("Docs", true, 0, 5), entry("a|b:c", false, 10, 4)};
}

TEST(FolderPage, FoldersFirstThenNamesWithoutCaseFirst) {
    auto v = sample();
    sort_folder(v, {});
    EXPECT_EQ(names(v), (std::vector<std::string>{"Docs", "apple", "a|b:c", "b", "Banana"}));
}

TEST(FolderPage, BySizeDescendingKeepsFoldersFirst) {
    auto v = sample();
    const auto order = parse_folder_order("size", "desc");
    ASSERT_TRUE(order);
    sort_folder(v, *order);
    EXPECT_EQ(names(v), (std::vector<std::string>{"Docs", "b", "apple", "Banana", "a|b:c"}));
}

TEST(FolderPage, UnknownOrdersAreRefused) {
    EXPECT_FALSE(parse_folder_order("owner", ""));
    EXPECT_FALSE(parse_folder_order("name", "up"));
    EXPECT_TRUE(parse_folder_order("", ""));
}

TEST(FolderPage, PagesFollowTheirCursorsToTheEnd) {
    for (const char* key : {"name", "size", "mtime"}) {
        auto v = sample();
        const auto order = *parse_folder_order(key, "asc");
        sort_folder(v, order);
        std::vector<std::string> seen;
        std::string cursor, next;
        for (int pages = 0; pages < 10; ++pages) {
            const auto page = folder_page(v, order, cursor, 2, next);
            ASSERT_TRUE(page);
            for (const auto& e : *page) seen.push_back(e.name);
            if (next.empty()) break;
            cursor = next;
        }
        EXPECT_EQ(seen, names(v)) << key;
    }
}

TEST(FolderPage, AGoneEntryKeepsThePlace) {
    auto v = sample();
    sort_folder(v, {});
    std::string next;
    ASSERT_TRUE(folder_page(v, {}, "", 2, next));
    v.erase(v.begin() + 1);  // "apple", the last of the first page
    const auto page = folder_page(v, {}, next, 2, next);
    ASSERT_TRUE(page);
    EXPECT_EQ(names(*page), (std::vector<std::string>{"a|b:c", "b"}));
}

TEST(FolderPage, MalformedCursorsAreRefused) {
    const auto v = sample();
    std::string next;
    for (const char* bad : {"x", "f:", "q:1:a", "f:1x:a", "f:1"})
        EXPECT_FALSE(folder_page(v, {}, bad, 2, next)) << bad;
}

}  // namespace
}  // namespace drawbridge::http
