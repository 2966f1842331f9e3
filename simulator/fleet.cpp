#include "simulator/fleet_engine.hpp"

#include <malloc.h>

#include <algorithm>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "simulator/fleet_stats.hpp"

namespace mqtt::simulator {

namespace detail {

namespace {

bool needs_proxy(FaultKind kind) { return kind != FaultKind::power_loss; }

}  // namespace

Engine::Engine(const FleetSpec& spec, const FleetOptions& options)
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
  // The events go to the judge in batches, flushed hand_over_interval after the first one of each (or when 1,024
  // wait), rather than one by one under two locks. Not by a handler posted per turn of the loop: with a handler
  // waiting, Asio's next poll does not block, so each turn would cost an extra epoll_wait.
  if (!options.keep_history && options.hand_over) {
    recorder_.set_batch_sink(options.hand_over, [this] { request_flush(); });
  }
}

void Engine::request_flush() {
  // Called under the recorder's lock: only arms the timer (or asks the loop to, from another thread).
  if (!io_->get_executor().running_in_this_thread()) {
    asio::post(*io_, [this] { request_flush(); });
    return;
  }
  if (flush_armed_ || !flush_timer_) return;
  flush_armed_ = true;
  flush_timer_->expires_after(hand_over_interval);
  flush_timer_->async_wait([this](const error_code& error) {
    flush_armed_ = false;
    if (!error) recorder_.flush();
  });
}
Engine::~Engine() {
  for (auto& device : devices_) device->session.reset();
  proxy_.reset();
}

FleetRun Engine::run() {
  FleetRun result;
  const auto started = Clock::now();
  run_started_ = started;
  // A probe cut short by an interruption says nothing about the target.
  if (auto reason = probe_target(); !reason.empty() && !options_.stop.stop_requested()) {
    result.unreachable = reason;
    recorder_.set_flush_request({});
    recorder_.flush();
    return result;
  }
  prepare_devices();
  if (!options_.stop.stop_requested()) {
    // The request comes from another thread: the fleet's own thread handles it, between two handlers.
    const std::stop_callback on_stop(options_.stop, [this] { asio::post(*io_, [this] { interrupt(); }); });
    flush_timer_.emplace(*io_);
    asio::co_spawn(*io_, main(), asio::detached);
    io_->run();
  } else {
    interrupted_ = true;
    interrupted_at_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  }
  // Nothing is asked of the loop from here on (closes recorded as the fleet goes wait for the last flush, below).
  recorder_.set_flush_request({});
  flush_timer_.reset();
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
  recorder_.flush();
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

// A plain TCP connect, not recorded: tells "nothing listens there" apart from what the fleet experiences.
std::string Engine::probe_target() {
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

void Engine::prepare_devices() {
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

asio::awaitable<void> Engine::sleep_until(Clock::time_point when) {
  if (when <= Clock::now()) co_return;
  asio::steady_timer timer(*io_, when);
  error_code error;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
}

asio::awaitable<void> Engine::main() {
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

// main's wait on end_timer_ until `when`; false when the run was interrupted (interrupt() cancels the timer).
asio::awaitable<bool> Engine::wait_for_end(Clock::time_point when) {
  if (interrupted_) co_return false;
  end_timer_.emplace(*io_, when);
  error_code ignored;
  co_await end_timer_->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  co_return !interrupted_;
}

// The settle time, then the drain: everyone stays connected while deliveries still arrive, at most drain_ms
// more. The count one quiet interval before the settle time ends lets a run whose deliveries are all in end on
// time, without a further interval.
asio::awaitable<void> Engine::settle_and_drain() {
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
  while (auto next = drain_->look(intended, Clock::now(), received(), owed_.owed(Clock::now(), run_end_))) {
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
void Engine::interrupt() {
  if (interrupted_ || stopping_) return;
  interrupted_ = true;
  interrupted_at_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - run_started_).count();
  if (end_timer_) end_timer_->cancel();
}

// Starts each device at its slot of the connect ramp, in time order. Spawning every device at once and
// letting it sleep until its slot left thousands of short-lived waits behind as holes in the heap.
asio::awaitable<void> Engine::launch_devices() {
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

std::size_t Engine::observers_connected() const {
  std::size_t connected = 0;
  for (const auto& device : devices_) connected += device->group->observer && device->connected ? 1 : 0;
  return connected;
}

void Engine::disconnect(Device& device) {
  if (device.session && device.session->connection()->is_open()) device.session->disconnect();
  device.connected = false;
}

// Four times a second: how late the loop woke (its lag) and the process's memory (simulator/harness_health.hpp).
asio::awaitable<void> Engine::health_loop() {
  health_.emplace(start_);
  while (!stopping_) {
    const auto intended = Clock::now() + milliseconds(250);
    co_await sleep_until(intended);
    health_->observe(intended, Clock::now(), resident_kib());
  }
}

asio::awaitable<void> Engine::progress_loop() {
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

}  // namespace detail

FleetRun run_fleet(const FleetSpec& spec, const FleetOptions& options) {
  detail::Engine engine(spec, options);
  return engine.run();
}

}  // namespace mqtt::simulator
