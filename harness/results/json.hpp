// results.json: the on-disk form of Results, read back by `mqtt-harness report`.
#pragma once

#include <nlohmann/json.hpp>

#include "results/results.hpp"

namespace mqtt::results {

// Whether results.json holds each case's whole history. A fleet's or a capture's history can be millions of
// events: without it a case carries only "history_events" (how many there were), and its violations keep their
// evidence slices either way. Reading accepts both.
enum class CaseHistories { included, counted };

nlohmann::json to_json(const Results& results, CaseHistories histories = CaseHistories::included);
Results results_from_json(const nlohmann::json& json);  // throws history::FormatError on bad input

}  // namespace mqtt::results
