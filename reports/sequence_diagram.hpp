// Message-sequence diagrams of a history slice: one lifeline per connection plus the broker, one row per event,
// arrows for packets labelled with their key fields. Positions are computed here; Graphviz (libgvc, in process)
// draws them as SVG.
#pragma once

#include <string>
#include <vector>

#include "history/event.hpp"

namespace mqtt::reports {

std::string packet_summary(const Packet& packet);  // "PUBLISH a/b q1 id=7 retain (5 B)"
std::string event_summary(const history::Event& event);  // one line for any event kind

std::string sequence_diagram_dot(const std::vector<history::Event>& events);

// SVG ready to inline in HTML (no XML prolog, DOCTYPE or namespace URLs). When Graphviz fails the result is an
// HTML <pre> listing of the events with the reason, so a report is never lost to a layout problem.
std::string sequence_diagram_svg(const std::vector<history::Event>& events);

}  // namespace mqtt::reports
