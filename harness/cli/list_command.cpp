// `mqtt-harness list`: the statement catalog of one spec with the cases covering each statement (or only the
// counts, --summary), the cases, the defects, the legal variations.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "broker/defect.hpp"
#include "broker/variation.hpp"
#include "catalog/catalog.hpp"
#include "catalog/coverage_summary.hpp"
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
  bool summary = false;
  std::string spec = "3.1.1";
  std::string cases_dir;
  bool json = false;
};

// The catalog a case's statement ids refer to: 5.0 cases cite 5.0 ids, 3.1 and 3.1.1 cases the 3.1.1 ones. The same
// id string means different things in the two catalogs, so coverage is only counted within one.
std::string catalog_spec_of(const runner::Case& test_case) {
  return test_case.mqtt == ProtocolVersion::v5 ? "5.0" : "3.1.1";
}

std::string normalised_spec(const std::string& spec) { return spec == "5" ? "5.0" : spec; }

nlohmann::json summary_json(const std::string& spec, const catalog::CoverageSummary& summary) {
  return {{"spec", spec},
          {"statements", summary.statements},
          {"by_observability", summary.by_observability},
          {"observable", summary.observable},
          {"exercised", summary.exercised},
          {"direct_or_policed", summary.unconditionally_observable},
          {"direct_or_policed_exercised", summary.exercised_unconditionally},
          {"not_observable", summary.not_observable},
          {"observable_not_exercised", summary.observable_not_exercised}};
}

void print_summary(const std::string& spec, const catalog::CoverageSummary& summary) {
  const auto count = [&](const char* observability) { return summary.by_observability.at(observability); };
  const std::size_t conditional = count("conditional");
  fmt::print("MQTT {} statement catalog: {} statements\n", spec, summary.statements);
  fmt::print("  observable by a broker test: {} (direct {}, policed {}, conditional {})\n", summary.observable,
             count("direct"), count("policed"), conditional);
  fmt::print("  not observable by a broker test: {}\n", summary.not_observable.size());
  fmt::print("  exercised by a case: {} of {} observable ({} of {} direct or policed, {} of {} conditional)\n",
             summary.exercised, summary.observable, summary.exercised_unconditionally,
             summary.unconditionally_observable, summary.exercised - summary.exercised_unconditionally, conditional);
}

int list_statements(const ListOptions& options, const std::vector<runner::Case>& all_cases) {
  const std::string spec = normalised_spec(options.spec);
  const auto statements = catalog::statements(spec);
  if (statements.empty()) {
    fmt::print(stderr, "mqtt-harness list: --spec {}: no statement catalog for that version (catalogs: {})\n",
               options.spec, fmt::join(catalog::specs(), ", "));
    return exit_bad_input;
  }
  std::vector<runner::Case> cases;
  for (const auto& test_case : all_cases) {
    if (catalog_spec_of(test_case) == spec) cases.push_back(test_case);
  }
  const auto coverage = runner::statement_coverage(cases);
  const auto summary = catalog::summarise_coverage(statements, coverage);
  if (options.summary) {
    if (options.json) {
      fmt::print("{}\n", summary_json(spec, summary).dump(2));
    } else {
      print_summary(spec, summary);
    }
    return exit_passed;
  }
  auto json = nlohmann::json::array();
  for (const auto& statement : statements) {
    const auto found = coverage.find(statement.id);
    const std::vector<std::string> covering = found == coverage.end() ? std::vector<std::string>{} : found->second;
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
    fmt::print("{} MQTT {} statements, {} observable by a broker test, {} of them exercised by a case\n",
               summary.statements, spec, summary.observable, summary.exercised);
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
  auto* summary = command->add_flag("--summary", options->summary,
                                    "With the statements: only the counts (observable by a broker test, exercised by "
                                    "a case) and the ids behind them");
  summary->excludes(cases)->excludes(defects)->excludes(variations);
  command->add_option("--spec", options->spec, "Specification version of the catalog: 3.1.1 or 5.0")
      ->capture_default_str();
  command->add_option("--cases-dir", options->cases_dir, "Read cases from this folder instead of the built-in suite");
  command->add_flag("--json", options->json, "Machine-readable output");
  command->footer(help_footer());
  command->callback([options, &exit_code] { exit_code = run_list(*options); });
}

}  // namespace mqtt::cli
