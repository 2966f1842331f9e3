// Reports: results.json, a self-contained HTML page, JUnit XML, a Markdown CI summary, the histories as JSON Lines
// and as a pcap Wireshark can dissect. Every writer reads only results::Results (or a History) and redacts
// secrets (URL passwords, CONNECT passwords) before anything reaches disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "codec/packet.hpp"
#include "history/event.hpp"
#include "results/json.hpp"
#include "results/results.hpp"

namespace mqtt::reports {

// Text renderings (pure; the writers below put them on disk).
std::string render_html(const results::Results& results);
std::string render_junit(const results::Results& results);
std::string render_markdown(const results::Results& results);
// `labels` name the runs (one per run; empty: each run's target).
std::string render_comparison_html(const std::vector<results::Results>& runs,
                                   const std::vector<std::string>& labels = {});
// Classic pcap bytes; `base_unix_ns` is the wall-clock time of time_ns == 0.
Bytes render_pcap(const history::History& history, std::int64_t base_unix_ns = 0);

// All case histories in one history: actor becomes "<case id>/<actor>", connections are renumbered so each
// (case, connection) pair is its own connection, sequence numbers run 1, 2, ... and each case's times are
// shifted to start after the previous case ended. Secrets are redacted.
history::History combined_history(const results::Results& results);

// Which of the history-sized reports a run writes (--history; docs/reports.md). A conformance run's case
// histories are small and go everywhere; a fleet's or a capture's history is the run's whole traffic, so by
// default results.json holds only its verdicts, statistics and evidence slices, and history.jsonl and
// history.pcap are written only when asked for.
struct ReportSelection {
  bool history_jsonl = true;
  bool history_pcap = true;
  bool history_in_results = true;  // each case's whole history inside results.json
};

// Writers; each throws std::runtime_error naming the path when it cannot write.
void write_json(const results::Results& results, const std::filesystem::path& path,
                results::CaseHistories histories = results::CaseHistories::included);
void write_html(const results::Results& results, const std::filesystem::path& path);
void write_junit(const results::Results& results, const std::filesystem::path& path);
void write_markdown(const results::Results& results, const std::filesystem::path& path);
void write_history_jsonl(const results::Results& results, const std::filesystem::path& path);
void write_pcap(const history::History& history, const std::filesystem::path& path, std::int64_t base_unix_ns = 0);

// Writes results.json, report.html, junit.xml, summary.md and, as `selection` asks, history.jsonl and
// history.pcap into `directory` (created when missing).
void write_all(const results::Results& results, const std::filesystem::path& directory,
               const ReportSelection& selection = {});

// Loads results.json files (throws history::FormatError naming the file) and writes one HTML page with a
// statement x run matrix.
std::vector<results::Results> load_results(const std::vector<std::filesystem::path>& paths);
void write_comparison_html(const std::vector<std::filesystem::path>& results_files,
                           const std::filesystem::path& output, const std::vector<std::string>& labels = {});

}  // namespace mqtt::reports
