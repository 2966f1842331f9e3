#pragma once
// Look-ups shared by the broker's two switch catalogs, the defects (defect.hpp) and the legal variations
// (variation.hpp): both are constant tables of entries with an enumerator, a command-line name and the
// protocol version they belong to. `Key Info::*` names the enumerator's field (DefectInfo::defect,
// VariationInfo::variation).

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace mqtt::broker {

// The entries of one protocol version ("3.1.1" or "5.0"), in catalog order.
template <typename Info>
std::vector<Info> entries_of_protocol(std::span<const Info> catalog, std::string_view protocol) {
  std::vector<Info> found;
  for (const auto& info : catalog) {
    if (info.protocol == protocol) found.push_back(info);
  }
  return found;
}

// The entry of an enumerator; every enumerator has one (each catalog's test checks it), so the fallback to
// the first entry is never taken.
template <typename Info, typename Key>
const Info& entry_of(std::span<const Info> catalog, Key Info::*field, Key key) {
  for (const auto& info : catalog) {
    if (info.*field == key) return info;
  }
  return catalog.front();
}

// The enumerator spelled `name` on the command line, if any.
template <typename Info, typename Key>
std::optional<Key> key_named(std::span<const Info> catalog, Key Info::*field, std::string_view name) {
  for (const auto& info : catalog) {
    if (info.name == name) return info.*field;
  }
  return std::nullopt;
}

}  // namespace mqtt::broker
