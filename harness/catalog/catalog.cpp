#include "catalog/catalog.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "embedded/embedded_file.hpp"

std::span<const mqtt::EmbeddedFile> mqtt_catalog_statement_files();

namespace mqtt::catalog {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 3> known_levels = {"MUST", "SHOULD", "MAY"};
constexpr std::array<std::string_view, 3> known_holders = {"server", "client", "both"};
constexpr std::array<std::string_view, 4> known_observabilities = {"direct", "policed", "conditional", "none"};

// The embedded data ships inside the binary, so a bad row is a programming error: fail loudly, naming the row.
[[noreturn]] void fail(std::string_view path, std::string_view where, std::string_view message) {
  throw std::logic_error(std::string(path) + ": " + std::string(where) + ": " + std::string(message));
}

template <std::size_t Size>
std::string one_of(const json& row, const char* key, const std::array<std::string_view, Size>& allowed,
                   std::string_view path, std::string_view where) {
  if (!row.contains(key) || !row.at(key).is_string()) fail(path, where, std::string("missing string \"") + key + "\"");
  std::string value = row.at(key).get<std::string>();
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    fail(path, where, std::string("unknown ") + key + " \"" + value + "\"");
  }
  return value;
}

std::string required_string(const json& row, const char* key, std::string_view path, std::string_view where) {
  if (!row.contains(key) || !row.at(key).is_string() || row.at(key).get_ref<const std::string&>().empty()) {
    fail(path, where, std::string("missing string \"") + key + "\"");
  }
  return row.at(key).get<std::string>();
}

struct SpecStatements {
  std::vector<Statement> statements;
  std::map<std::string, std::size_t, std::less<>> index_by_id;  // ids and the spec's odd printed forms
};

struct Catalog {
  std::map<std::string, SpecStatements, std::less<>> by_spec;
};

void add_file(Catalog& catalog, const EmbeddedFile& file) {
  const std::string path(file.path);
  json document;
  try {
    document = json::parse(file.content);
  } catch (const json::parse_error& error) {
    fail(path, "parse", error.what());
  }
  const std::string spec = required_string(document, "spec", path, "top level");
  if (!document.contains("statements") || !document.at("statements").is_array()) {
    fail(path, "top level", "missing array \"statements\"");
  }
  SpecStatements& target = catalog.by_spec[spec];
  for (const json& row : document.at("statements")) {
    const std::string where = row.contains("id") && row.at("id").is_string() ? row.at("id").get<std::string>()
                                                                              : std::string("row without id");
    Statement statement{required_string(row, "id", path, where),
                        spec,
                        required_string(row, "section", path, where),
                        one_of(row, "level", known_levels, path, where),
                        one_of(row, "holder", known_holders, path, where),
                        one_of(row, "observability", known_observabilities, path, where),
                        required_string(row, "text", path, where)};
    const std::size_t position = target.statements.size();
    if (!target.index_by_id.emplace(statement.id, position).second) fail(path, where, "duplicate id");
    if (row.contains("printed_as")) {
      target.index_by_id.emplace(required_string(row, "printed_as", path, where), position);
    }
    target.statements.push_back(std::move(statement));
  }
}

const Catalog& catalog() {
  static const Catalog instance = [] {
    Catalog built;
    for (const EmbeddedFile& file : mqtt_catalog_statement_files()) add_file(built, file);
    return built;
  }();
  return instance;
}

}  // namespace

std::span<const Statement> statements(std::string_view spec) {
  const auto& by_spec = catalog().by_spec;
  const auto found = by_spec.find(spec);
  if (found == by_spec.end()) return {};
  return found->second.statements;
}

std::vector<std::string> specs() {
  std::vector<std::string> names;
  for (const auto& [spec, entry] : catalog().by_spec) names.push_back(spec);
  return names;
}

const Statement* find(std::string_view id, std::string_view spec) {
  const auto& by_spec = catalog().by_spec;
  const auto found_spec = by_spec.find(spec);
  if (found_spec == by_spec.end()) return nullptr;
  const SpecStatements& entry = found_spec->second;
  const auto found = entry.index_by_id.find(id);
  if (found == entry.index_by_id.end()) return nullptr;
  return &entry.statements[found->second];
}

}  // namespace mqtt::catalog
