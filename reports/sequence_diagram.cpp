#include "reports/sequence_diagram.hpp"

#include <gvc.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "history/json_reader.hpp"
#include "reports/markup.hpp"

namespace mqtt::reports {
namespace {

using history::Event;
using history::EventKind;

std::string shorten(std::string_view text, std::size_t limit = 40) {
  std::string clean = printable_utf8(text);
  if (clean.size() <= limit) return clean;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return clean.substr(0, cut) + "…";
}

std::string hex_byte(std::uint8_t value) {
  static constexpr char digits[] = "0123456789ABCDEF";
  return std::string("0x") + digits[value >> 4] + digits[value & 0x0F];
}

std::string qos_text(QoS qos) { return "q" + std::to_string(static_cast<int>(qos)); }

std::string codes_text(const std::vector<std::uint8_t>& codes) {
  std::string text = "[";
  for (std::size_t index = 0; index < codes.size(); ++index) {
    if (index > 0) text += ", ";
    text += codes[index] < 0x10 ? std::to_string(codes[index]) : hex_byte(codes[index]);
  }
  return text + "]";
}

template <PacketType Type>
std::string acknowledgement_text(const Acknowledgement<Type>& packet) {
  std::string text = std::string(history::packet_type_name(Type)) + " id=" + std::to_string(packet.packet_id);
  if (packet.version == ProtocolVersion::v5 || packet.reason_code != 0) text += " rc=" + hex_byte(packet.reason_code);
  return text;
}

std::string label_text(const Connect& packet) {
  std::string text = "CONNECT id=\"" + shorten(packet.client_id, 24) + "\" clean=" +
                     (packet.clean_session ? "1" : "0") + " ka=" + std::to_string(packet.keep_alive);
  if (packet.will) text += " will=" + shorten(packet.will->topic, 20) + " " + qos_text(packet.will->qos);
  if (packet.username) text += " user";
  return text;
}
std::string label_text(const Connack& packet) {
  return std::string("CONNACK sp=") + (packet.session_present ? "1" : "0") + " rc=" + hex_byte(packet.reason_code);
}
std::string label_text(const Publish& packet) {
  std::string text = "PUBLISH " + shorten(packet.topic) + " " + qos_text(packet.qos);
  if (packet.packet_id) text += " id=" + std::to_string(*packet.packet_id);
  if (packet.retain) text += " retain";
  if (packet.dup) text += " dup";
  return text + " (" + std::to_string(packet.payload.size()) + " B)";
}
template <PacketType Type>
std::string label_text(const Acknowledgement<Type>& packet) {
  return acknowledgement_text(packet);
}
std::string label_text(const Subscribe& packet) {
  std::string text = "SUBSCRIBE id=" + std::to_string(packet.packet_id);
  for (const auto& subscription : packet.subscriptions) {
    text += " " + shorten(subscription.filter, 24) + " " + qos_text(subscription.qos);
  }
  return text;
}
std::string label_text(const Suback& packet) {
  return "SUBACK id=" + std::to_string(packet.packet_id) + " " + codes_text(packet.reason_codes);
}
std::string label_text(const Unsubscribe& packet) {
  std::string text = "UNSUBSCRIBE id=" + std::to_string(packet.packet_id);
  for (const auto& filter : packet.filters) text += " " + shorten(filter, 24);
  return text;
}
std::string label_text(const Unsuback& packet) {
  std::string text = "UNSUBACK id=" + std::to_string(packet.packet_id);
  if (!packet.reason_codes.empty()) text += " " + codes_text(packet.reason_codes);
  return text;
}
std::string label_text(const Pingreq&) { return "PINGREQ"; }
std::string label_text(const Pingresp&) { return "PINGRESP"; }
std::string label_text(const Disconnect& packet) {
  return packet.version == ProtocolVersion::v5 ? "DISCONNECT rc=" + hex_byte(packet.reason_code) : "DISCONNECT";
}
std::string label_text(const Auth& packet) { return "AUTH rc=" + hex_byte(packet.reason_code); }

// Text inside a dot double-quoted string.
std::string dot_quote(std::string_view text) {
  std::string out = "\"";
  for (char character : printable_utf8(text)) {
    if (character == '"' || character == '\\') out.push_back('\\');
    if (character == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(character);
  }
  return out + "\"";
}

bool is_trouble(const Event& event) {
  if (event.kind == EventKind::decode_error || event.kind == EventKind::fault ||
      event.kind == EventKind::open_failed) {
    return true;
  }
  return event.kind == EventKind::closed && event.close_reason &&
         *event.close_reason != history::CloseReason::local_close &&
         *event.close_reason != history::CloseReason::clean_eof;
}

struct Lifeline {
  std::uint32_t connection = 0;
  std::string label;
};

// Columns: the first connection, the broker, then the others, so a publisher-broker-subscriber exchange reads
// left to right.
std::vector<Lifeline> lifelines_of(const std::vector<Event>& events) {
  std::vector<Lifeline> clients;
  for (const Event& event : events) {
    if (event.connection == 0) continue;
    const bool known = std::any_of(clients.begin(), clients.end(),
                                   [&](const Lifeline& line) { return line.connection == event.connection; });
    if (!known) {
      clients.push_back({event.connection, shorten(event.actor.empty() ? "client" : event.actor, 28) + "\n(conn " +
                                               std::to_string(event.connection) + ")"});
    }
  }
  std::vector<Lifeline> columns;
  if (!clients.empty()) columns.push_back(clients.front());
  columns.push_back({0, "broker"});
  for (std::size_t index = 1; index < clients.size(); ++index) columns.push_back(clients[index]);
  return columns;
}

}  // namespace

std::string packet_summary(const Packet& packet) {
  return std::visit([](const auto& value) { return label_text(value); }, packet);
}

std::string event_summary(const Event& event) {
  switch (event.kind) {
    case EventKind::open: return "TCP open";
    case EventKind::open_failed: return "connect failed: " + shorten(event.detail, 60);
    case EventKind::sent:
    case EventKind::received:
      if (event.packet) return packet_summary(*event.packet);
      return "undecoded bytes (" + std::to_string(event.raw.size()) + " B)";
    case EventKind::closed:
      return "closed (" + std::string(event.close_reason ? history::to_string(*event.close_reason) : "unknown") + ")";
    case EventKind::decode_error:
      return "decode error: " + shorten(event.error ? event.error->message : "unknown", 60) +
             (event.error && !event.error->statement.empty() ? " [" + event.error->statement + "]" : "");
    case EventKind::fault:
      return "fault: " + shorten(event.fault, 24) + (event.detail.empty() ? "" : " " + shorten(event.detail, 40));
    case EventKind::note: return shorten(event.detail, 60);
  }
  return "?";
}

// The diagram is laid out here, not by a Graphviz ranking engine: every node gets a pinned position (points, y
// grows upwards) and Graphviz's "nop2" engine (neato -n2) only draws. A ranking layout bends lifelines as soon as
// arrow labels differ in width; pinned positions keep every lifeline a straight vertical line and every arrow
// horizontal in its own row.
namespace {

constexpr double row_height = 26;           // points between event rows
constexpr double header_height = 32;        // lifeline header boxes
constexpr double time_column_x = 34;        // centre of the "+1.250 ms" labels
constexpr double first_lifeline_x = 130;
constexpr double minimum_gap = 150, maximum_gap = 560;
constexpr double character_width = 5.6;     // Helvetica 10 pt, average advance

double text_width(std::string_view text) {
  std::size_t characters = 0;
  for (char character : text) characters += (static_cast<unsigned char>(character) & 0xC0) != 0x80 ? 1 : 0;
  return static_cast<double>(characters) * character_width;
}

std::string point(double x, double y) { return "\"" + format_number(x, 1) + "," + format_number(y, 1) + "!\""; }

}  // namespace

std::string sequence_diagram_dot(const std::vector<Event>& events) {
  const std::vector<Lifeline> columns = lifelines_of(events);
  auto column_of = [&columns](std::uint32_t connection) {
    for (std::size_t index = 0; index < columns.size(); ++index) {
      if (columns[index].connection == connection) return index;
    }
    return std::size_t{0};
  };
  const std::size_t broker = column_of(0);

  // One gap for all neighbouring lifelines, wide enough for the widest arrow label over the gaps it spans.
  double gap = minimum_gap;
  for (const Event& event : events) {
    if (event.kind != EventKind::sent && event.kind != EventKind::received && event.kind != EventKind::open &&
        event.kind != EventKind::decode_error) {
      continue;
    }
    const std::size_t client = column_of(event.connection);
    const double spanned = static_cast<double>(client > broker ? client - broker : broker - client);
    if (spanned > 0) gap = std::max(gap, (text_width(event_summary(event)) + 28) / spanned);
  }
  gap = std::min(gap, maximum_gap);
  auto x_of = [gap](std::size_t column) { return first_lifeline_x + gap * static_cast<double>(column); };
  auto y_of = [](std::size_t row) { return -(header_height / 2 + row_height * static_cast<double>(row)); };

  std::string dot =
      "digraph sequence {\n"
      "  graph [fontname=\"Helvetica\", bgcolor=\"transparent\", splines=line, pad=0.1];\n"
      "  node [shape=point, width=0.01, height=0.01, label=\"\", fontname=\"Helvetica\", fontsize=10];\n"
      "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  dot += "  time [shape=plaintext, label=\"time\", fontcolor=\"#555555\", pos=" + point(time_column_x, 0) + "];\n";

  // Lifelines first, so notes and labels are drawn over them.
  const std::size_t rows = events.size();
  for (std::size_t column = 0; column < columns.size(); ++column) {
    const std::string head = "h" + std::to_string(column), foot = "f" + std::to_string(column);
    dot += "  " + head + " [shape=box, style=\"filled,rounded\", fillcolor=\"" +
           std::string(column == broker ? "#e8e8e8" : "#dde8f6") + "\", width=1.3, height=0.45, label=" +
           dot_quote(columns[column].label) + ", pos=" + point(x_of(column), 0) + "];\n";
    dot += "  " + foot + " [pos=" + point(x_of(column), y_of(rows + 1)) + "];\n";
    dot += "  " + head + " -> " + foot + " [arrowhead=none, style=dashed, color=\"#9a9a9a\"];\n";
  }

  const std::int64_t start = events.empty() ? 0 : events.front().time_ns;
  for (std::size_t row = 1; row <= rows; ++row) {
    const Event& event = events[row - 1];
    const std::string id = std::to_string(row);
    const double y = y_of(row);
    const double offset_ms = static_cast<double>(event.time_ns - start) / 1e6;
    dot += "  t" + id + " [shape=plaintext, fontcolor=\"#555555\", label=\"+" + format_number(offset_ms, 3) +
           " ms\", pos=" + point(time_column_x, y) + "];\n";
    const std::size_t client = column_of(event.connection);
    const bool trouble = is_trouble(event);
    const std::string colour = trouble ? "#b91c1c" : "#1f2937";
    const std::string label = dot_quote(event_summary(event));
    std::size_t from = client, to = broker;
    switch (event.kind) {
      case EventKind::received:
      case EventKind::decode_error: std::swap(from, to); [[fallthrough]];
      case EventKind::sent:
      case EventKind::open: {
        dot += "  a" + id + " [pos=" + point(x_of(from), y) + "];\n  b" + id + " [pos=" + point(x_of(to), y) +
               "];\n";
        dot += "  a" + id + " -> b" + id + " [color=\"" + colour + "\"" +
               (event.kind == EventKind::open ? ", style=dotted" : "") + (trouble ? ", penwidth=2" : "") + "];\n";
        // The label sits just above the arrow, centred between the two lifelines.
        dot += "  l" + id + " [shape=plaintext, height=0.1, margin=0, fontcolor=\"" + colour + "\", label=" + label +
               ", pos=" + point((x_of(from) + x_of(to)) / 2, y + 8) + "];\n";
        break;
      }
      default: {
        // Notes sit on their lifeline: closes and notes on the client, network faults on the broker.
        const std::size_t column = event.connection == 0 ? broker : client;
        dot += "  n" + id + " [shape=note, width=0, height=0.2, margin=\"0.06,0.02\", style=filled, fillcolor=\"" +
               std::string(trouble ? "#fde2e2" : "#fff7d6") + "\", color=\"" + (trouble ? "#b91c1c" : "#a3a3a3") +
               "\", fontcolor=\"" + colour + "\", label=" +
               dot_quote((event.kind == EventKind::closed && trouble ? "✕ " : "") + event_summary(event)) +
               ", pos=" + point(x_of(column), y) + "];\n";
      }
    }
  }
  dot += "}\n";
  return dot;
}

namespace {

// One Graphviz context for the whole process, as libgvc's library guide has it (gvContext once, every graph
// laid out and rendered with it). A context per diagram is not safe: the pango text-layout plugin caches the
// last font it measured in static variables that point into the context's font dictionary, so after
// gvFreeContext the next diagram's gvLayout read freed memory (AddressSanitizer: heap-use-after-free in
// textspan_size, whenever a report had two diagrams). The context is never freed (it lives as long as the
// plugin's cache); Graphviz is not thread-safe, so one diagram is drawn at a time.
struct GraphvizContext {
  std::mutex mutex;
  GVC_t* context = nullptr;
};

GraphvizContext& graphviz_context() {
  static GraphvizContext instance{.context = gvContext()};  // gvFreeContext is never called, see above
  return instance;
}

}  // namespace

std::string sequence_diagram_svg(const std::vector<Event>& events) {
  auto fallback = [&events](const std::string& reason) {
    std::string text = "<pre class=\"diagram-fallback\">sequence diagram unavailable: " + escape_xml(reason) + "\n";
    for (const Event& event : events) {
      text += escape_xml("#" + std::to_string(event.sequence) + " conn " + std::to_string(event.connection) + " " +
                         std::string(history::to_string(event.kind)) + ": " + event_summary(event)) +
              "\n";
    }
    return text + "</pre>";
  };
  if (events.empty()) return fallback("the history slice is empty");

  const std::string dot = sequence_diagram_dot(events);
  GraphvizContext& graphviz = graphviz_context();
  if (graphviz.context == nullptr) return fallback("Graphviz could not start");
  std::string svg;
  {
    const std::lock_guard lock(graphviz.mutex);
    Agraph_t* graph = agmemread(dot.c_str());
    if (graph == nullptr) return fallback("Graphviz rejected the diagram");
    if (gvLayout(graphviz.context, graph, "nop2") == 0) {
      char* data = nullptr;
      unsigned int length = 0;
      if (gvRenderData(graphviz.context, graph, "svg", &data, &length) == 0 && data != nullptr) {
        svg.assign(data, length);
      }
      gvFreeRenderData(data);
      gvFreeLayout(graphviz.context, graph);
    }
    agclose(graph);
  }
  const auto svg_start = svg.find("<svg");
  if (svg_start == std::string::npos) return fallback("Graphviz produced no SVG");
  svg.erase(0, svg_start);
  // Inline SVG in HTML needs no namespace declarations; dropping them keeps the page free of URLs.
  for (const std::string attribute : {" xmlns=\"http://www.w3.org/2000/svg\"",
                                      " xmlns:xlink=\"http://www.w3.org/1999/xlink\""}) {
    if (const auto found = svg.find(attribute); found != std::string::npos) svg.erase(found, attribute.size());
  }
  // Comments carry Graphviz's version banner and node ids; they add nothing to the page.
  std::size_t comment = 0;
  while ((comment = svg.find("<!--", comment)) != std::string::npos) {
    const auto end = svg.find("-->", comment);
    if (end == std::string::npos) break;
    svg.erase(comment, end + 3 - comment);
  }
  return svg;
}

}  // namespace mqtt::reports
