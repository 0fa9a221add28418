#include "core/webauthn_cbor.h"

#include <limits>
#include <vector>

namespace drawbridge::core::webauthn::detail {

namespace {

// The head of one CBOR item (RFC 8949 §3): major type and argument.
struct Head {
    int major = 0;
    std::uint64_t argument = 0;
};

std::variant<Head, std::string> read_head(std::string_view bytes, std::size_t& pos) {
    if (pos >= bytes.size()) return std::string("CBOR ends in the middle of an item");
    const auto initial = static_cast<unsigned char>(bytes[pos++]);
    Head head{initial >> 5, initial & 0x1fu};
    if (head.argument == 31) return std::string("CBOR indefinite lengths are not accepted");
    if (head.argument >= 28) return std::string("CBOR has a reserved additional-information value");
    if (head.argument < 24) return head;
    const std::size_t width = std::size_t{1} << (head.argument - 24);  // 1, 2, 4 or 8 bytes
    if (bytes.size() - pos < width) return std::string("CBOR ends in the middle of an item");
    head.argument = 0;
    for (std::size_t i = 0; i < width; ++i)
        head.argument = head.argument << 8 | static_cast<unsigned char>(bytes[pos++]);
    return head;
}

}  // namespace

std::variant<std::size_t, std::string> scan_item(std::string_view bytes) {
    // pending.back() is how many items the innermost open array, map or tag still holds; the
    // bottom entry is the one top-level item.
    std::vector<std::uint64_t> pending{1};
    std::size_t pos = 0;
    for (std::size_t items = 1; !pending.empty(); ++items) {
        if (items > kMaxCborItems) return std::string("CBOR has too many items");
        auto head_or = read_head(bytes, pos);
        if (auto* error = std::get_if<std::string>(&head_or)) return std::move(*error);
        const Head head = std::get<Head>(head_or);
        const std::uint64_t left = bytes.size() - pos;
        --pending.back();
        std::uint64_t children = 0;
        switch (head.major) {
            case 2:
            case 3:  // byte and text strings
                if (head.argument > left) return std::string("a CBOR string runs past the end");
                pos += static_cast<std::size_t>(head.argument);
                break;
            case 4:  // array: each element takes one byte at least
                if (head.argument > left) return std::string("a CBOR array runs past the end");
                children = head.argument;
                break;
            case 5:  // map: key and value
                if (head.argument > left / 2) return std::string("a CBOR map runs past the end");
                children = head.argument * 2;
                break;
            case 6:  // tag: one item follows
                children = 1;
                break;
            default:  // integers, simple values and floats: the head is all
                break;
        }
        if (children > 0) {
            if (pending.size() > kMaxCborDepth) return std::string("CBOR nests too deeply");
            pending.push_back(children);
        }
        while (!pending.empty() && pending.back() == 0) pending.pop_back();
    }
    return pos;
}

std::variant<CborItem, std::string> load_item(std::string_view bytes, std::string_view what) {
    auto scanned = scan_item(bytes);
    if (auto* error = std::get_if<std::string>(&scanned))
        return std::string(what) + " is not CBOR: " + *error;
    if (std::get<std::size_t>(scanned) != bytes.size())
        return std::string(what) + " has bytes after its CBOR item";
    cbor_load_result result{};
    CborItem item(cbor_load(reinterpret_cast<cbor_data>(bytes.data()), bytes.size(), &result));
    if (!item || result.error.code != CBOR_ERR_NONE || result.read != bytes.size())
        return std::string(what) + " could not be decoded as CBOR";
    return item;
}

std::optional<std::int64_t> as_int(const cbor_item_t* item) {
    if (item == nullptr) return std::nullopt;
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (cbor_isa_uint(item)) {
        const std::uint64_t value = cbor_get_int(item);
        if (value > kMax) return std::nullopt;
        return static_cast<std::int64_t>(value);
    }
    if (cbor_isa_negint(item)) {  // the value is -1 - n
        const std::uint64_t n = cbor_get_int(item);
        if (n > kMax) return std::nullopt;
        return -1 - static_cast<std::int64_t>(n);
    }
    return std::nullopt;
}

std::optional<std::string_view> as_bytes(const cbor_item_t* item) {
    if (item == nullptr || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
        return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
                            cbor_bytestring_length(item));
}

std::optional<std::string_view> as_text(const cbor_item_t* item) {
    if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item))
        return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)),
                            cbor_string_length(item));
}

namespace {

bool same_key(const cbor_item_t* a, const cbor_item_t* b) {
    if (auto x = as_int(a)) return as_int(b) == x;
    if (auto x = as_text(a)) return as_text(b) == x;
    if (auto x = as_bytes(a)) return as_bytes(b) == x;
    return false;  // keys of other types are never looked up
}

}  // namespace

std::optional<std::string> check_map(const cbor_item_t* map, std::string_view what) {
    if (map == nullptr || !cbor_isa_map(map) || !cbor_map_is_definite(map))
        return std::string(what) + " is not a CBOR map";
    const std::size_t size = cbor_map_size(map);
    if (size > kMaxMapEntries) return std::string(what) + " has too many entries";
    const cbor_pair* pairs = cbor_map_handle(map);
    for (std::size_t i = 0; i < size; ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (same_key(pairs[i].key, pairs[j].key)) return std::string(what) + " has a key twice";
    return std::nullopt;
}

const cbor_item_t* find(const cbor_item_t* map, std::int64_t key) {
    const cbor_pair* pairs = cbor_map_handle(map);
    for (std::size_t i = 0; i < cbor_map_size(map); ++i)
        if (as_int(pairs[i].key) == key) return pairs[i].value;
    return nullptr;
}

const cbor_item_t* find(const cbor_item_t* map, std::string_view key) {
    const cbor_pair* pairs = cbor_map_handle(map);
    for (std::size_t i = 0; i < cbor_map_size(map); ++i)
        if (as_text(pairs[i].key) == key) return pairs[i].value;
    return nullptr;
}

}  // namespace drawbridge::core::webauthn::detail
