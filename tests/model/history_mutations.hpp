// Seeded random histories for differential tests of the checker: a conformant simulated broker's history,
// then mutations of the broker's side (lost, repeated, reordered or altered packets, wrong CONNACKs, early
// closes, delays past deadlines) and of the client's (faults, forbidden packets, keep alives, credentials
// notes), so that violations, observations and outstanding obligations all occur often. Everything follows
// from the seed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/checker.hpp"
#include "simulated_broker.hpp"

namespace mqtt::model::testing {

struct RandomHistory {
  history::History history;  // its last event is a note that marks where the history ends
  CheckOptions options;
  std::vector<std::string> mutations;  // what was done to the conformant history, in order
};

class HistoryMutator {
 public:
  explicit HistoryMutator(std::uint64_t seed) : seed_(seed), random_(seed) {}

  RandomHistory generate() {
    SimulationOptions simulation;
    simulation.clients = 2 + static_cast<int>(draw(5));
    simulation.steps = 30 + static_cast<int>(draw(270));
    simulation.withhold_acknowledgements = chance(80);
    simulation.maximum_qos = chance(80) ? 2 : static_cast<int>(draw(2));
    ConformantSimulation broker(seed_ * 0x9E3779B97F4A7C15ULL + 1, simulation);
    events_ = broker.run().history.events;

    RandomHistory result;
    const int count = chance(10) ? 0 : 1 + static_cast<int>(draw(1 + simulation.steps / 20));
    for (int i = 0; i < count && !events_.empty(); ++i) result.mutations.push_back(mutate());
    renumber();
    const std::int64_t extensions[] = {0, 200 * milliseconds, 2 * seconds, 20 * seconds, 200 * seconds};
    history::Event end;
    end.kind = history::EventKind::note;
    end.detail = "end of history";
    end.time_ns = (events_.empty() ? 0 : events_.back().time_ns) + extensions[draw(5)];
    events_.push_back(end);
    renumber();
    result.history.events = std::move(events_);
    result.options = random_options();
    return result;
  }

 private:
  using Events = std::vector<history::Event>;

  std::uint64_t draw(std::uint64_t bound) { return random_() % bound; }
  bool chance(int percent) { return static_cast<int>(draw(100)) < percent; }

  static bool is_received(const history::Event& event, std::optional<PacketType> type = std::nullopt) {
    return event.kind == history::EventKind::received && event.packet &&
           (!type || packet_type(*event.packet) == *type);
  }
  static bool is_sent(const history::Event& event, std::optional<PacketType> type = std::nullopt) {
    return event.kind == history::EventKind::sent && event.packet &&
           (!type || packet_type(*event.packet) == *type);
  }

  // A random index of an event satisfying `wanted`, or events_.size() when there is none.
  std::size_t pick_where(const std::function<bool(const history::Event&)>& wanted) {
    std::vector<std::size_t> found;
    for (std::size_t i = 0; i < events_.size(); ++i) {
      if (wanted(events_[i])) found.push_back(i);
    }
    return found.empty() ? events_.size() : found[draw(found.size())];
  }

  // A connection with events on both sides of `position` (open there, as far as the client side knows).
  std::uint32_t connection_around(std::size_t position) {
    std::set<std::uint32_t> before;
    std::set<std::uint32_t> open;
    for (std::size_t i = 0; i < position && i < events_.size(); ++i) {
      if (events_[i].connection == 0) continue;
      if (events_[i].kind == history::EventKind::closed)
        before.erase(events_[i].connection);
      else
        before.insert(events_[i].connection);
    }
    for (std::size_t i = position; i < events_.size(); ++i) {
      if (before.contains(events_[i].connection)) open.insert(events_[i].connection);
    }
    if (open.empty()) return 0;
    auto it = open.begin();
    std::advance(it, draw(open.size()));
    return *it;
  }

  // Inserts `event` before `position`, at the time of the event before it so that time never runs backwards.
  void insert_at(std::size_t position, history::Event event) {
    position = std::min(position, events_.size());
    event.time_ns = position == 0 ? 0 : events_[position - 1].time_ns;
    events_.insert(events_.begin() + static_cast<std::ptrdiff_t>(position), std::move(event));
  }

  history::Event event_on(std::uint32_t connection, history::EventKind kind) {
    history::Event event;
    event.connection = connection;
    event.kind = kind;
    return event;
  }

  void renumber() {
    for (std::size_t i = 0; i < events_.size(); ++i) {
      events_[i].sequence = i + 1;
      if (i > 0) events_[i].time_ns = std::max(events_[i].time_ns, events_[i - 1].time_ns);
    }
  }

  CheckOptions random_options() {
    CheckOptions options;
    if (chance(70)) return options;
    const std::int64_t graces[] = {0, 500 * milliseconds, 2 * seconds, 10 * seconds};
    const std::int64_t prompts[] = {0, 1 * seconds, 3 * seconds};
    const std::int64_t closes[] = {100 * milliseconds, 1 * seconds, 3 * seconds};
    options.keepalive_grace_ns = graces[draw(4)];
    options.prompt_close_ns = prompts[draw(3)];
    options.close_grace_ns = closes[draw(3)];
    return options;
  }

  std::string mutate() {
    switch (draw(23)) {
      case 0:
        return drop_received(PacketType::publish);
      case 1:
        return drop_received(std::nullopt);
      case 2:
        return duplicate_received();
      case 3:
        return swap_received();
      case 4:
      case 5:
        return alter_delivery();
      case 6:
        return alter_connack();
      case 7:
        return close_early();
      case 8:
      case 9:
        return delay();
      case 10:
        return insert_fault();
      case 11:
        return set_keep_alive();
      case 12:
        return expect_authentication_failure();
      case 13:
        return insert_decode_error();
      case 14:
      case 15:
        return insert_client_packet();
      case 16:
        return drop_sent();
      case 17:
        return pipeline_before_connack();
      case 18:
        return alter_suback();
      case 19:
        return alter_packet_id();
      case 20:
        return empty_client_id();
      case 21:
        return take_over();
      default:
        return server_closes();
    }
  }

  std::string drop_received(std::optional<PacketType> type) {
    const auto i = pick_where([&](const history::Event& e) { return is_received(e, type); });
    if (i == events_.size()) return "nothing to drop";
    events_.erase(events_.begin() + static_cast<std::ptrdiff_t>(i));
    return "drop received #" + std::to_string(i);
  }

  std::string duplicate_received() {
    const auto i = pick_where([](const history::Event& e) { return is_received(e); });
    if (i == events_.size()) return "nothing to duplicate";
    insert_at(i + 1 + draw(5), events_[i]);
    return "duplicate received #" + std::to_string(i);
  }

  std::string swap_received() {
    const auto i = pick_where([](const history::Event& e) { return is_received(e); });
    if (i == events_.size()) return "nothing to swap";
    std::vector<std::size_t> later;
    for (std::size_t j = i + 1; j < events_.size() && j <= i + 10; ++j) {
      if (is_received(events_[j])) later.push_back(j);
    }
    if (later.empty()) return "nothing to swap with";
    const auto j = later[draw(later.size())];
    std::swap(events_[i].packet, events_[j].packet);
    std::swap(events_[i].connection, events_[j].connection);
    return "swap received #" + std::to_string(i) + " #" + std::to_string(j);
  }

  std::string alter_delivery() {
    const auto i = pick_where([](const history::Event& e) { return is_received(e, PacketType::publish); });
    if (i == events_.size()) return "no delivery to alter";
    auto& publish = std::get<Publish>(*events_[i].packet);
    switch (draw(6)) {
      case 0:
        publish.dup = !publish.dup;
        return "flip DUP #" + std::to_string(i);
      case 1:
        publish.retain = !publish.retain;
        return "flip RETAIN #" + std::to_string(i);
      case 2:
        publish.payload =
            bytes_of(chance(50) ? "mh1 stranger" + std::to_string(draw(4)) : "untokened payload");
        return "foreign payload #" + std::to_string(i);
      case 3: {
        const char* topics[] = {"t/a", "t/b", "t/a/x", "$s/a", "u/v"};
        publish.topic = topics[draw(5)];
        return "move topic #" + std::to_string(i);
      }
      default:
        publish.qos = static_cast<QoS>(draw(3));
        if (publish.qos == QoS::at_most_once)
          publish.packet_id.reset();
        else if (!publish.packet_id)
          publish.packet_id = static_cast<std::uint16_t>(1 + draw(20));
        return "delivery QoS " + std::to_string(static_cast<int>(publish.qos)) + " #" + std::to_string(i);
    }
  }

  std::string alter_connack() {
    const auto i = pick_where([](const history::Event& e) { return is_received(e, PacketType::connack); });
    if (i == events_.size()) return "no CONNACK";
    auto& connack = std::get<Connack>(*events_[i].packet);
    if (chance(50)) {
      connack.session_present = !connack.session_present;
      return "flip session present #" + std::to_string(i);
    }
    connack.reason_code = static_cast<std::uint8_t>(1 + draw(6));
    if (chance(30)) connack.session_present = true;
    return "CONNACK code " + std::to_string(connack.reason_code) + " #" + std::to_string(i);
  }

  std::string close_early() {
    const auto position = draw(events_.size() + 1);
    const auto connection = connection_around(position);
    if (connection == 0) return "no connection to close";
    const history::CloseReason reasons[] = {history::CloseReason::clean_eof, history::CloseReason::reset,
                                            history::CloseReason::timeout, history::CloseReason::local_close,
                                            history::CloseReason::local_abort};
    auto closed = event_on(connection, history::EventKind::closed);
    closed.close_reason = reasons[draw(5)];
    insert_at(position, closed);
    if (chance(50)) {  // and nothing more happens on it
      for (auto j = events_.size(); j-- > position + 1;) {
        if (events_[j].connection == connection)
          events_.erase(events_.begin() + static_cast<std::ptrdiff_t>(j));
      }
    }
    return "close connection " + std::to_string(connection) + " at #" + std::to_string(position);
  }

  std::string delay() {
    const auto position = draw(events_.size());
    const std::int64_t deltas[] = {300 * milliseconds, 1200 * milliseconds, 3 * seconds,
                                   10 * seconds,       40 * seconds,        100 * seconds};
    const auto delta = deltas[draw(6)];
    for (auto j = position; j < events_.size(); ++j) events_[j].time_ns += delta;
    return "delay from #" + std::to_string(position) + " by " + std::to_string(delta / milliseconds) + " ms";
  }

  std::string insert_fault() {
    const auto position = draw(events_.size() + 1);
    const auto connection = chance(30) ? 0 : connection_around(position);
    const char* names[] = {"partition", "stall", "reset", "blackhole", "latency"};
    auto fault = event_on(connection, history::EventKind::fault);
    fault.fault = names[draw(5)];
    fault.detail = "injected by the mutator";
    insert_at(position, fault);
    return "fault " + fault.fault + " on connection " + std::to_string(connection);
  }

  std::string set_keep_alive() {
    const auto i = pick_where([](const history::Event& e) { return is_sent(e, PacketType::connect); });
    if (i == events_.size()) return "no CONNECT";
    std::get<Connect>(*events_[i].packet).keep_alive = static_cast<std::uint16_t>(1 + draw(10));
    return "keep alive #" + std::to_string(i);
  }

  std::string expect_authentication_failure() {
    const auto i = pick_where([](const history::Event& e) { return is_sent(e, PacketType::connect); });
    if (i == events_.size()) return "no CONNECT";
    auto note = event_on(events_[i].connection, history::EventKind::note);
    note.detail = "expect-auth-failure";
    if (chance(50)) {
      insert_at(i, note);
      return "expect authentication failure on connection " + std::to_string(note.connection);
    }
    // Announced for the actor before its connection opens, as the runner does.
    std::size_t open = i;
    while (open > 0 && !(events_[open].kind == history::EventKind::open &&
                         events_[open].connection == events_[i].connection)) {
      --open;
    }
    note.actor = events_[open].actor;
    note.connection = 0;
    insert_at(open, note);
    return "expect authentication failure of actor " + note.actor;
  }

  std::string insert_decode_error() {
    const auto position = draw(events_.size() + 1);
    const auto connection = connection_around(position);
    if (connection == 0) return "no connection for a decode error";
    auto error_event = event_on(connection, history::EventKind::decode_error);
    DecodeError error;
    error.offset = draw(40);
    if (chance(70)) {
      error.packet_type = PacketType::publish;
      error.statement = "MQTT-3.3.1-4";
      error.message = "QoS 3 is not allowed";
    } else {
      error.message = "remaining length exceeds four bytes";
    }
    error_event.error = error;
    error_event.raw = {0x36, 0x00};
    insert_at(position, error_event);
    return "decode error on connection " + std::to_string(connection);
  }

  // Something the client sends that the broker must refuse, close on, or answer.
  std::string insert_client_packet() {
    const auto position = draw(events_.size() + 1);
    const auto connection = connection_around(position);
    if (connection == 0) return "no connection for a client packet";
    auto sent = event_on(connection, history::EventKind::sent);
    const auto id = static_cast<std::uint16_t>(1 + draw(20));
    std::string what;
    switch (draw(16)) {
      case 0:
        sent.raw = {0x36, 0x00};
        what = "PUBLISH with QoS 3 (raw)";
        break;
      case 1:
        if (chance(50)) {
          sent.raw = {0x80, 0x00};
          what = "SUBSCRIBE with reserved flags (raw)";
        } else {
          sent.raw = {0x60, 0x02, 0x00, 0x01};
          what = "PUBREL with reserved flags (raw)";
        }
        break;
      case 2:
        sent.raw = {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x09, 0x02, 0x00, 0x3C, 0x00, 0x00};
        what = "CONNECT with protocol level 9 (raw)";
        break;
      case 3:
        sent.raw = {0xC0, 0x00};
        what = "PINGREQ (raw, well formed)";
        break;
      case 4:
        sent.packet = HistoryBuilder::publish("t/#", "mh1 wild", static_cast<QoS>(draw(3)), std::nullopt);
        what = "PUBLISH to a wildcard topic";
        break;
      case 5: {
        Subscribe empty;
        empty.packet_id = id;
        sent.packet = empty;
        what = "SUBSCRIBE without filters";
        break;
      }
      case 6:
        sent.packet =
            HistoryBuilder::subscribe(id, {{"t/a", QoS::exactly_once}, {"t/#/x", QoS::at_least_once}});
        what = "SUBSCRIBE with an invalid filter";
        break;
      case 7: {
        Unsubscribe empty;
        empty.packet_id = id;
        sent.packet = empty;
        what = "UNSUBSCRIBE without filters";
        break;
      }
      case 8: {
        Connect connect;
        connect.client_id = "again";
        sent.packet = connect;
        what = "second CONNECT";
        break;
      }
      case 9:
        sent.packet = Connack{};
        what = "CONNACK from the client";
        break;
      case 10:
        sent.packet = HistoryBuilder::ack<Pubrel>(id);
        what = "PUBREL";
        break;
      case 11:
        sent.packet = Pingreq{};
        what = "PINGREQ";
        break;
      case 12:
        sent.packet = HistoryBuilder::subscribe(id, {{"t/#", static_cast<QoS>(draw(3))}});
        what = "SUBSCRIBE";
        break;
      case 13: {
        Unsubscribe unsubscribe;
        unsubscribe.packet_id = id;
        unsubscribe.filters = {"t/#", "t/a"};
        sent.packet = unsubscribe;
        what = "UNSUBSCRIBE";
        break;
      }
      case 14:
        sent.packet = Disconnect{};
        what = "DISCONNECT";
        break;
      default: {
        const auto qos = static_cast<QoS>(1 + draw(2));
        sent.packet =
            HistoryBuilder::publish("t/a", "mh1 extra" + std::to_string(id), qos, id, chance(30), chance(30));
        what = "PUBLISH QoS " + std::to_string(static_cast<int>(qos));
        break;
      }
    }
    if (sent.packet && chance(20)) {
      sent.raw = encode_for_history(*sent.packet);
      sent.packet.reset();
      what += " (as raw bytes)";
    }
    insert_at(position, sent);
    return what + " on connection " + std::to_string(connection);
  }

  // Raw bytes for a packet the codec can encode; empty (so the event is ignored) otherwise.
  static Bytes encode_for_history(const Packet& packet) {
    if (std::holds_alternative<Pingreq>(packet)) return {0xC0, 0x00};
    if (std::holds_alternative<Disconnect>(packet)) return {0xE0, 0x00};
    if (const auto* pubrel = std::get_if<Pubrel>(&packet)) {
      return {0x62, 0x02, static_cast<std::uint8_t>(pubrel->packet_id >> 8),
              static_cast<std::uint8_t>(pubrel->packet_id & 0xFF)};
    }
    return {0x62, 0x02, 0x00};  // a PUBREL cut short: malformed
  }

  std::string drop_sent() {
    const auto i =
        pick_where([](const history::Event& e) { return is_sent(e) && !is_sent(e, PacketType::connect); });
    if (i == events_.size()) return "nothing sent to drop";
    events_.erase(events_.begin() + static_cast<std::ptrdiff_t>(i));
    return "drop sent #" + std::to_string(i);
  }

  // The client sends before the CONNACK arrives: the CONNACK moves after the connection's next client
  // packets.
  std::string pipeline_before_connack() {
    const auto i = pick_where([](const history::Event& e) { return is_received(e, PacketType::connack); });
    if (i == events_.size()) return "no CONNACK";
    auto j = i;
    const auto limit = 1 + draw(3);
    std::size_t moved = 0;
    while (moved < limit && j + 1 < events_.size() && events_[j + 1].connection == events_[i].connection &&
           is_sent(events_[j + 1])) {
      std::swap(events_[j].packet, events_[j + 1].packet);
      std::swap(events_[j].kind, events_[j + 1].kind);
      ++j;
      ++moved;
    }
    return "CONNACK after " + std::to_string(moved) + " client packets #" + std::to_string(i);
  }

  std::string alter_suback() {
    const auto i = pick_where([](const history::Event& e) { return is_received(e, PacketType::suback); });
    if (i == events_.size()) return "no SUBACK";
    auto& codes = std::get<Suback>(*events_[i].packet).reason_codes;
    const std::uint8_t choices[] = {0, 1, 2, 0x80, 3};
    if (chance(20) && !codes.empty()) {
      codes.pop_back();
      return "SUBACK code missing #" + std::to_string(i);
    }
    if (chance(15)) {
      codes.push_back(1);
      return "SUBACK code added #" + std::to_string(i);
    }
    if (!codes.empty()) codes[draw(codes.size())] = choices[draw(5)];
    return "SUBACK code changed #" + std::to_string(i);
  }

  std::string alter_packet_id() {
    const auto i = pick_where([](const history::Event& e) {
      return is_received(e) && !is_received(e, PacketType::connack) && !is_received(e, PacketType::pingresp);
    });
    if (i == events_.size()) return "no packet id to alter";
    const auto id = static_cast<std::uint16_t>(1 + draw(10));
    std::visit(
        [&](auto& packet) {
          if constexpr (requires { packet.packet_id = id; }) packet.packet_id = id;
        },
        *events_[i].packet);
    return "packet id " + std::to_string(id) + " #" + std::to_string(i);
  }

  std::string empty_client_id() {
    const auto i = pick_where([](const history::Event& e) { return is_sent(e, PacketType::connect); });
    if (i == events_.size()) return "no CONNECT";
    auto& connect = std::get<Connect>(*events_[i].packet);
    connect.client_id.clear();
    if (chance(50)) connect.clean_session = !connect.clean_session;
    return "empty client id #" + std::to_string(i);
  }

  // A second connection with the client id of one still open: the broker must close the first [MQTT-3.1.4-2].
  // Half the time it does, right after the new CONNACK.
  std::string take_over() {
    const auto i = pick_where([](const history::Event& e) { return is_sent(e, PacketType::connect); });
    if (i == events_.size()) return "no CONNECT";
    const auto previous = events_[i].connection;
    const auto connect = std::get<Connect>(*events_[i].packet);
    std::size_t position = i + 1;
    while (position < events_.size() && !(events_[position].connection == previous &&
                                          events_[position].kind == history::EventKind::closed)) {
      ++position;
    }
    position = i + 1 + draw(position - i);
    std::uint32_t connection = 0;
    for (const auto& event : events_) connection = std::max(connection, event.connection);
    ++connection;
    auto open = event_on(connection, history::EventKind::open);
    open.actor = connect.client_id;
    auto again = event_on(connection, history::EventKind::sent);
    auto second = connect;
    second.clean_session = chance(50);
    again.packet = second;
    auto answer = event_on(connection, history::EventKind::received);
    Connack connack;
    connack.session_present = !second.clean_session && chance(50);
    answer.packet = connack;
    std::vector<history::Event> added{open, again, answer};
    if (chance(50)) {
      auto closed = event_on(previous, history::EventKind::closed);
      closed.close_reason = history::CloseReason::clean_eof;
      added.push_back(closed);
    }
    for (std::size_t k = 0; k < added.size(); ++k) insert_at(position + k, added[k]);
    return "take over connection " + std::to_string(previous) + " with " + std::to_string(connection);
  }

  // A close the client made becomes one the server made (a FIN or a reset).
  std::string server_closes() {
    const auto i = pick_where([](const history::Event& e) { return e.kind == history::EventKind::closed; });
    if (i == events_.size()) return "no close";
    events_[i].close_reason = chance(50) ? history::CloseReason::clean_eof : history::CloseReason::reset;
    return "server closes #" + std::to_string(i);
  }

  std::uint64_t seed_;
  std::mt19937_64 random_;
  Events events_;
};

}  // namespace mqtt::model::testing
