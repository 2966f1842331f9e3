// results.json mirrors Results field by field; histories use the history event JSON. Reading is strict about
// the fields every consumer relies on and lenient (defaults) about descriptive extras.
#include <array>

#include "history/json.hpp"
#include "history/json_reader.hpp"
#include "results/json.hpp"
#include "results/run_warnings.hpp"

namespace mqtt::results {
namespace {

using history::JsonObjectReader;
using nlohmann::json;

constexpr std::array<Verdict, 7> verdicts = {Verdict::passed,  Verdict::failed,       Verdict::warned,
                                             Verdict::skipped, Verdict::error,        Verdict::inconclusive,
                                             Verdict::accepted};

std::string element_path(const JsonObjectReader& reader, std::string_view key, std::size_t index) {
  return reader.path_of(key) + "[" + std::to_string(index) + "]";
}

Verdict read_verdict(const JsonObjectReader& reader) {
  const std::string name = reader.string("verdict");
  for (Verdict verdict : verdicts) {
    if (to_string(verdict) == name) return verdict;
  }
  reader.fail("verdict", "unknown verdict \"" + name + "\" (expected passed, failed, warned, skipped, error, inconclusive or accepted)");
}

std::string optional_string(const JsonObjectReader& reader, std::string_view key) {
  return reader.has(key) ? reader.string(key) : std::string();
}

std::vector<std::string> read_strings(const JsonObjectReader& reader, std::string_view key) {
  std::vector<std::string> strings;
  const json& array = reader.array(key);
  for (std::size_t index = 0; index < array.size(); ++index) {
    strings.push_back(JsonObjectReader::string_value(array[index], element_path(reader, key, index)));
  }
  return strings;
}

json events_to_json(const std::vector<history::Event>& events) {
  json array = json::array();
  for (const auto& event : events) array.push_back(history::event_to_json(event));
  return array;
}

std::vector<history::Event> read_events(const JsonObjectReader& reader, std::string_view key) {
  std::vector<history::Event> events;
  const json& array = reader.array(key);
  for (std::size_t index = 0; index < array.size(); ++index) {
    events.push_back(history::read_event(array[index], element_path(reader, key, index)));
  }
  return events;
}

json accepted_to_json(const AcceptedDeviation& entry) {
  json value{{"statement", entry.statement}, {"reason", entry.reason}};
  if (!entry.cases.empty()) value["cases"] = entry.cases;
  if (!entry.broker.empty()) value["broker"] = entry.broker;
  if (!entry.source.empty()) value["source"] = entry.source;
  return value;
}

AcceptedDeviation read_accepted(const JsonObjectReader& reader) {
  AcceptedDeviation entry;
  entry.statement = reader.string("statement");
  entry.reason = reader.string("reason");
  entry.cases = optional_string(reader, "cases");
  entry.broker = optional_string(reader, "broker");
  entry.source = optional_string(reader, "source");
  return entry;
}

json violation_to_json(const Violation& violation) {
  json value{{"statement", violation.statement},
             {"level", violation.level},
             {"message", violation.message},
             {"case_id", violation.case_id},
             {"history_slice", events_to_json(violation.history_slice)}};
  if (violation.accepted) value["accepted"] = accepted_to_json(*violation.accepted);
  return value;
}

Violation read_violation(const JsonObjectReader& reader) {
  Violation violation;
  violation.statement = reader.string("statement");
  violation.level = reader.string("level");
  violation.message = reader.string("message");
  violation.case_id = optional_string(reader, "case_id");
  violation.history_slice = read_events(reader, "history_slice");
  if (reader.has("accepted")) violation.accepted = read_accepted(reader.object("accepted"));
  return violation;
}

std::vector<Violation> read_violations(const JsonObjectReader& reader, std::string_view key) {
  std::vector<Violation> violations;
  const json& array = reader.array(key);
  for (std::size_t index = 0; index < array.size(); ++index) {
    violations.push_back(read_violation(JsonObjectReader(array[index], element_path(reader, key, index))));
  }
  return violations;
}

json case_to_json(const CaseResult& result, CaseHistories histories) {
  json violations = json::array();
  for (const auto& violation : result.violations) violations.push_back(violation_to_json(violation));
  return json{{"id", result.id},
              {"title", result.title},
              {"section", result.section},
              {"verdict", to_string(result.verdict)},
              {"statements", result.statements},
              {"duration_ms", result.duration_ms},
              {"message", result.message},
              {"steps", result.steps},
              {"violations", std::move(violations)},
              histories == CaseHistories::included ? json::array({"history", events_to_json(result.history)})
                                                   : json::array({"history_events", result.history_events()})};
}

CaseResult read_case(const JsonObjectReader& reader) {
  CaseResult result;
  result.id = reader.string("id");
  result.title = reader.string("title");
  result.section = optional_string(reader, "section");
  result.verdict = read_verdict(reader);
  result.statements = read_strings(reader, "statements");
  result.duration_ms = reader.number("duration_ms");
  result.message = reader.string("message");
  if (reader.has("steps")) result.steps = read_strings(reader, "steps");
  if (reader.has("violations")) result.violations = read_violations(reader, "violations");
  if (reader.has("history")) result.history = read_events(reader, "history");
  if (reader.has("history_events")) {
    result.history_event_count = reader.unsigned_integer("history_events");
  }
  return result;
}

json statement_to_json(const StatementResult& statement) {
  return json{{"id", statement.id},       {"spec", statement.spec},
              {"section", statement.section}, {"level", statement.level},
              {"text", statement.text},   {"verdict", to_string(statement.verdict)},
              {"cases", statement.cases}};
}

StatementResult read_statement(const JsonObjectReader& reader) {
  StatementResult statement;
  statement.id = reader.string("id");
  statement.spec = reader.string("spec");
  statement.section = optional_string(reader, "section");
  statement.level = reader.string("level");
  statement.text = optional_string(reader, "text");
  statement.verdict = read_verdict(reader);
  statement.cases = read_strings(reader, "cases");
  return statement;
}

int read_count(const JsonObjectReader& reader, std::string_view key) {
  return static_cast<int>(reader.unsigned_integer(key, INT32_MAX));
}

json transport_to_json(const Transport& transport) {
  json value{{"scheme", transport.scheme}};
  if (!transport.websocket_path.empty()) {
    value["websocket_path"] = transport.websocket_path;
    value["websocket_subprotocols"] = transport.websocket_subprotocols;
  }
  if (!transport.verification.empty()) {
    value["tls"] = json{{"verification", transport.verification},
                        {"client_certificate", transport.client_certificate},
                        {"alpn", transport.alpn}};
  }
  value["warnings"] = transport.warnings;
  return value;
}

Transport read_transport(const JsonObjectReader& reader) {
  Transport transport;
  transport.scheme = reader.string("scheme");
  transport.websocket_path = optional_string(reader, "websocket_path");
  if (reader.has("websocket_subprotocols")) {
    transport.websocket_subprotocols = read_strings(reader, "websocket_subprotocols");
  }
  if (reader.has("tls")) {
    const JsonObjectReader tls = reader.object("tls");
    transport.verification = tls.string("verification");
    transport.client_certificate = tls.has("client_certificate") && tls.boolean("client_certificate");
    if (tls.has("alpn")) transport.alpn = read_strings(tls, "alpn");
  }
  if (reader.has("warnings")) transport.warnings = read_strings(reader, "warnings");
  return transport;
}

}  // namespace

std::string Transport::describe() const {
  if (scheme.empty()) return {};
  std::string text = scheme;
  std::vector<std::string> parts;
  if (!websocket_path.empty()) parts.push_back("WebSocket " + websocket_path);
  if (!verification.empty()) {
    parts.push_back(verification == "none (--insecure)" ? "TLS, server NOT verified (--insecure)"
                                                        : "TLS, server verified against the " + verification);
    if (client_certificate) parts.push_back("client certificate");
    if (!alpn.empty()) {
      std::string names;
      for (const auto& name : alpn) names += (names.empty() ? "" : ",") + name;
      parts.push_back("ALPN " + names);
    }
  }
  for (std::size_t index = 0; index < parts.size(); ++index) text += (index == 0 ? " (" : ", ") + parts[index];
  return parts.empty() ? text : text + ")";
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::passed: return "passed";
    case Verdict::failed: return "failed";
    case Verdict::warned: return "warned";
    case Verdict::skipped: return "skipped";
    case Verdict::error: return "error";
    case Verdict::inconclusive: return "inconclusive";
    case Verdict::accepted: return "accepted";
  }
  return "unknown";
}

void add_verdict(Summary& summary, Verdict verdict) {
  switch (verdict) {
    case Verdict::passed: ++summary.passed; break;
    case Verdict::failed: ++summary.failed; break;
    case Verdict::warned: ++summary.warned; break;
    case Verdict::skipped: ++summary.skipped; break;
    case Verdict::error: ++summary.errors; break;
    case Verdict::inconclusive: ++summary.inconclusive; break;
    case Verdict::accepted: ++summary.accepted; break;
  }
}

Summary summarise(const std::vector<CaseResult>& cases) {
  Summary summary;
  for (const auto& result : cases) add_verdict(summary, result.verdict);
  return summary;
}

nlohmann::json to_json(const Results& results, CaseHistories histories) {
  json cases = json::array();
  for (const auto& result : results.cases) cases.push_back(case_to_json(result, histories));
  json statements = json::array();
  for (const auto& statement : results.statements) statements.push_back(statement_to_json(statement));
  json violations = json::array();
  for (const auto& violation : results.violations) violations.push_back(violation_to_json(violation));
  json stale = json::array();
  for (const auto& entry : results.stale_accepted) stale.push_back(accepted_to_json(entry));
  json observed = json::array();
  for (const auto& observation : results.observed) {
    observed.push_back(
        json{{"behaviour", observation.behaviour}, {"detail", observation.detail}, {"case_id", observation.case_id}});
  }
  json value{{"tool_version", results.tool_version},
             {"kind", results.kind},
             {"target", results.target},
             {"mqtt_version", results.mqtt_version},
              {"seed", results.seed},
              {"started_at", results.started_at},
              {"duration_ms", results.duration_ms},
              {"summary",
               {{"passed", results.summary.passed},
                {"failed", results.summary.failed},
                {"warned", results.summary.warned},
                {"skipped", results.summary.skipped},
                {"errors", results.summary.errors},
                {"inconclusive", results.summary.inconclusive},
                {"accepted", results.summary.accepted}}},
              {"cases", std::move(cases)},
              {"statements", std::move(statements)},
              {"violations", std::move(violations)},
              {"observed", std::move(observed)},
              {"stats", results.stats},
              {"target_problem", results.target_problem},
              // Derived from the rest (results/run_warnings.hpp), for scripts; recomputed when read back.
              {"warnings", run_warnings(results)},
              {"stale_accepted", std::move(stale)}};
  if (!results.transport.scheme.empty()) value["transport"] = transport_to_json(results.transport);
  if (results.interrupted) {
    value["interrupted"] = {{"signal", results.interrupted->signal},
                            {"signal_number", results.interrupted->signal_number},
                            {"after_ms", results.interrupted->after_ms}};
  }
  return value;
}

Results results_from_json(const nlohmann::json& json_value) {
  const JsonObjectReader reader(json_value, "");
  Results results;
  results.tool_version = optional_string(reader, "tool_version");
  results.kind = reader.string("kind");
  results.target = reader.string("target");
  if (reader.has("transport")) results.transport = read_transport(reader.object("transport"));
  results.mqtt_version = optional_string(reader, "mqtt_version");
  results.seed = reader.unsigned_integer("seed");
  results.started_at = optional_string(reader, "started_at");
  results.duration_ms = reader.has("duration_ms") ? reader.number("duration_ms") : 0.0;

  const JsonObjectReader summary = reader.object("summary");
  results.summary.passed = read_count(summary, "passed");
  results.summary.failed = read_count(summary, "failed");
  results.summary.warned = read_count(summary, "warned");
  results.summary.skipped = read_count(summary, "skipped");
  results.summary.errors = read_count(summary, "errors");
  // Absent in results.json files written before these verdicts existed.
  results.summary.inconclusive = summary.has("inconclusive") ? read_count(summary, "inconclusive") : 0;
  results.summary.accepted = summary.has("accepted") ? read_count(summary, "accepted") : 0;

  const json& cases = reader.array("cases");
  for (std::size_t index = 0; index < cases.size(); ++index) {
    results.cases.push_back(read_case(JsonObjectReader(cases[index], element_path(reader, "cases", index))));
  }
  const json& statements = reader.array("statements");
  for (std::size_t index = 0; index < statements.size(); ++index) {
    results.statements.push_back(
        read_statement(JsonObjectReader(statements[index], element_path(reader, "statements", index))));
  }
  results.violations = read_violations(reader, "violations");
  const json& observed = reader.array("observed");
  for (std::size_t index = 0; index < observed.size(); ++index) {
    const JsonObjectReader entry(observed[index], element_path(reader, "observed", index));
    results.observed.push_back(
        Observation{entry.string("behaviour"), optional_string(entry, "detail"), optional_string(entry, "case_id")});
  }
  if (reader.has("stats")) results.stats = reader.at("stats");
  // Absent in results.json files written before these fields existed.
  results.target_problem = optional_string(reader, "target_problem");
  if (reader.has("stale_accepted")) {
    const json& stale = reader.array("stale_accepted");
    for (std::size_t index = 0; index < stale.size(); ++index) {
      results.stale_accepted.push_back(
          read_accepted(JsonObjectReader(stale[index], element_path(reader, "stale_accepted", index))));
    }
  }
  if (reader.has("interrupted")) {
    const JsonObjectReader interrupted = reader.object("interrupted");
    results.interrupted = Interruption{interrupted.string("signal"),
                                       static_cast<int>(interrupted.unsigned_integer("signal_number", 64)),
                                       interrupted.number("after_ms")};
  }
  return results;
}

}  // namespace mqtt::results
