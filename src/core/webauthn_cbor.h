// The CBOR reading of core/webauthn (attestation objects, COSE keys): libcbor, but only ever on
// an item that a bounded scan found well-formed first, so that no client's bytes can make libcbor
// allocate for a length the input does not hold, or nest deeper than kMaxCborDepth.
#pragma once

#include <cbor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace drawbridge::core::webauthn::detail {

inline constexpr std::size_t kMaxCborDepth = 16;    // arrays, maps and tags inside each other
inline constexpr std::size_t kMaxCborItems = 4096;  // items in one top-level item
inline constexpr std::size_t kMaxMapEntries = 64;   // in a map we look keys up in

// Length of the one well-formed CBOR item at the start of `bytes` (more may follow it), or why
// it is not one. Iterative; indefinite lengths (which CTAP2's canonical CBOR forbids) are refused.
std::variant<std::size_t, std::string> scan_item(std::string_view bytes);

struct CborFree {
    void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using CborItem = std::unique_ptr<cbor_item_t, CborFree>;

// The item that `bytes` is, exactly (nothing may follow it), decoded by libcbor after scan_item.
// `what` names it in the error ("attestationObject").
std::variant<CborItem, std::string> load_item(std::string_view bytes, std::string_view what);

// Views of decoded items; each checks the item's type first and answers nullopt on another.
std::optional<std::int64_t> as_int(const cbor_item_t* item);
std::optional<std::string_view> as_bytes(const cbor_item_t* item);
std::optional<std::string_view> as_text(const cbor_item_t* item);

// Checks that `map` is a map of at most kMaxMapEntries entries with no key twice; names it
// `what` in the error.
std::optional<std::string> check_map(const cbor_item_t* map, std::string_view what);
// The value under an integer (COSE labels) or text key of a map that passed check_map.
const cbor_item_t* find(const cbor_item_t* map, std::int64_t key);
const cbor_item_t* find(const cbor_item_t* map, std::string_view key);

}  // namespace drawbridge::core::webauthn::detail
