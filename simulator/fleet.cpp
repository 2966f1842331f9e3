#include "simulator/fleet.hpp"

#include <malloc.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <random>
#include <set>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "client/async_connection.hpp"
#include "client/async_session.hpp"
#include "client/recorder.hpp"
#include "simulator/fault_proxy.hpp"
#include "simulator/fault_schedule.hpp"
#include "simulator/fleet_drain.hpp"
#include "simulator/fleet_stats.hpp"
#include "simulator/harness_health.hpp"
#include "simulator/owed_deliveries.hpp"
#include "simulator/wake_queue.hpp"

namespace mqtt::simulator {

namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr auto request_deadline = std::chrono::seconds(10);

bool needs_proxy(FaultKind kind) { return kind != FaultKind::power_loss; }

struct Device {
  DeviceIdentity identity;
  const GroupSpec* group = nullptr;
  DeviceRandom random;
  bool via_proxy = false;
  std::shared_ptr<client::AsyncSession> session;
  bool connected = false;
  bool ever_connected = false;  // a CONNACK 0 at least once: a device that never had one was never exercised
  std::optional<Clock::time_point> powered_off_until;
  std::map<FaultKind, std::string> active_faults;  // kind -> detail, recorded again on each new connection
  std::uint64_t published = 0;
  bool topic_alias_set = false;  // MQTT 5.0: alias 1 names the device's topic on the current connection
  std::string topic;             // its messages' topic, expanded at the first message (make_message)
  // The device's schedule lives here rather than in its coroutines' locals, so the frame an idle device sits
  // in stays small (GCC gives a coroutine one frame holding every local and temporary).
  bool churns = false;
  std::uint32_t failures = 0;
  Clock::time_point next_publish{};
  std::optional<Clock::time_point> churn_at;
  // A publishing tick in progress, without a coroutine per message: the messages of the burst still to send,
  // and the QoS 1 message whose PUBACK the device waits for before its next one (AsyncSession::start_publish).
  std::uint32_t burst_left = 0;
  std::optional<std::uint16_t> awaited_acknowledgement;
  Clock::time_point acknowledgement_deadline{};
  // The tick's last message is awaited: its next tick is already drawn (so the device can sleep until then
  // without waking for the PUBACK); a close before the PUBACK takes the draw back, as if it never happened.
  Clock::time_point next_publish_undrawn{};
  DeviceRandom random_undrawn;
  // online()'s timer while it runs, and whether a PUBACK must wake it (the device is blocked on it).
  asio::steady_timer* timer = nullptr;
  bool wake_on_acknowledgement = false;
  // Between two messages of its schedule the device sleeps in the engine's tick queue (publish_ticks_), not on
  // its own timer: its next tick is registered under this generation, and bumping it takes the tick back.
  bool publishes_by_tick = false;
  std::uint64_t tick_generation = 0;
};

class Engine {
 public:
  Engine(const FleetSpec& spec, const FleetOptions& options)
      : spec_(spec),
        options_(options),
        // Compact storage: a packet event costs its raw bytes plus a small header while the fleet runs, and
        // full events are built once the connections are gone. Full events are built as they happen only
        // for a caller that watches them (on_event). Without keep_history each event goes to on_event only.
        recorder_(options.keep_history ? client::RecorderStorage::compact : client::RecorderStorage::none,
                  options.on_event
                                                        ? client::Recorder::Listener(options.on_event)
                                                        : client::Recorder::Listener()),
        owed_(spec, options.shard_count) {
    if (!options.keep_history && options.hand_over) recorder_.set_sink(options.hand_over);
  }
  // Sockets must go before the io_context they live on; suspended coroutines go with the context itself.
  ~Engine() {
    for (auto& device : devices_) device->session.reset();
    proxy_.reset();
  }

  FleetRun run() {
    FleetRun result;
    const auto started = Clock::now();
    run_started_ = started;
    // A probe cut short by an interruption says nothing about the target.
    if (auto reason = probe_target(); !reason.empty() && !options_.stop.stop_requested()) {
      result.unreachable = reason;
      return result;
    }
    prepare_devices();
    if (!options_.stop.stop_requested()) {
      // The request comes from another thread: the fleet's own thread handles it, between two handlers.
      const std::stop_callback on_stop(options_.stop, [this] { asio::post(*io_, [this] { interrupt(); }); });
      asio::co_spawn(*io_, main(), asio::detached);
      io_->run();
    } else {
      interrupted_ = true;
      interrupted_at_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    }
    if (interrupted_) result.interrupted_at_ms = interrupted_at_ms_;
    const auto drain = drain_ ? drain_->to_json() : nlohmann::json();
    result.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    const bool had_proxy = proxy_ != nullptr;
    ProxyStatistics proxy_statistics{};
    if (proxy_) proxy_statistics = proxy_->statistics();
    // Release the fleet first (sessions, then the proxy, then the io_context with every suspended coroutine
    // and the connections they hold), so the peak is the history alone, not history plus fleet.
    for (auto& device : devices_) device->session.reset();
    proxy_.reset();
    end_timer_.reset();
    publish_ticks_.reset();
    io_.reset();
    // Give the fleet's freed pages back to the system before the history's one big vector is mapped.
    malloc_trim(0);
    if (options_.keep_history) {
      result.history = recorder_.take_history();
      result.stats = compute_fleet_stats(result.history, spec_);
    }
    if (health_) result.stats["harness"] = health_->to_json();
    std::size_t observers = 0;
    std::size_t devices_never_connected = 0;
    std::size_t observers_never_connected = 0;
    nlohmann::json never_connected = nlohmann::json::array();  // the first few, to name in messages
    for (const auto& device : devices_) {
      observers += device->group->observer ? 1 : 0;
      if (device->ever_connected) continue;
      ++(device->group->observer ? observers_never_connected : devices_never_connected);
      if (never_connected.size() < 5) never_connected.push_back(device->identity.client_id);
    }
    result.stats["fleet"]["devices"] = devices_.size() - observers;
    result.stats["fleet"]["observers"] = observers;
    result.stats["fleet"]["devices_never_connected"] = devices_never_connected;
    result.stats["fleet"]["observers_never_connected"] = observers_never_connected;
    result.stats["fleet"]["never_connected_examples"] = std::move(never_connected);
    result.stats["fleet"]["seed"] = options_.seed;
    if (!drain.is_null()) result.stats["fleet"]["drain"] = drain;
    if (!drain.is_null()) result.stats["fleet"]["drain"].update(owed_.to_json());
    if (had_proxy) {
      const auto& proxy = proxy_statistics;
      result.stats["fault_layer"] = {{"links", proxy.links_accepted},
                                     {"bytes_upstream", proxy.bytes_upstream},
                                     {"bytes_downstream", proxy.bytes_downstream},
                                     {"bytes_dropped", proxy.bytes_dropped}};
    }
    return result;
  }

 private:
  // A plain TCP connect, not recorded: tells "nothing listens there" apart from what the fleet experiences.
  std::string probe_target() {
    asio::io_context context;
    asio::ip::tcp::resolver resolver(context);
    error_code error;
    auto endpoints = resolver.resolve(options_.target.host, std::to_string(options_.target.port), error);
    if (error) return "cannot resolve " + options_.target.host + ": " + error.message();
    asio::ip::tcp::socket socket(context);
    std::string reason;
    const std::stop_callback on_stop(options_.stop, [&context] { context.stop(); });
    asio::async_connect(socket, endpoints, [&](const error_code& e, const asio::ip::tcp::endpoint&) {
      if (e)
        reason = (e == asio::error::connection_refused ? "connection refused by " : "cannot connect to ") +
                 options_.target.host_port() +
                 (e == asio::error::connection_refused ? "" : ": " + e.message());
    });
    context.run_for(options_.connect_deadline);
    if (reason.empty() && !socket.is_open()) reason = "no answer from " + options_.target.host_port();
    error_code ignored;
    socket.close(ignored);
    return reason;
  }

  void prepare_devices() {
    publish_ticks_.emplace(io_->get_executor(), PublishTick{this});
    const auto identities = list_devices(spec_);
    // One QoS distribution per group, not one built (and allocated) per message; drawing from it keeps no state
    // between draws, so the seeded choices are the same.
    for (const auto& group : spec_.groups) {
      const auto& weights = group.publish.qos_weights;
      qos_choices_.emplace_back(std::initializer_list<double>{weights[0], weights[1], weights[2]});
    }
    schedule_ = schedule_faults(spec_, identities, options_.seed);
    std::set<std::size_t> proxied_groups;
    for (const auto& fault : spec_.faults) {
      if (!needs_proxy(fault.kind)) continue;
      for (std::size_t g = 0; g < spec_.groups.size(); ++g) {
        if (spec_.groups[g].name == fault.group) proxied_groups.insert(g);
      }
    }
    // Devices keep their global index (so seeds and fault choices do not depend on sharding).
    device_of_index_.assign(identities.size(), nullptr);
    devices_.reserve(identities.size());
    for (std::size_t index = 0; index < identities.size(); ++index) {
      const auto& identity = identities[index];
      const GroupSpec& group = spec_.groups[identity.group];
      const bool mine =
          group.observer ? options_.shard_index == 0
                         : index % std::max<std::uint32_t>(1, options_.shard_count) == options_.shard_index;
      if (!mine) continue;
      auto device = std::make_unique<Device>();
      device->identity = identity;
      device->group = &group;
      device->random.seed(device_seed(options_.seed, index));
      device->via_proxy = proxied_groups.count(identity.group) > 0;
      device_of_index_[index] = device.get();
      if (group.observer) owed_.add_subscriber(identity, group);
      devices_.push_back(std::move(device));
    }
    if (!proxied_groups.empty()) {
      proxy_ = std::make_unique<FaultProxy>(io_->get_executor(), options_.target.host, options_.target.port,
                                            device_seed(options_.seed, ~std::size_t{0}));
    }
  }

  asio::awaitable<void> sleep_until(Clock::time_point when) {
    if (when <= Clock::now()) co_return;
    asio::steady_timer timer(*io_, when);
    error_code error;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
  }

  Clock::time_point at(std::uint32_t ms) const { return start_ + milliseconds(ms); }

  asio::awaitable<void> main() {
    // Observers first, so the devices' first messages have someone to reach.
    start_ = Clock::now();
    std::size_t observers = 0;
    for (auto& device : devices_) {
      if (!device->group->observer) continue;
      ++observers;
      asio::co_spawn(*io_, device_loop(*device, Clock::now()), asio::detached);
    }
    const auto observers_deadline = Clock::now() + options_.connect_deadline;
    while (observers_connected() < observers && Clock::now() < observers_deadline && !interrupted_) {
      co_await sleep_until(Clock::now() + milliseconds(10));
    }
    start_ = Clock::now();
    publish_end_ = at(spec_.duration_ms);
    settle_end_ = publish_end_ + milliseconds(spec_.settle_ms);
    // The latest the run can end: devices stay (and observers reconnect) until then, unless the drain ends first.
    run_end_ = settle_end_ + milliseconds(spec_.drain_ms);
    recorder_.note("fleet", "fleet start: " + std::to_string(devices_.size()) + " devices, seed " +
                                std::to_string(options_.seed));
    if (!interrupted_) {
      asio::co_spawn(*io_, launch_devices(), asio::detached);
      for (const auto& fault : schedule_) asio::co_spawn(*io_, fault_loop(fault), asio::detached);
      if (options_.progress) asio::co_spawn(*io_, progress_loop(), asio::detached);
      asio::co_spawn(*io_, health_loop(), asio::detached);
      co_await settle_and_drain();
    }
    stopping_ = true;
    recorder_.note("fleet", interrupted_ ? "fleet interrupted: disconnecting every device"
                                         : "fleet end: disconnecting every device");
    for (auto& device : devices_) {
      if (!device->group->observer) disconnect(*device);
    }
    for (auto& device : devices_) {
      if (device->group->observer) disconnect(*device);
    }
    co_await sleep_until(Clock::now() + milliseconds(200));  // let DISCONNECTs and FINs leave
    if (proxy_) proxy_->stop();
    io_->stop();
  }

  // ---- the end of the run (simulator/fleet_drain.hpp)

  // main's wait on end_timer_ until `when`; false when the run was interrupted (interrupt() cancels the timer).
  asio::awaitable<bool> wait_for_end(Clock::time_point when) {
    if (interrupted_) co_return false;
    end_timer_.emplace(*io_, when);
    error_code ignored;
    co_await end_timer_->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    co_return !interrupted_;
  }

  // The settle time, then the drain: everyone stays connected while deliveries still arrive, at most drain_ms
  // more. The count one quiet interval before the settle time ends lets a run whose deliveries are all in end on
  // time, without a further interval.
  asio::awaitable<void> settle_and_drain() {
    const auto received = [this] { return recorder_.packets(history::EventKind::received, PacketType::publish); };
    FleetDrain::Start start;
    start.begin = settle_end_;
    start.limit = milliseconds(spec_.drain_ms);
    if (settle_end_ - start.quiet >= publish_end_) {
      if (!co_await wait_for_end(settle_end_ - start.quiet)) co_return;
      start.before.emplace(Clock::now(), received());
    }
    if (!co_await wait_for_end(settle_end_)) co_return;
    start.deliveries = received();
    drain_.emplace(start);
    auto intended = settle_end_;
    while (auto next = drain_->look(intended, Clock::now(), received(), owed_.owed())) {
      intended = *next;
      if (!co_await wait_for_end(intended)) {
        owed_.freeze();
        drain_->interrupt(Clock::now());
        co_return;
      }
    }
    owed_.freeze();
    const auto figures = drain_->to_json();
    recorder_.note("fleet", "fleet drain: " + figures["stopped_by"].get<std::string>() + " after " +
                                std::to_string(static_cast<long long>(figures["drained_ms"].get<double>())) +
                                " ms, " + std::to_string(figures["deliveries"].get<std::uint64_t>()) +
                                " deliveries" + (drain_->still_arriving() ? ", still arriving" : ""));
  }

  // The run was interrupted: it ends now, as it would at run_end_ (main disconnects every device). Devices between
  // two actions see stopping_ once main sets it; none starts, connects or publishes after that.
  void interrupt() {
    if (interrupted_ || stopping_) return;
    interrupted_ = true;
    interrupted_at_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - run_started_).count();
    if (end_timer_) end_timer_->cancel();
  }

  // Starts each device at its slot of the connect ramp, in time order. Spawning every device at once and
  // letting it sleep until its slot left thousands of short-lived waits behind as holes in the heap.
  asio::awaitable<void> launch_devices() {
    std::vector<std::pair<Clock::time_point, Device*>> slots;
    for (auto& device : devices_) {
      if (device->group->observer) continue;
      const auto& group = *device->group;
      const std::uint32_t position = device->identity.n - 1;
      double offset_ms = group.connect_rate > 0 ? position * 1000.0 / group.connect_rate : 0;
      // A slot past the publishing window is never reached; capping it keeps a tiny connect_rate from
      // overflowing the conversion (the scenario loader refuses such rates, but the engine does not rely on it).
      offset_ms = std::min(offset_ms, static_cast<double>(spec_.duration_ms) + 1.0);
      slots.emplace_back(at(group.start_ms) + milliseconds(static_cast<std::int64_t>(offset_ms)),
                         device.get());
    }
    std::stable_sort(slots.begin(), slots.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [when, device] : slots) {
      if (stopping_) break;
      if (when > Clock::now()) {
        co_await sleep_until(when);
      }
      asio::co_spawn(*io_, device_loop(*device, when), asio::detached);
    }
  }

  std::size_t observers_connected() const {
    std::size_t connected = 0;
    for (const auto& device : devices_) connected += device->group->observer && device->connected ? 1 : 0;
    return connected;
  }

  void disconnect(Device& device) {
    if (device.session && device.session->connection()->is_open()) device.session->disconnect();
    device.connected = false;
  }

  // Four times a second: how late the loop woke (its lag) and the process's memory (simulator/harness_health.hpp).
  asio::awaitable<void> health_loop() {
    health_.emplace(start_);
    while (!stopping_) {
      const auto intended = Clock::now() + milliseconds(250);
      co_await sleep_until(intended);
      health_->observe(intended, Clock::now(), resident_kib());
    }
  }

  asio::awaitable<void> progress_loop() {
    std::uint64_t last_delivered = 0;
    while (!stopping_) {
      co_await sleep_until(Clock::now() + milliseconds(250));
      FleetProgress progress;
      progress.elapsed_s = std::chrono::duration<double>(Clock::now() - start_).count();
      progress.devices = devices_.size();
      for (const auto& device : devices_) progress.connected += device->connected ? 1 : 0;
      progress.published = recorder_.packets(history::EventKind::sent, PacketType::publish);
      progress.delivered = recorder_.packets(history::EventKind::received, PacketType::publish);
      progress.messages_per_second = static_cast<double>(progress.delivered - last_delivered) * 4;
      last_delivered = progress.delivered;
      options_.progress(progress);
    }
  }

  // ---- faults
  // ----------------------------------------------------------------------------------------------------

  void record_fault(Device& device, FaultKind kind, const std::string& detail) {
    const std::uint32_t connection =
        device.session && device.session->connection()->is_open() ? device.session->connection()->id() : 0;
    if (connection == 0) return;  // recorded on the device's next connection while the fault lasts
    recorder_.fault(device.identity.client_id, std::string(to_string(kind)), detail, connection);
  }

  asio::awaitable<void> fault_loop(ScheduledFault fault) {
    co_await sleep_until(at(fault.at_ms));
    if (stopping_) co_return;
    const std::string detail = describe(fault.kind, fault.parameters, fault.duration_ms);
    std::vector<Device*> hit;
    for (std::size_t index : fault.devices) {
      if (device_of_index_[index] != nullptr) hit.push_back(device_of_index_[index]);
    }
    const auto until = at(fault.at_ms + fault.duration_ms);
    switch (fault.kind) {
      case FaultKind::broker_restart:  // the broker, not devices: done by the caller's method
        co_await perform_broker_restart(
            options_.broker_restarts, fault.at_ms / 1000.0, fault.duration_ms,
            {[this](const std::string& text) { recorder_.fault("broker", "broker-restart", text, 0); },
             [this](const std::string& text) { recorder_.note("broker", text); }});
        co_return;
      case FaultKind::close:
        for (Device* device : hit) {
          record_fault(*device, fault.kind, detail);
          if (proxy_) proxy_->close_links(device->identity.client_id, fault.parameters.reset);
        }
        co_return;
      case FaultKind::power_loss:
        // The device itself dies: its own abort is the precise record (local_abort); the fault event follows
        // it so the checker still owes the will at once.
        for (Device* device : hit) {
          device->powered_off_until = until;
          const bool open = device->session && device->session->connection()->is_open();
          if (open) {
            const std::uint32_t connection = device->session->connection()->id();
            device->session->connection()->abort();
            recorder_.fault(device->identity.client_id, "power-loss", detail, connection);
          }
          device->connected = false;
        }
        co_return;
      case FaultKind::flapping:
        while (Clock::now() < until && !stopping_) {
          for (Device* device : hit) {
            record_fault(*device, fault.kind, detail);
            if (proxy_) proxy_->close_links(device->identity.client_id, true);
          }
          co_await sleep_until(std::min(
              until, Clock::now() + milliseconds(std::max<std::uint32_t>(50, fault.parameters.period_ms))));
        }
        co_return;
      default:
        break;
    }
    for (Device* device : hit) {
      device->active_faults[fault.kind] = detail;
      record_fault(*device, fault.kind, detail);
      if (proxy_) proxy_->set_fault(device->identity.client_id, fault.kind, fault.parameters);
    }
    co_await sleep_until(until);
    for (Device* device : hit) {
      device->active_faults.erase(fault.kind);
      if (proxy_) proxy_->clear_fault(device->identity.client_id, fault.kind);
      const std::uint32_t connection = device->session && device->session->connection()->is_open()
                                           ? device->session->connection()->id()
                                           : 0;
      recorder_.note(device->identity.client_id, std::string(to_string(fault.kind)) + " ended", connection);
    }
  }

  // ---- devices
  // ---------------------------------------------------------------------------------------------------

  // One shared copy of each target for every connection (not one per device).
  const std::shared_ptr<const client::TargetUrl>& target_of(const Device& device) {
    if (!device.via_proxy || !proxy_) {
      if (!direct_target_) direct_target_ = std::make_shared<const client::TargetUrl>(options_.target);
      return direct_target_;
    }
    if (!proxy_target_) {
      // The TCP connection goes to the proxy; TLS still verifies, and WebSocket still names, the real target.
      client::TargetUrl target = options_.target;
      target.relay_host = proxy_->address();
      target.relay_port = proxy_->port();
      proxy_target_ = std::make_shared<const client::TargetUrl>(std::move(target));
    }
    return proxy_target_;
  }

  std::uint32_t backoff_ms(Device& device, std::uint32_t attempt) {
    const auto& policy = device.group->reconnect;
    double delay =
        policy.initial_ms * std::pow(std::max(1.0, policy.multiplier), std::min<std::uint32_t>(attempt, 30));
    delay = std::min<double>(delay, policy.maximum_ms);
    const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
    delay *= std::uniform_real_distribution<double>(1.0 - jitter, 1.0)(device.random);
    return static_cast<std::uint32_t>(delay);
  }

  // Connecting is split into short-lived coroutines, so the frames alive at once while thousands of devices
  // connect stay small (GCC gives each coroutine one frame holding all its locals).
  asio::awaitable<bool> connect_once(Device& device) {
    // Results are named before they are tested: g++ 12 miscompiled `if (!co_await ...)` in this function.
    const bool opened = co_await open_session(device);
    if (!opened) co_return false;
    const bool handshaken = co_await handshake(device);
    if (!handshaken) co_return false;
    if (stopping_) {
      // The run ended while this device connected: it leaves like the others did, with a DISCONNECT.
      device.session->disconnect();
      co_return false;
    }
    device.connected = true;
    device.ever_connected = true;
    if (device.group->status) {
      co_await publish_status(device);
    }
    co_return true;
  }

  asio::awaitable<bool> open_session(Device& device) {
    const GroupSpec& group = *device.group;
    client::OpenOptions open_options;
    open_options.actor = device.identity.client_id;
    open_options.deadline = options_.connect_deadline;
    open_options.version = group.version;
    // No inbox: every packet is recorded, and the only packets a device waits for (CONNACK, SUBACK, its PUBACKs)
    // are handed straight to the waiting request, which always begins before its answer can arrive. An inbox
    // only churned: a subscriber queued and evicted every PUBLISH it received.
    open_options.inbox_limit = 0;
    if (device.via_proxy && proxy_) {
      // Under TLS or WebSocket the proxy cannot read the CONNECT: name the link by its TCP port instead.
      open_options.on_tcp_connected = [proxy = proxy_.get(), &client_id = device.identity.client_id](
                                          std::uint16_t port) { proxy->expect_link(port, client_id); };
    }
    std::shared_ptr<const client::TargetUrl> target = target_of(device);
    auto opened = co_await client::AsyncConnection::open(io_->get_executor(), recorder_, std::move(target),
                                                         open_options);
    auto* connection = std::get_if<std::shared_ptr<client::AsyncConnection>>(&opened);
    if (connection == nullptr) co_return false;
    for (const auto& [kind, detail] : device.active_faults) {
      recorder_.fault(device.identity.client_id, std::string(to_string(kind)),
                      detail + " (in force when this connection opened)", (*connection)->id());
    }
    device.session = client::AsyncSession::attach(*connection);
    if (const auto slot = owed_.subscriber_of(device.identity.client_id)) owed_.watch(*slot, device.session);
    else if (device.group->version == ProtocolVersion::v5) owed_.watch_publisher(device.session);
    device.session->set_keep_alive_by_caller(true);  // online() pings from the device's one timer
    co_return true;
  }

  Connect make_connect(const Device& device) const {
    const GroupSpec& group = *device.group;
    const std::string& id = device.identity.client_id;
    Connect connect;
    connect.version = group.version;
    connect.clean_session = group.clean_session;
    connect.keep_alive = group.keep_alive;
    connect.client_id = id;
    if (group.version == ProtocolVersion::v5) {
      if (group.session_expiry) connect.properties.push_back({PropertyId::session_expiry_interval, *group.session_expiry});
      if (group.receive_maximum) connect.properties.push_back({PropertyId::receive_maximum, *group.receive_maximum});
      if (group.topic_alias_maximum) {
        connect.properties.push_back({PropertyId::topic_alias_maximum, *group.topic_alias_maximum});
      }
    }
    connect.username = options_.target.username;
    if (options_.target.password)
      connect.password = Bytes(options_.target.password->begin(), options_.target.password->end());
    if (group.will) {
      Will will;
      will.topic = expand_placeholders(group.will->topic, group.name, device.identity.n, id);
      const std::string payload = expand_placeholders(group.will->payload, group.name, device.identity.n, id);
      will.payload.assign(payload.begin(), payload.end());
      will.qos = group.will->qos;
      will.retain = group.will->retain;
      if (group.version == ProtocolVersion::v5 && group.will->delay) {
        will.properties.push_back({PropertyId::will_delay_interval, *group.will->delay});
      }
      connect.will = std::move(will);
    }
    return connect;
  }

  // CONNECT and CONNACK, then the subscriptions. False (and the connection aborted) when either fails.
  asio::awaitable<bool> handshake(Device& device) {
    const GroupSpec& group = *device.group;
    const auto session = device.session;
    auto connected = co_await session->connect(make_connect(device), options_.connect_deadline);
    const auto* connack = connected.reply ? std::get_if<Connack>(&*connected.reply) : nullptr;
    if (!connected.ok() || connack == nullptr || connack->reason_code != 0) {
      session->connection()->abort();
      co_return false;
    }
    device.topic_alias_set = false;  // aliases live and die with one network connection
    if (group.will) owed_.will(expand_placeholders(group.will->topic, group.name, device.identity.n,
                                                   device.identity.client_id), group.will->qos);
    if (!group.subscriptions.empty()) {
      auto subscriptions = group.subscriptions;
      for (auto& subscription : subscriptions) {
        subscription.filter = expand_placeholders(subscription.filter, group.name, device.identity.n,
                                                  device.identity.client_id);
      }
      auto subscribed = co_await session->subscribe(std::move(subscriptions), request_deadline);
      if (!subscribed.ok()) {
        if (session->connection()->is_open()) session->connection()->abort();
        co_return false;
      }
      if (const auto slot = owed_.subscriber_of(device.identity.client_id)) {
        const auto* suback = std::get_if<Suback>(&*subscribed.reply);
        owed_.subscribed(*slot, connack->session_present, suback ? suback->reason_codes : std::vector<std::uint8_t>());
      }
    }
    co_return true;
  }

  asio::awaitable<void> publish_status(Device& device) {
    const GroupSpec& group = *device.group;
    const std::string& id = device.identity.client_id;
    const auto session = device.session;
    {
      Publish status;
      status.version = group.version;
      status.topic = expand_placeholders(group.status->topic, group.name, device.identity.n, id);
      const std::string payload =
          expand_placeholders(group.status->payload, group.name, device.identity.n, id);
      status.payload.assign(payload.begin(), payload.end());
      status.qos = group.status->qos;
      status.retain = true;
      const std::string topic = status.topic;
      owed_.sent(status.qos);
      const auto sent = co_await session->publish(std::move(status), request_deadline);
      owed_.answered(id, topic, group.status->qos, sent);
    }
  }

  Publish make_message(Device& device) {
    const PublishSpec& spec = device.group->publish;
    Publish publish;
    publish.version = device.group->version;
    // Expanded once per device, on its first message (an idle device keeps no copy), then copied per message.
    if (device.topic.empty()) {
      device.topic =
          expand_placeholders(spec.topic, device.group->name, device.identity.n, device.identity.client_id);
    }
    publish.topic = device.topic;
    publish.retain = spec.retain;
    publish.qos = static_cast<QoS>(qos_choices_[device.identity.group](device.random));
    // The token makes every message unique in the run, so deliveries can be matched to publishes. Written
    // straight into the payload, byte for byte what message_token() (fleet_stats.cpp, which reads it back) gives,
    // without its temporary strings.
    const std::string& id = device.identity.client_id;
    std::array<char, 24> number{};
    const auto number_end = std::to_chars(number.data(), number.data() + number.size(), ++device.published).ptr;
    Bytes& payload = publish.payload;
    payload.reserve(std::max<std::size_t>(spec.payload_size, id.size() + 2 + (number_end - number.data())));
    payload.insert(payload.end(), id.begin(), id.end());
    payload.push_back('#');
    payload.insert(payload.end(), number.data(), number_end);
    payload.push_back('|');
    if (payload.size() < spec.payload_size) payload.resize(spec.payload_size, '.');
    if (spec.topic_alias && publish.version == ProtocolVersion::v5 &&
        device.session->server_limits().topic_alias_maximum >= 1) {
      publish.properties.push_back({PropertyId::topic_alias, std::uint16_t{1}});
      if (device.topic_alias_set) publish.topic.clear();
      device.topic_alias_set = true;
    }
    return publish;
  }

  enum class Leave { closed, finished, churn };

  // Draws, in a fixed order, whether the device churns and when it first publishes (at its first wake-up).
  void start_schedule(Device& device) {
    const GroupSpec& group = *device.group;
    device.churns = !group.observer && group.churn.fraction > 0 &&
                    std::uniform_real_distribution<double>(0, 1)(device.random) < group.churn.fraction;
    device.next_publish = on_tick(Clock::now());
    if (group.publish.rate_per_second > 0) {
      // Spread the first messages over one interval so devices do not publish in lockstep.
      const double interval_ms = publish_interval_ms(group.publish);
      device.next_publish += milliseconds(
          static_cast<std::int64_t>(std::uniform_real_distribution<double>(0, interval_ms)(device.random)));
    }
  }

  void draw_churn(Device& device) {
    device.churn_at.reset();
    if (!device.churns) return;
    std::exponential_distribution<double> online_time(
        1.0 / std::max<std::uint32_t>(1, device.group->churn.online_ms));
    device.churn_at = Clock::now() + milliseconds(static_cast<std::int64_t>(online_time(device.random)));
  }

  milliseconds draw_offline_time(Device& device) {
    std::exponential_distribution<double> offline_time(
        1.0 / std::max<std::uint32_t>(1, device.group->churn.offline_ms));
    return milliseconds(static_cast<std::int64_t>(offline_time(device.random)));
  }

  // When the connected device next has something to do (publish, ping, churn, the end of the run).
  // Without `publishing`: its next action other than its next message (that one is the tick queue's).
  Clock::time_point wake_time(const Device& device, Clock::time_point now, bool publishing = true) const {
    const GroupSpec& group = *device.group;
    Clock::time_point wake = run_end_;
    if (!group.observer && now < publish_end_) {
      wake = publish_end_;
      if (group.publish.rate_per_second > 0 && publishing) wake = std::min(wake, device.next_publish);
    }
    if (const auto ping = device.session->keep_alive_due()) wake = std::min(wake, *ping);
    if (device.churn_at && now < publish_end_) wake = std::min(wake, *device.churn_at);
    // Observers start before the run's clock is set, so they look up every second; devices sleep until their
    // next action (an idle device costs no wake-ups).
    if (group.observer) wake = std::min(wake, now + std::chrono::seconds(1));
    return wake;
  }

  void schedule_next_publish(Device& device) {
    const PublishSpec& spec = device.group->publish;
    const double interval_ms = publish_interval_ms(spec);
    const double jitter = std::clamp(spec.jitter, 0.0, 1.0);
    const double factor = std::uniform_real_distribution<double>(1.0 - jitter, 1.0 + jitter)(device.random);
    device.next_publish += milliseconds(static_cast<std::int64_t>(interval_ms * factor));
    if (device.next_publish < Clock::now()) device.next_publish = on_tick(Clock::now());
  }

  // Capped just past the publishing window, so a tiny rate cannot overflow the conversion to a duration (the
  // scenario loader refuses such rates, but the engine does not rely on it).
  double publish_interval_ms(const PublishSpec& spec) const {
    return std::min(1000.0 / spec.rate_per_second, static_cast<double>(spec_.duration_ms) + 1.0);
  }

  // Publish times fall on whole milliseconds of the run's clock, so devices due in the same millisecond share
  // one wake-up of the event loop (at 10,000 messages/s: at most 1,000 wake-ups and timer changes a second,
  // not one per message).
  Clock::time_point on_tick(Clock::time_point when) const {
    return start_ + std::chrono::ceil<milliseconds>(when - start_);
  }

  // What send_burst() stopped at.
  enum class BurstStop { done, closed, exactly_once };

  // Sends the current tick's messages until its burst is done or a QoS 1 message awaits its PUBACK (then the
  // rest follow the PUBACK: on_acknowledged wakes the device). QoS 0 and 1 need no coroutine, so this is a plain
  // call (a coroutine here cost a frame per tick); a QoS 2 message, whose two round trips still use the
  // session's request, is handed back in `exactly_once` for online() to await (publish_exactly_once).
  BurstStop send_burst(Device& device, std::unique_ptr<Publish>& exactly_once) {
    while (device.burst_left > 0 && !device.awaited_acknowledgement) {
      --device.burst_left;
      auto message = make_message(device);
      if (message.qos == QoS::at_most_once) {
        message.version = device.session->connection()->version();
        device.session->connection()->send(Packet(std::move(message)));
      } else if (message.qos == QoS::at_least_once) {
        const auto started = device.session->start_publish(std::move(message));
        if (started.state == client::AsyncSession::PublishStart::closed) return BurstStop::closed;
        if (started.state == client::AsyncSession::PublishStart::sent) {
          owed_.sent(QoS::at_least_once);
          device.awaited_acknowledgement = started.packet_id;
          device.acknowledgement_deadline = Clock::now() + request_deadline;
          if (device.burst_left == 0) {
            device.next_publish_undrawn = device.next_publish;
            device.random_undrawn = device.random;
            schedule_next_publish(device);
          }
          return BurstStop::done;
        }
      } else {
        exactly_once = std::make_unique<Publish>(std::move(message));
        return BurstStop::exactly_once;
      }
      if (device.burst_left == 0) schedule_next_publish(device);
    }
    return BurstStop::done;
  }

  // A QoS 2 message of the burst, as one request (PUBREC, PUBREL, PUBCOMP). False when the connection closed.
  asio::awaitable<bool> publish_exactly_once(Device& device, Publish message) {
    owed_.sent(QoS::exactly_once);
    auto sent = co_await device.session->publish(std::move(message), request_deadline);
    owed_.answered(device.identity.client_id, device.topic, QoS::exactly_once, sent);
    if (sent.outcome == client::WaitOutcome::closed) co_return false;
    if (device.burst_left == 0) schedule_next_publish(device);
    co_return true;
  }

  // The session heard the PUBACK of a start_publish() (on the fleet's thread, while the connection reads).
  void on_acknowledged(Device& device, std::uint16_t packet_id) {
    if (device.awaited_acknowledgement != packet_id) return;
    owed_.accepted(device.identity.client_id, device.topic, QoS::at_least_once);
    device.awaited_acknowledgement.reset();
    settle_late_acknowledgement(device);
    if (device.wake_on_acknowledgement && device.timer != nullptr) device.timer->cancel();
  }

  // Groups whose messages can go from the tick queue: QoS 2 needs a request (a coroutine) per message.
  bool ticks_publish(const Device& device) const {
    const GroupSpec& group = *device.group;
    return !group.observer && group.publish.rate_per_second > 0 && group.publish.qos_weights[2] <= 0;
  }

  // The device's tick from the queue: what online() would do on waking at device.next_publish, done here when it
  // is only to send the tick's messages (no PUBACK owed, no ping due, no churn, inside the window); anything else
  // wakes online() to do it. Afterwards the device sleeps on in the queue until its next tick.
  void on_publish_tick(Device& device, std::uint64_t generation) {
    if (generation != device.tick_generation || !device.publishes_by_tick || device.timer == nullptr) return;
    device.publishes_by_tick = false;
    const auto now = Clock::now();
    const auto& connection = device.session->connection();
    const auto ping = device.session->keep_alive_due();
    const bool only_publishing = !stopping_ && connection->is_open() && !device.awaited_acknowledgement &&
                                 device.burst_left == 0 && now < publish_end_ && now >= device.next_publish &&
                                 !(device.churn_at && now >= *device.churn_at) && !(ping && now >= *ping);
    if (!only_publishing) {
      device.timer->cancel();
      return;
    }
    device.burst_left = std::max<std::uint32_t>(1, device.group->publish.burst);
    std::unique_ptr<Publish> exactly_once;  // stays empty: ticks_publish() groups have no QoS 2
    const BurstStop stop = send_burst(device, exactly_once);
    const auto after = Clock::now();
    // online()'s timer was set before this message: a PUBACK deadline before the next tick is its to keep.
    if (stop != BurstStop::done || device.burst_left > 0 || !connection->is_open() ||
        device.next_publish <= after || wake_time(device, after) != device.next_publish ||
        (device.awaited_acknowledgement && device.acknowledgement_deadline < device.next_publish)) {
      device.timer->cancel();  // online() decides what comes next
      return;
    }
    device.publishes_by_tick = true;
    publish_ticks_->add(device.next_publish, device, ++device.tick_generation);
  }

  // The tick's last message was answered or given up on: a tick drawn for a time already past moves to now,
  // as schedule_next_publish does when it runs after the answer.
  void settle_late_acknowledgement(Device& device) {
    if (device.burst_left == 0 && device.next_publish < Clock::now()) device.next_publish = on_tick(Clock::now());
  }

  // Unwatches the timer when the frame goes, also when the io_context destroys a suspended frame.
  struct CloseWatch {
    client::AsyncConnection* connection;
    asio::steady_timer* timer;
    CloseWatch(client::AsyncConnection* c, asio::steady_timer* t) : connection(c), timer(t) {
      c->watch_close(t);
    }
    ~CloseWatch() { connection->unwatch_close(timer); }
    CloseWatch(const CloseWatch&) = delete;
    CloseWatch& operator=(const CloseWatch&) = delete;
  };

  // Online's timer is the device's only one; it is named in the device while online runs, so a PUBACK can wake it.
  struct TimerNamed {
    Device& device;
    TimerNamed(Device& d, asio::steady_timer* timer) : device(d) { device.timer = timer; }
    ~TimerNamed() {
      device.timer = nullptr;
      device.wake_on_acknowledgement = false;
      device.publishes_by_tick = false;
      ++device.tick_generation;
    }
    TimerNamed(const TimerNamed&) = delete;
    TimerNamed& operator=(const TimerNamed&) = delete;
  };

  // Connected: publish on schedule until the connection ends, the run ends or the device churns away. This is
  // the frame an idle device sits in: one timer, cancelled by the connection's end, and by a PUBACK the device
  // is blocked on. A device waits for each QoS 1 message's PUBACK (at most request_deadline) before it does
  // anything else, as a request would; since its next tick is drawn when the tick's last message leaves, it
  // sleeps until that tick and is not woken by a PUBACK that arrives before it.
  asio::awaitable<Leave> online(Device& device) {
    const std::shared_ptr<client::AsyncConnection> connection = device.session->connection();
    asio::steady_timer timer(io_->get_executor());
    const CloseWatch watch(connection.get(), &timer);
    const TimerNamed named(device, &timer);
    device.burst_left = 0;
    device.awaited_acknowledgement.reset();
    device.session->set_acknowledgement_listener(
        [this, &device](std::uint16_t packet_id) { on_acknowledged(device, packet_id); });
    for (;;) {
      auto now = Clock::now();
      if (device.awaited_acknowledgement && now >= device.acknowledgement_deadline) {
        // No PUBACK within the deadline: given up on, like a request that timed out; the device goes on.
        device.session->forget_publish(*device.awaited_acknowledgement);
        owed_.unanswered(device.topic, QoS::at_least_once);
        device.awaited_acknowledgement.reset();
        settle_late_acknowledgement(device);
      }
      if (device.burst_left > 0 && !device.awaited_acknowledgement) {
        std::unique_ptr<Publish> exactly_once;  // a pointer: online()'s frame is what an idle device holds
        BurstStop stop = send_burst(device, exactly_once);
        if (stop == BurstStop::exactly_once) {
          const bool sent = co_await publish_exactly_once(device, std::move(*exactly_once));
          stop = sent ? BurstStop::done : BurstStop::closed;
        }
        if (stop == BurstStop::closed) co_return leave_closed(device);
        continue;
      }
      auto wake = wake_time(device, now);
      // Blocked: the PUBACK is owed and the device has something to do before the deadline.
      const bool blocked = device.awaited_acknowledgement && (device.burst_left > 0 || wake <= now);
      // Its next action is its next message: the tick queue wakes it (on_publish_tick), and this timer waits
      // for whatever comes after that (a ping, a churn, the end of the window) or for the PUBACK's deadline.
      const bool by_tick = !blocked && wake > now && wake == device.next_publish && ticks_publish(device);
      if (by_tick) wake = wake_time(device, now, false);
      const auto until = !device.awaited_acknowledgement ? wake
                         : blocked                       ? device.acknowledgement_deadline
                                                         : std::min(wake, device.acknowledgement_deadline);
      if (until > now && connection->is_open()) {
        if (by_tick) {
          device.publishes_by_tick = true;
          publish_ticks_->add(device.next_publish, device, ++device.tick_generation);
        }
        timer.expires_at(until);
        device.wake_on_acknowledgement = blocked;
        error_code ignored;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        device.wake_on_acknowledgement = false;
        device.publishes_by_tick = false;  // awake: whatever the queue still holds for it is stale
        ++device.tick_generation;
      }
      if (!connection->is_open()) co_return leave_closed(device);
      if (device.awaited_acknowledgement) continue;
      device.session->ping_if_due();
      if (!connection->is_open()) co_return leave_closed(device);
      // Past the publishing window the device stays connected (deliveries, wills and queued messages still
      // arrive) until the end of the run, still pinging.
      now = Clock::now();
      if (stopping_ || now >= run_end_) co_return Leave::finished;
      if (device.churn_at && now >= *device.churn_at && now < publish_end_) co_return Leave::churn;
      if (device.group->observer || now >= publish_end_) continue;
      if (device.group->publish.rate_per_second <= 0 || now < device.next_publish) continue;
      device.burst_left = std::max<std::uint32_t>(1, device.group->publish.burst);
    }
  }

  // The connection closed: a tick drawn ahead for a PUBACK that never came is taken back (the device would
  // have drawn it only after the answer), and the rest of the burst is dropped.
  Leave leave_closed(Device& device) {
    if (device.awaited_acknowledgement) owed_.unanswered(device.topic, QoS::at_least_once);
    if (device.awaited_acknowledgement && device.burst_left == 0) {
      device.next_publish = device.next_publish_undrawn;
      device.random = device.random_undrawn;
    }
    device.awaited_acknowledgement.reset();
    device.burst_left = 0;
    return Leave::closed;
  }

  // After online(): leave on purpose (churn) or back off after the network took the connection.
  asio::awaitable<void> after_online(Device& device, Leave leave) {
    if (leave == Leave::churn) {
      if (device.group->churn.abrupt) {
        device.session->connection()->abort();
      } else {
        device.session->disconnect();
      }
      co_await sleep_until(Clock::now() + draw_offline_time(device));
      co_return;
    }
    // The network took the connection: back off before the first retry, like a real device.
    co_await sleep_until(Clock::now() + milliseconds(backoff_ms(device, device.failures++)));
  }

  asio::awaitable<void> device_loop(Device& device, Clock::time_point first_connect) {
    co_await sleep_until(first_connect);
    start_schedule(device);
    while (!stopping_ && Clock::now() < (device.group->observer ? run_end_ : publish_end_)) {
      if (device.powered_off_until && Clock::now() < *device.powered_off_until) {
        co_await sleep_until(*device.powered_off_until);
        continue;
      }
      const bool connected = co_await connect_once(device);
      if (!connected) {
        device.connected = false;
        co_await sleep_until(Clock::now() + milliseconds(backoff_ms(device, device.failures++)));
        continue;
      }
      device.failures = 0;
      draw_churn(device);
      const Leave leave = co_await online(device);
      if (leave == Leave::finished) break;
      device.connected = false;
      co_await after_online(device, leave);
    }
    co_await settle(device);
  }

  // Past the publishing window: stay connected (deliveries, wills and queues still arrive) until the end.
  asio::awaitable<void> settle(Device& device) {
    if (device.session && device.session->connection()->is_open() && !stopping_) {
      const auto now = Clock::now();
      if (run_end_ > now) {
        co_await device.session->connection()->wait_for_close(run_end_ - now);
      }
    }
  }

  // Declared first, destroyed last: every socket and timer of the run belongs to it. Optional so that run()
  // can release the whole fleet (suspended coroutines, connections) before it builds the history.
  std::optional<asio::io_context> io_{std::in_place, 1};
  const FleetSpec& spec_;
  const FleetOptions& options_;
  client::Recorder recorder_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::vector<Device*> device_of_index_;
  std::vector<ScheduledFault> schedule_;
  Clock::time_point start_{};
  Clock::time_point publish_end_ = Clock::time_point::max();
  std::vector<std::discrete_distribution<int>> qos_choices_;  // by group index
  Clock::time_point run_end_ = Clock::time_point::max();
  bool stopping_ = false;
  Clock::time_point run_started_{};
  bool interrupted_ = false;
  double interrupted_at_ms_ = 0;
  std::optional<asio::steady_timer> end_timer_;  // main's wait for the end of the settle time and the drain
  Clock::time_point settle_end_ = Clock::time_point::max();
  std::optional<FleetDrain> drain_;  // from the end of the settle time
  OwedDeliveries owed_;              // what the broker still owes the observers, for the drain
  // The tick queue's handler, a plain call to on_publish_tick (no std::function per wake).
  struct PublishTick {
    Engine* engine;
    void operator()(Device& device, std::uint64_t generation) const { engine->on_publish_tick(device, generation); }
  };
  // The devices' publishing ticks (Device::publishes_by_tick); goes with end_timer_, before the io_context.
  std::optional<WakeQueue<Device, PublishTick>> publish_ticks_;
  std::optional<HarnessHealth> health_;  // from the start of the publishing window
  std::unique_ptr<FaultProxy> proxy_;
  std::shared_ptr<const client::TargetUrl> direct_target_;
  std::shared_ptr<const client::TargetUrl> proxy_target_;
};

}  // namespace

FleetRun run_fleet(const FleetSpec& spec, const FleetOptions& options) {
  Engine engine(spec, options);
  return engine.run();
}

}  // namespace mqtt::simulator
