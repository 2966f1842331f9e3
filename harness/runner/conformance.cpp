#include "runner/conformance.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "client/connection.hpp"
#include "client/target_url.hpp"
#include "runner/accepted_deviations.hpp"
#include "runner/case_execution.hpp"
#include "runner/case_judgement.hpp"
#include "runner/case_loader.hpp"
#include "runner/case_selection.hpp"
#include "runner/target_engagement.hpp"

#ifndef MQTT_HARNESS_VERSION
#define MQTT_HARNESS_VERSION "0.0.0"
#endif

namespace mqtt::runner {

namespace {

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

std::optional<ProtocolVersion> parse_version(std::string_view text) {
  if (text == "3.1.1") return ProtocolVersion::v3_1_1;
  if (text == "3.1") return ProtocolVersion::v3_1;
  if (text == "5.0" || text == "5") return ProtocolVersion::v5;
  return std::nullopt;
}

std::string catalog_spec(ProtocolVersion version) { return version == ProtocolVersion::v5 ? "5.0" : "3.1.1"; }

std::optional<std::string> skip_reason(const Case& the_case, const Profile& profile, bool url_has_credentials) {
  for (const auto& requirement : the_case.requires_declarations) {
    if (auto reason = unmet_requirement(profile, requirement, url_has_credentials)) {
      return reason;
    }
  }
  return std::nullopt;
}

}  // namespace

bool matches_filter(std::string_view filter, std::string_view id) {
  return CaseSelection(filter).choose(id) == CaseSelection::Choice::selected;
}

std::vector<Case> list_cases(const std::optional<std::filesystem::path>& cases_dir) {
  return cases_dir ? load_case_directory(*cases_dir) : load_embedded_cases();
}

std::map<std::string, std::vector<std::string>> statement_coverage(const std::vector<Case>& cases) {
  std::map<std::string, std::vector<std::string>> coverage;
  for (const auto& one : cases) {
    for (const auto& statement : one.statements) {
      coverage[statement].push_back(one.id);
    }
  }
  return coverage;
}

results::Results run_conformance(const ConformanceOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  results::Results results;
  results.tool_version = MQTT_HARNESS_VERSION;
  results.kind = "conformance";
  results.started_at = utc_now_iso8601();

  auto parsed = client::parse_target_url(options.target);
  if (auto* error = std::get_if<client::UrlError>(&parsed)) {
    throw ConformanceInputError(error->describe());
  }
  client::TargetUrl target = std::get<client::TargetUrl>(parsed);
  target.tls = options.tls;
  results.target = target.redacted();
  const auto version = parse_version(options.mqtt_version);
  if (!version) {
    throw ConformanceInputError("unknown MQTT version \"" + options.mqtt_version + "\" (expected 3.1.1, 3.1 or 5.0)");
  }
  results.mqtt_version = options.mqtt_version == "5" ? "5.0" : options.mqtt_version;
  const Profile profile = options.profile_file ? load_profile(options.profile_file->string()) : options.profile;
  const bool url_has_credentials = target.username.has_value() && target.password.has_value();
  if (!target.username && profile.credentials) {
    target.username = profile.credentials->username;
    target.password = profile.credentials->password;
  }

  const std::vector<Case> all = list_cases(options.cases_dir);
  const CaseSelection selection(options.filter, options.exclude);
  std::vector<Case> selected;
  std::vector<bool> excluded;
  std::size_t to_be_run = 0;
  for (const auto& one : all) {
    if (one.mqtt != *version) continue;
    const auto choice = selection.choose(one.id);
    if (choice == CaseSelection::Choice::not_selected) continue;
    selected.push_back(one);
    excluded.push_back(choice == CaseSelection::Choice::excluded);
    to_be_run += choice == CaseSelection::Choice::selected ? 1 : 0;
  }
  if (to_be_run == 0) {
    std::string exclusions;
    for (const auto& pattern : options.exclude) exclusions += (exclusions.empty() ? "" : ",") + pattern;
    throw ConformanceInputError(
        "no MQTT " + results.mqtt_version + " case is left to run by the filter \"" + options.filter + "\"" +
        (exclusions.empty() ? std::string() : " and --exclude \"" + exclusions + "\"") +
        (selected.empty() ? "" : " (" + std::to_string(selected.size()) + " matched, all excluded)"));
  }

  results.seed = options.seed ? *options.seed : (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                                                    std::random_device{}();
  ExecutionContext context;
  context.target = target;
  context.profile = profile;
  context.seed = results.seed;
  context.stop = options.stop;

  std::vector<std::optional<results::CaseResult>> case_results(selected.size());
  std::vector<std::vector<results::Observation>> observations(selected.size());
  std::vector<ConnectTally> tallies(selected.size());
  std::vector<std::size_t> to_run;
  std::mutex progress_mutex;
  std::size_t finished = 0;
  auto report = [&](const results::CaseResult& result) {
    std::lock_guard lock(progress_mutex);
    ++finished;
    if (options.progress) {
      options.progress(CaseProgress{result.id, result.verdict, result.message, result.duration_ms, finished,
                                    selected.size()});
    }
  };
  for (std::size_t index = 0; index < selected.size(); ++index) {
    if (excluded[index]) {
      case_results[index] = skipped_case(selected[index], "excluded");
      report(*case_results[index]);
    } else if (auto reason =
                   skip_reason(selected[index], profile, url_has_credentials || profile.credentials.has_value())) {
      case_results[index] = skipped_case(selected[index], *reason);
      report(*case_results[index]);
    } else {
      to_run.push_back(index);
    }
  }

  // Cases are isolated (own recorder, checker, clients, prefix), so a small pool of threads, each driving its
  // own event loop, runs them side by side.
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    client::EventLoop loop;
    for (std::size_t position = next++; position < to_run.size(); position = next++) {
      if (options.stop.stop_requested()) break;  // the cases not started are skipped below
      const std::size_t index = to_run[position];
      results::CaseResult result;
      try {
        CaseRun run = execute_case(selected[index], context, loop);
        tallies[index] = run.connects;
        for (const auto& observation : run.verdicts.observed) {
          observations[index].push_back(results::Observation{observation.behaviour, observation.detail, selected[index].id});
        }
        result = judge_case(selected[index], std::move(run), options.keep_history);
      } catch (const std::exception& exception) {
        result = skipped_case(selected[index], std::string("internal error: ") + exception.what());
        result.verdict = results::Verdict::error;
      }
      report(result);
      case_results[index] = std::move(result);
    }
  };
  const std::size_t threads =
      std::min<std::size_t>(static_cast<std::size_t>(std::max(1, options.jobs)), std::max<std::size_t>(1, to_run.size()));
  if (!to_run.empty()) {
    std::vector<std::jthread> pool;
    for (std::size_t index = 1; index < threads; ++index) {
      pool.emplace_back(worker);
    }
    worker();
  }

  for (const std::size_t index : to_run) {
    if (!case_results[index]) case_results[index] = skipped_case(selected[index], "interrupted");
  }
  for (auto& result : case_results) {
    results.cases.push_back(std::move(*result));
  }
  results.summary = results::summarise(results.cases);
  for (const auto& result : results.cases) {
    for (const auto& violation : result.violations) {
      results.violations.push_back(violation);
    }
  }
  for (auto& per_case : observations) {
    for (auto& observation : per_case) {
      results.observed.push_back(std::move(observation));
    }
  }
  apply_accepted_deviations(results, options.accepted);
  results.statements = statement_table(catalog_spec(*version), selected, results.cases);
  ConnectTally tally;
  for (const auto& one : tallies) tally.add(one);
  results.target_problem = target_problem(tally);
  results.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return results;
}

int exit_code(const results::Results& results) {
  // The numbers are cli::ExitCode's (harness/cli/exit_codes.hpp); tests/cli/exit_codes_test.cpp holds them equal.
  constexpr int violations = 1, target_absent = 3, internal = 4, inconclusive = 5;
  // An interrupted run's results are partial: never reported as anything but interrupted (130, 143).
  if (results.interrupted) return 128 + results.interrupted->signal_number;
  if (!results.target_problem.empty()) return target_absent;
  const bool unaccepted_must =
      std::any_of(results.cases.begin(), results.cases.end(),
                  [](const results::CaseResult& result) { return result.verdict == results::Verdict::failed; }) ||
      std::any_of(results.violations.begin(), results.violations.end(), [](const results::Violation& violation) {
        return violation.level == "MUST" && !violation.accepted;
      });
  if (unaccepted_must) return violations;
  auto any = [&](results::Verdict verdict) {
    return std::any_of(results.cases.begin(), results.cases.end(),
                       [verdict](const results::CaseResult& result) { return result.verdict == verdict; });
  };
  if (any(results::Verdict::error)) return internal;
  if (any(results::Verdict::inconclusive)) return inconclusive;
  return 0;
}

}  // namespace mqtt::runner
