// Reading case files into typed cases. Every problem is a DataFileError whose what() is one line:
// "scenarios/conformance/retain.json:12:9: key \"cases[3].steps[1].qos\": must be an integer from 0 to 2".
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runner/case.hpp"

namespace mqtt::runner {

struct CaseSource {
  std::string file;       // how errors name it, e.g. "scenarios/conformance/retain.json"
  std::string_view text;
};

struct CaseValidation {
  bool check_statements = true;  // every statement id must exist in the catalog
};

std::vector<Case> parse_case_file(const std::string& file, std::string_view text, const CaseValidation& validation = {});

// All cases of all sources, in source order; a case id used twice is an error at the second use.
std::vector<Case> load_cases(std::span<const CaseSource> sources, const CaseValidation& validation = {});

// The suite compiled into the binary (scenarios/conformance/*.json).
std::vector<Case> load_embedded_cases(const CaseValidation& validation = {});

// Every *.json file in `directory`, in name order. Throws DataFileError when the directory cannot be read.
std::vector<Case> load_case_directory(const std::filesystem::path& directory, const CaseValidation& validation = {});

}  // namespace mqtt::runner
