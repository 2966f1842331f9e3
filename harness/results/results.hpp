// The results of a run (conformance, simulation or capture inspection) as plain data. The runner fills it;
// reports read it (from memory or results.json) and never reach back into the runner.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "history/event.hpp"

namespace mqtt::results {

// passed: the history exercised what the case claims and the model found no MUST or SHOULD violation.
// failed: a MUST violation. warned: only SHOULD violations. skipped: not run (a declaration it needs is missing,
// or excluded). error: a harness-side problem. inconclusive: it ran, but the history does not show the broker
// was put to the test (a refused or unanswered CONNECT, a connection closed or silent while an answer was owed,
// a statement it claims never exercised); never a pass. accepted: failed only by deviations listed in an
// accepted-deviations file.
enum class Verdict : std::uint8_t { passed, failed, warned, skipped, error, inconclusive, accepted };
std::string_view to_string(Verdict verdict);  // "passed", "failed", ...

// One entry of an accepted-deviations file (--accepted; docs/accepted-deviations.md): a statement the owner
// knows their broker breaks, optionally only in the cases matching a glob, with the reason.
struct AcceptedDeviation {
  std::string statement;  // "MQTT-3.3.5-1"
  std::string cases;      // glob on case ids ("topics.overlapping_*"); "" = any case
  std::string reason;     // why it is accepted, shown in every output
  std::string broker;     // optional: the broker and version it was written for ("mosquitto 2.0.11")
  std::string source;     // where the entry is: "ci/accepted/mosquitto-2.0.11.json:12:7"
};

struct Violation {
  std::string statement;   // "MQTT-3.3.1-6"
  std::string level;       // "MUST" or "SHOULD"
  std::string message;     // one sentence
  std::string case_id;     // the case (or "fleet"/"capture") whose history shows it
  std::vector<history::Event> history_slice;  // the smallest slice of history that proves it
  // Set when an accepted-deviations entry covers it: the evidence stays, but it does not fail the run.
  std::optional<AcceptedDeviation> accepted = std::nullopt;
};

struct Observation {      // optional behaviour the broker showed; never a failure
  std::string behaviour;  // short key, e.g. "queues-qos0-offline"
  std::string detail;
  std::string case_id;
};

struct CaseResult {
  std::string id;
  std::string title;
  std::string section;                  // spec section, e.g. "3.3" — used to group in reports
  Verdict verdict = Verdict::passed;
  std::vector<std::string> statements;  // statement ids the case covers
  double duration_ms = 0;
  std::string message;                  // why it failed, warned, was inconclusive, skipped or errored (one sentence)
  std::vector<std::string> steps;       // the steps, one line each, for the report
  std::vector<Violation> violations;
  std::vector<history::Event> history;  // the case's full history (may be empty when not kept)
  // How many events the history had when it is not kept here (a fleet judged as it ran); else history.size().
  std::uint64_t history_event_count = 0;
  std::uint64_t history_events() const { return history.empty() ? history_event_count : history.size(); }
};

struct StatementResult {
  std::string id;
  std::string spec;     // "3.1.1"
  std::string section;  // "3.3.1"
  std::string level;    // "MUST", "SHOULD", "MAY"
  std::string text;     // our paraphrase
  // failed if any covering case violated it (accepted when every violation of it is accepted), passed if a
  // covering case passed, inconclusive if covering cases ran but none passed, skipped if none ran.
  Verdict verdict = Verdict::skipped;
  std::vector<std::string> cases;
};

struct Summary {
  int passed = 0, failed = 0, warned = 0, skipped = 0, errors = 0, inconclusive = 0, accepted = 0;
};

// Adds one case's verdict to the counts; summarise counts a whole list.
void add_verdict(Summary& summary, Verdict verdict);
Summary summarise(const std::vector<CaseResult>& cases);

// A run stopped early by a signal (SIGINT, SIGTERM): the results hold what was recorded until then, judged as it
// stands (obligations the stop left open are unresolved, not violations), and the run is never reported as passed.
struct Interruption {
  std::string signal;     // "SIGINT", "SIGTERM"
  int signal_number = 0;  // 2, 15: the run's exit code is 128 + this, as shells report it
  double after_ms = 0;    // from the start of the run to the signal
};

// "interrupted by SIGINT after 12.3 s": the one sentence every output uses.
inline std::string describe(const Interruption& interruption) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", interruption.after_ms / 1000.0);
  return "interrupted by " + interruption.signal + " after " + seconds + " s";
}

// How the harness reached the target. Empty scheme: no live target (inspect), or results written before the field.
struct Transport {
  std::string scheme;          // "mqtt", "mqtts", "ws", "wss"
  std::string websocket_path;  // the upgrade's path without its query ("/mqtt"); ws and wss only
  std::vector<std::string> websocket_subprotocols;  // offered in the upgrade ("mqtt"); ws and wss only
  std::string verification;    // TLS only: "system store", "--cafile ca.pem", "none (--insecure)"
  bool client_certificate = false;  // TLS only: the harness presented one (--cert)
  std::vector<std::string> alpn;    // TLS only: the ALPN names offered (--alpn)
  // Said wherever the target is shown: "--insecure: the server's certificate and host name were not verified".
  std::vector<std::string> warnings;
  // One line for reports: "mqtts (TLS, verified against --cafile ca.pem, client certificate)".
  std::string describe() const;
};

struct Results {
  std::string tool_version;
  std::string kind;          // "conformance", "simulation", "capture", "replay"
  std::string target;        // URL with any password removed
  Transport transport;       // how the target was reached (scheme, TLS verification, WebSocket path)
  std::string mqtt_version;  // "3.1.1"
  std::uint64_t seed = 0;
  std::string started_at;    // ISO 8601 UTC
  double duration_ms = 0;
  Summary summary;
  std::vector<CaseResult> cases;
  std::vector<StatementResult> statements;
  std::vector<Violation> violations;
  std::vector<Observation> observed;
  nlohmann::json stats = nlohmann::json::object();  // simulation statistics; free-form per source
  // One line when the target took no part in the run: unreachable, or it refused or never answered every
  // CONNECT the harness sent ("target refused CONNECT: return code 5 (not authorized) — ..."). "" otherwise.
  std::string target_problem;
  // Entries of the accepted-deviations file that matched no violation in the cases that ran: the broker may
  // have been fixed, so the file should be updated. A warning; the exit code does not change.
  std::vector<AcceptedDeviation> stale_accepted;
  // Set when a signal stopped the run before its end (results.json "interrupted": {"signal", "signal_number",
  // "after_ms"}); unset for a run that ran to its end.
  std::optional<Interruption> interrupted;
};

}  // namespace mqtt::results
