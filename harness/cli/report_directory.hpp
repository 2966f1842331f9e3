// The --report-dir of the judging commands: checked before a run starts, so a run of minutes is not lost to a
// directory it cannot write, and a fallback for when writing fails after the run anyway.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace mqtt::cli {

// "" when reports can be written into `directory`, otherwise why not ("/srv/out: Permission denied"). It is
// tried for real (the missing directories are created and a file is written), then everything it made is
// removed again.
std::string report_directory_problem(const std::filesystem::path& directory);

// A new, empty directory for the reports of a run whose --report-dir failed after the run
// ("/tmp/mqtt-harness-report-XXXXXX"), or nullopt when even that cannot be made.
std::optional<std::filesystem::path> fallback_report_directory();

}  // namespace mqtt::cli
