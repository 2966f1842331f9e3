// `mqtt-harness list`: the statement catalog with the cases covering each statement, the cases, the defects,
// the legal variations.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "broker/defect.hpp"
#include "broker/variation.hpp"
#include "catalog/catalog.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "runner/conformance.hpp"
#include "runner/source_position.hpp"

namespace mqtt::cli {
namespace {

struct ListOptions {
  bool statements = false;
  bool cases = false;
  bool defects = false;
  bool variations = false;
  std::string spec = "3.1.1";
  std::string cases_dir;
  bool json = false;
};

int list_statements(const ListOptions& options, const std::vector<runner::Case>& cases) {
  const auto coverage = runner::statement_coverage(cases);
  const auto statements = catalog::statements(options.spec);
  if (statements.empty()) {
    fmt::print(stderr, "mqtt-harness list: no statement catalog for MQTT {}\n", options.spec);
    return exit_bad_input;
  }
  auto json = nlohmann::json::array();
  std::size_t covered = 0;
  for (const auto& statement : statements) {
    const auto found = coverage.find(statement.id);
    const std::vector<std::string> covering = found == coverage.end() ? std::vector<std::string>{} : found->second;
    if (!covering.empty()) ++covered;
    if (options.json) {
      json.push_back({{"id", statement.id}, {"spec", statement.spec}, {"section", statement.section},
                      {"level", statement.level}, {"holder", statement.holder},
                      {"observability", statement.observability}, {"text", statement.text}, {"cases", covering}});
      continue;
    }
    fmt::print("{:<16} {:<6} {:<6} {:<11} {:>2} cases  {}\n", statement.id, statement.level, statement.holder,
               statement.observability, covering.size(), statement.text);
    for (const auto& id : covering) fmt::print("{:<45} - {}\n", "", id);
  }
  if (options.json) {
    fmt::print("{}\n", json.dump(2));
  } else {
    fmt::print("{} statements, {} covered by at least one case\n", statements.size(), covered);
  }
  return exit_passed;
}

int list_cases(const ListOptions& options, const std::vector<runner::Case>& cases) {
  auto json = nlohmann::json::array();
  for (const auto& test_case : cases) {
    if (options.json) {
      json.push_back({{"id", test_case.id}, {"title", test_case.title}, {"section", test_case.section},
                      {"mqtt", to_string(test_case.mqtt)}, {"statements", test_case.statements},
                      {"requires", test_case.requires_declarations}, {"file", test_case.file}});
      continue;
    }
    fmt::print("{:<48} {:<7} {}  [{}]\n", test_case.id, test_case.section, test_case.title,
               fmt::join(test_case.statements, ", "));
  }
  if (options.json) fmt::print("{}\n", json.dump(2));
  else fmt::print("{} cases\n", cases.size());
  return exit_passed;
}

int list_defects(const ListOptions& options) {
  auto json = nlohmann::json::array();
  for (const auto& defect : broker::defect_catalog()) {
    if (options.json) {
      json.push_back({{"name", defect.name}, {"protocol", defect.protocol}, {"statement", defect.statement},
                      {"description", defect.description}});
      continue;
    }
    fmt::print("{:<40} {:<6} {:<16} {}\n", defect.name, defect.protocol, defect.statement, defect.description);
  }
  if (options.json) fmt::print("{}\n", json.dump(2));
  return exit_passed;
}

int list_variations(const ListOptions& options) {
  auto json = nlohmann::json::array();
  for (const auto& variation : broker::variation_catalog()) {
    if (options.json) {
      json.push_back({{"name", variation.name}, {"protocol", variation.protocol}, {"section", variation.section},
                      {"permission", variation.permission}, {"description", variation.description}});
      continue;
    }
    fmt::print("{:<42} {:<6} {:<11} {}\n", variation.name, variation.protocol, variation.section,
               variation.description);
  }
  if (options.json) fmt::print("{}\n", json.dump(2));
  return exit_passed;
}

int run_list(const ListOptions& options) {
  if (options.defects) return list_defects(options);
  if (options.variations) return list_variations(options);
  std::vector<runner::Case> cases;
  try {
    cases = runner::list_cases(options.cases_dir.empty() ? std::nullopt
                                                         : std::optional<std::filesystem::path>(options.cases_dir));
  } catch (const runner::DataFileError& error) {
    fmt::print(stderr, "mqtt-harness list: {}\n", error.what());
    return exit_bad_input;
  }
  if (options.cases) return list_cases(options, cases);
  return list_statements(options, cases);
}

}  // namespace

void add_list_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ListOptions>();
  auto* command = app.add_subcommand("list", "List normative statements (with covering cases), cases, defects or legal variations");
  auto* statements = command->add_flag("--statements", options->statements,
                                       "The statement catalog and the cases covering each statement (default)");
  auto* cases = command->add_flag("--cases", options->cases, "The conformance cases");
  auto* defects = command->add_flag("--defects", options->defects, "The embedded broker's switchable defects");
  auto* variations = command->add_flag("--variations", options->variations,
                                       "The embedded broker's legal variations (behaviours the spec permits)");
  statements->excludes(cases)->excludes(defects)->excludes(variations);
  cases->excludes(defects)->excludes(variations);
  defects->excludes(variations);
  command->add_option("--spec", options->spec, "Specification version of the catalog")->capture_default_str();
  command->add_option("--cases-dir", options->cases_dir, "Read cases from this folder instead of the built-in suite");
  command->add_flag("--json", options->json, "Machine-readable output");
  command->footer(help_footer());
  command->callback([options, &exit_code] { exit_code = run_list(*options); });
}

}  // namespace mqtt::cli
