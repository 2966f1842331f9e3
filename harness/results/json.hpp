// results.json: the on-disk form of Results, read back by `mqtt-harness report`.
#pragma once

#include <nlohmann/json.hpp>

#include "results/results.hpp"

namespace mqtt::results {

nlohmann::json to_json(const Results& results);
Results results_from_json(const nlohmann::json& json);  // throws history::FormatError on bad input

}  // namespace mqtt::results
