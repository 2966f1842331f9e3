// The conformance run: select cases, run them concurrently against a target, judge each history with the
// checker, and assemble results::Results. This is the runner's public entry point for the CLI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "client/tls_settings.hpp"
#include "results/results.hpp"
#include "runner/case.hpp"
#include "runner/profile.hpp"

namespace mqtt::runner {

struct CaseProgress {
  std::string id;
  results::Verdict verdict = results::Verdict::passed;
  std::string message;
  double duration_ms = 0;
  std::size_t finished = 0;  // cases finished so far, this one included
  std::size_t total = 0;     // cases selected
};

struct ConformanceOptions {
  std::string target;                                   // "mqtt://[user[:password]@]host[:port]" (mqtts, ws, wss too)
  client::TlsSettings tls;                              // for mqtts:// and wss:// targets (--cafile, --cert, ...)
  Profile profile;                                      // used when profile_file is not set
  std::optional<std::filesystem::path> profile_file;    // --profile FILE (read with file:line:col errors)
  std::string filter = "*";                             // glob(s) on case ids, comma-separated; "!GLOB" excludes
  std::vector<std::string> exclude;                     // --exclude globs: listed as skipped ("excluded")
  std::vector<results::AcceptedDeviation> accepted;     // --accepted FILE, already read
  std::string mqtt_version = "3.1.1";                   // only cases of this version run
  int jobs = 16;                                        // cases run concurrently
  std::optional<std::uint64_t> seed;                    // unset: drawn at random, recorded in the results
  std::optional<std::filesystem::path> cases_dir;       // unset: the suite compiled into the binary
  bool keep_history = true;                             // each case's full history in its result
  // Called once per finished case (from worker threads, one call at a time), e.g. for a progress line on a TTY.
  std::function<void(const CaseProgress&)> progress;
  // Requested to interrupt the run: no case starts after it, cases in progress stop where they are (cleaned up and
  // judged on what they recorded; inconclusive unless that shows a violation), and the cases that never started are
  // skipped with the reason "interrupted". run_conformance then returns the partial results as usual.
  std::stop_token stop;
};

// A problem with the run's inputs (bad target URL, unknown MQTT version, a filter that leaves nothing to run);
// what() is one line. Case and profile files report DataFileError (file:line:col), also a runtime_error.
class ConformanceInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ConformanceInputError or DataFileError for bad inputs; anything the broker does ends up in the results.
results::Results run_conformance(const ConformanceOptions& options);

// The run's exit code (the table in harness/cli/exit_codes.hpp and README.md): 128 + the signal's number when a
// signal interrupted the run (results.interrupted: 130 for SIGINT, 143 for SIGTERM), else 3 when the target took no part
// (results.target_problem), else 1 for an unaccepted MUST violation, 4 for a harness error, 5 when something that
// ran was inconclusive, 0 otherwise (skips, SHOULD warnings and accepted deviations allowed).
int exit_code(const results::Results& results);

// The cases `mqtt-harness list --cases` shows: the embedded suite or those in `cases_dir`.
std::vector<Case> list_cases(const std::optional<std::filesystem::path>& cases_dir = std::nullopt);

// Statement id -> ids of the cases that exercise it (for `list --statements`), over the given cases.
std::map<std::string, std::vector<std::string>> statement_coverage(const std::vector<Case>& cases);

// Whether `--filter` takes case `id` (runner/case_selection.hpp): globs separated by commas, '!GLOB' excludes.
bool matches_filter(std::string_view filter, std::string_view id);

}  // namespace mqtt::runner
