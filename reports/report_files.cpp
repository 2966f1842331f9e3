// Putting reports on disk, and the combined history that history.jsonl and history.pcap share.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "history/json.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "results/json.hpp"

namespace mqtt::reports {
namespace {

void write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path.string() + ": cannot open for writing");
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

// "2026-11-25T12:00:00Z" (optionally with fractional seconds) -> Unix nanoseconds; 0 when unreadable.
std::int64_t unix_ns_of(const std::string& iso_time) {
  std::tm parts{};
  double seconds = 0;
  if (std::sscanf(iso_time.c_str(), "%d-%d-%dT%d:%d:%lf", &parts.tm_year, &parts.tm_mon, &parts.tm_mday,
                  &parts.tm_hour, &parts.tm_min, &seconds) != 6) {
    return 0;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  parts.tm_sec = static_cast<int>(seconds);
  const std::time_t whole = timegm(&parts);
  if (whole < 0) return 0;
  return static_cast<std::int64_t>(whole) * 1'000'000'000 +
         static_cast<std::int64_t>((seconds - static_cast<int>(seconds)) * 1e9);
}

}  // namespace

history::History combined_history(const results::Results& input) {
  std::optional<results::Results> redacted_copy;
  const results::Results& results = redacted(input, redacted_copy);
  history::History combined;
  std::uint64_t sequence = 0;
  std::uint32_t next_connection = 0;
  std::int64_t case_start = 0;
  for (const auto& result : results.cases) {
    if (result.history.empty()) continue;
    std::map<std::uint32_t, std::uint32_t> connections;
    const std::int64_t first_time = result.history.front().time_ns;
    std::int64_t last_time = case_start;
    for (history::Event event : result.history) {
      event.sequence = ++sequence;
      event.time_ns = case_start + (event.time_ns - first_time);
      last_time = std::max(last_time, event.time_ns);
      if (event.connection != 0) {
        auto [position, inserted] = connections.try_emplace(event.connection, next_connection + 1);
        if (inserted) ++next_connection;
        event.connection = position->second;
      }
      event.actor = result.id + "/" + event.actor;
      combined.events.push_back(std::move(event));
    }
    case_start = last_time + 1'000'000;  // cases follow each other 1 ms apart
  }
  return combined;
}

namespace {

// Streams into the file as it goes: a fleet's or a capture's results can be hundreds of megabytes of text,
// which should not also sit in memory as one string.
template <typename Write>
void write_stream(const std::filesystem::path& path, Write&& write) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path.string() + ": cannot open for writing");
  write(out);
  out.flush();
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

}  // namespace

void write_json(const results::Results& results, const std::filesystem::path& path,
                results::CaseHistories histories) {
  std::optional<results::Results> redacted_copy;
  const auto document = results::to_json(redacted(results, redacted_copy), histories);
  write_stream(path, [&](std::ostream& out) { out << std::setw(2) << document << '\n'; });
}

void write_html(const results::Results& results, const std::filesystem::path& path) {
  write_text(path, render_html(results));
}

void write_junit(const results::Results& results, const std::filesystem::path& path) {
  write_text(path, render_junit(results));
}

void write_markdown(const results::Results& results, const std::filesystem::path& path) {
  write_text(path, render_markdown(results));
}

namespace {

void write_history_lines(const history::History& history, const std::filesystem::path& path) {
  write_stream(path, [&](std::ostream& out) { history::write_json_lines(out, history); });
}

}  // namespace

void write_history_jsonl(const results::Results& results, const std::filesystem::path& path) {
  write_history_lines(combined_history(results), path);
}

void write_pcap(const history::History& history, const std::filesystem::path& path, std::int64_t base_unix_ns) {
  const bool clean = std::none_of(history.events.begin(), history.events.end(),
                                  [](const history::Event& event) { return needs_redaction(event); });
  history::History redacted;
  if (!clean) {
    redacted.events.reserve(history.events.size());
    for (const auto& event : history.events) redacted.events.push_back(redact_event(event));
  }
  const Bytes bytes = render_pcap(clean ? history : redacted, base_unix_ns);
  write_text(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void write_all(const results::Results& results, const std::filesystem::path& directory,
               const ReportSelection& selection) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) throw std::runtime_error(directory.string() + ": cannot create directory: " + error.message());
  write_json(results, directory / "results.json",
             selection.history_in_results ? results::CaseHistories::included : results::CaseHistories::counted);
  write_html(results, directory / "report.html");
  write_junit(results, directory / "junit.xml");
  write_markdown(results, directory / "summary.md");
  // A report directory reused by a run that does not write them must not keep an earlier run's histories.
  if (!selection.history_jsonl) std::filesystem::remove(directory / "history.jsonl", error);
  if (!selection.history_pcap) std::filesystem::remove(directory / "history.pcap", error);
  if (!selection.history_jsonl && !selection.history_pcap) return;
  // Combined (and redacted) once: on a long fleet or capture history this is the largest copy a report makes.
  const history::History combined = combined_history(results);
  if (selection.history_jsonl) write_history_lines(combined, directory / "history.jsonl");
  if (selection.history_pcap) write_pcap(combined, directory / "history.pcap", unix_ns_of(results.started_at));
}

}  // namespace mqtt::reports
