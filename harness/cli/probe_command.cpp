// `mqtt-harness probe URL`: connect, subscribe, print every packet the broker sends as it arrives.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/number_option.hpp"
#include "cli/packet_text.hpp"
#include "cli/transport_options.hpp"
#include "client/session.hpp"
#include "history/json.hpp"
#include "history/printable_text.hpp"
#include "reports/redaction.hpp"

namespace mqtt::cli {
namespace {

std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) { interrupted = true; }

struct ProbeOptions {
  std::string url;
  std::string topic = "#";
  int qos = 0;
  std::string mqtt = "3.1.1";
  std::string client_id;
  int keep_alive = 30;
  int count = 0;          // 0: no limit
  double duration_s = 0;  // 0: until interrupted or the broker closes
  double connect_timeout_s = 5;
  std::uint32_t max_packet_size = client::default_max_packet_size;
  bool json = false;
  bool verbose = false;
  TransportOptions transport;
};

int run_probe(const ProbeOptions& options) {
  auto parsed = client::parse_target_url(options.url);
  if (auto* error = std::get_if<client::UrlError>(&parsed)) {
    fmt::print(stderr, "mqtt-harness probe: {}: {}\n", reports::redact_target(options.url), error->describe());
    return exit_bad_input;
  }
  auto target = std::get<client::TargetUrl>(parsed);
  if (!apply_transport_options("probe", options.transport, target)) return exit_bad_input;
  const auto version = parse_protocol_version(options.mqtt);
  if (!version) {
    fmt::print(stderr, "mqtt-harness probe: --mqtt {}: expected 3.1, 3.1.1 or 5.0\n", options.mqtt);
    return exit_bad_input;
  }

  std::atomic<int> publishes{0};
  bool broker_misbehaved = false;
  // Nothing is kept: each event is printed and forgotten, so a broker's flood costs no memory.
  client::Recorder recorder(client::RecorderStorage::none, [&](const history::Event& event) {
    const bool incoming = event.kind == history::EventKind::received ||
                          event.kind == history::EventKind::closed ||
                          event.kind == history::EventKind::decode_error;
    if (event.kind == history::EventKind::decode_error) broker_misbehaved = true;
    if (event.kind == history::EventKind::received && event.packet &&
        std::holds_alternative<Publish>(*event.packet)) {
      ++publishes;
    }
    if (!incoming && !options.verbose) return;
    std::optional<history::Event> redacted;
    if (reports::needs_redaction(event)) redacted = reports::redact_event(event);
    const history::Event& shown = redacted ? *redacted : event;
    const std::string line = options.json ? history::to_json_line(shown) : event_text(shown);
    std::fprintf(stdout, "%s\n", line.c_str());
    std::fflush(stdout);
  });

  client::EventLoop loop;
  client::OpenOptions open_options;
  open_options.actor = "probe";
  open_options.version = *version;
  open_options.deadline = std::chrono::duration_cast<client::Duration>(
      std::chrono::duration<double>(options.connect_timeout_s));
  open_options.max_packet_size = options.max_packet_size;
  open_options.unrequested_publish_limit = 0;  // probe prints every packet; it keeps none
  auto opened = client::Session::open(loop, recorder, target, open_options);
  if (auto* error = std::get_if<std::string>(&opened)) {
    fmt::print(stderr, "mqtt-harness probe: cannot connect to {}: {}\n", target.redacted(), *error);
    return exit_unreachable;
  }
  auto& session = std::get<client::Session>(opened);

  Connect connect;
  connect.version = *version;
  connect.client_id = options.client_id.empty() ? fmt::format("mqtt-harness-probe-{}", ::getpid())
                                                : options.client_id;
  connect.keep_alive = static_cast<std::uint16_t>(options.keep_alive);
  const auto answer = session.connect(connect, open_options.deadline);
  if (!answer.ok()) {
    fmt::print(stderr, "mqtt-harness probe: {}: {}\n", target.redacted(),
               client::failure_text(answer, PacketType::connack, open_options.deadline));
    return broker_misbehaved ? exit_violations : exit_unreachable;
  }
  const auto& connack = std::get<Connack>(*answer.reply);
  if (connack.reason_code != 0) {
    fmt::print(stderr, "mqtt-harness probe: {} refused the connection with code 0x{:02x}\n", target.redacted(),
               connack.reason_code);
    return exit_unreachable;
  }
  const auto subscribed = session.subscribe({Subscription{.filter = options.topic,
                                                          .qos = static_cast<QoS>(options.qos)}},
                                            open_options.deadline);
  if (!subscribed.ok()) {
    fmt::print(stderr, "mqtt-harness probe: subscribing to {}: {}\n", history::printable_excerpt(options.topic),
               client::failure_text(subscribed, PacketType::suback, open_options.deadline));
    return broker_misbehaved || subscribed.unmatched ? exit_violations : exit_unreachable;
  }
  session.connection().set_inbox_limit(0);  // nothing more is waited for: received packets are only printed

  interrupted = false;
  auto previous_int = std::signal(SIGINT, on_interrupt);
  auto previous_term = std::signal(SIGTERM, on_interrupt);
  const auto started = std::chrono::steady_clock::now();
  const auto limit = std::chrono::duration<double>(options.duration_s);
  auto finished = [&] {
    if (interrupted || !session.connection().is_open()) return true;
    if (options.count > 0 && publishes >= options.count) return true;
    return options.duration_s > 0 && std::chrono::steady_clock::now() - started >= limit;
  };
  while (!finished()) loop.run_until(finished, std::chrono::milliseconds(200));
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);

  if (session.connection().is_open()) {
    session.disconnect();
    return exit_passed;
  }
  if (broker_misbehaved) return exit_violations;
  fmt::print(stderr, "mqtt-harness probe: {} closed the connection\n", target.redacted());
  return exit_unreachable;
}

}  // namespace

void add_probe_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ProbeOptions>();
  auto* command = app.add_subcommand("probe", "Connect, subscribe and print every packet the broker sends");
  command->add_option("url", options->url, "Target: mqtt://, mqtts://, ws:// or wss://[user:pass@]host[:port][/path]")
      ->required();
  command->add_option("-t,--topic", options->topic, "Topic filter to subscribe to")->capture_default_str();
  command->add_option("-q,--qos", options->qos, "Requested QoS")->check(CLI::Range(0, 2))->capture_default_str();
  command->add_option("--mqtt", options->mqtt, "Protocol version: 3.1, 3.1.1 or 5.0")->capture_default_str();
  command->add_option("-i,--client-id", options->client_id, "Client id (default mqtt-harness-probe-PID)");
  command->add_option("-k,--keep-alive", options->keep_alive, "Keep alive in seconds")
      ->check(CLI::Range(0, 65535))->capture_default_str();
  command->add_option("-C,--count", options->count, "Exit after this many PUBLISH packets (0: no limit)");
  command->add_option("-W,--duration", options->duration_s, "Exit after this many seconds (0: no limit)")
      ->check(finite_number(0, 1e7));
  command->add_option("--connect-timeout", options->connect_timeout_s,
                      "Seconds to wait for the connection (TCP, TLS, WebSocket) and for CONNACK")
      ->check(finite_number(0.001, 3600))
      ->capture_default_str();
  command->add_option("--max-packet-size", options->max_packet_size,
                      "Largest remaining length accepted from the broker, in bytes; a larger packet is reported "
                      "with its claimed size and never buffered")
      ->check(CLI::Range(2u, 268'435'455u))
      ->capture_default_str();
  command->add_flag("--json", options->json, "Print each event as a JSON line (the history format)");
  command->add_flag("-v,--verbose", options->verbose, "Also print what the probe sends");
  add_transport_options(*command, options->transport);
  command->footer(help_footer(transport_help_note() +
                              "\nMalformed bytes from the broker, or an answer for another packet id, are exit 1; a "
                              "refused CONNECT is exit 3."));
  command->callback([options, &exit_code] { exit_code = run_probe(*options); });
}

}  // namespace mqtt::cli
