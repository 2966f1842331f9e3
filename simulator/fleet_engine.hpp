// The fleet engine's parts, shared by the files that define its member functions (internal to the simulator;
// the entry point is run_fleet, simulator/fleet.hpp). The engine is one class over one io_context; its
// functions are split by concern:
//   fleet.cpp              the run: observers, the connect ramp, the settle time and the drain, the end
//   fleet_faults.cpp       the scheduled faults
//   fleet_connect.cpp      a device's connection: TCP/TLS/WebSocket, CONNECT, subscriptions, status message
//   fleet_schedule.cpp     when a device next publishes, pings or churns (its seeded schedule)
//   fleet_publishing.cpp   a device's messages: the tick queue's handler, bursts, PUBACKs
//   fleet_device_loop.cpp  a device's life: connect, stay online, back off, reconnect
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client/async_session.hpp"
#include "client/recorder.hpp"
#include "client/target_url.hpp"
#include "simulator/fault_proxy.hpp"
#include "simulator/fault_schedule.hpp"
#include "simulator/fleet.hpp"
#include "simulator/fleet_drain.hpp"
#include "simulator/harness_health.hpp"
#include "simulator/owed_deliveries.hpp"
#include "simulator/wake_queue.hpp"

namespace mqtt::simulator::detail {

namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

inline constexpr auto request_deadline = std::chrono::seconds(10);
// How long the fleet's events wait before they are handed to the judge together: the judge takes them every 20 ms
// anyway, and each flush costs a timer wait and the hand-over's locks (1,024 waiting events are handed at once).
inline constexpr auto hand_over_interval = std::chrono::milliseconds(20);

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
  Engine(const FleetSpec& spec, const FleetOptions& options);
  // Sockets must go before the io_context they live on; suspended coroutines go with the context itself.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  FleetRun run();

 private:
  // The run (fleet.cpp).
  std::string probe_target();
  void prepare_devices();
  asio::awaitable<void> sleep_until(Clock::time_point when);
  Clock::time_point at(std::uint32_t ms) const { return start_ + milliseconds(ms); }
  void request_flush();  // the recorder's batch has its first event: flush it within hand_over_interval
  asio::awaitable<void> main();

  // ---- the end of the run (simulator/fleet_drain.hpp)
  asio::awaitable<bool> wait_for_end(Clock::time_point when);
  asio::awaitable<void> settle_and_drain();
  void interrupt();
  asio::awaitable<void> launch_devices();
  std::size_t observers_connected() const;
  void disconnect(Device& device);
  asio::awaitable<void> health_loop();
  asio::awaitable<void> progress_loop();

  // Faults (fleet_faults.cpp).
  void record_fault(Device& device, FaultKind kind, const std::string& detail);
  asio::awaitable<void> fault_loop(ScheduledFault fault);

  // A device's connection (fleet_connect.cpp).
  const std::shared_ptr<const client::TargetUrl>& target_of(const Device& device);
  std::uint32_t backoff_ms(Device& device, std::uint32_t attempt);
  asio::awaitable<bool> connect_once(Device& device);
  asio::awaitable<bool> open_session(Device& device);
  Connect make_connect(const Device& device) const;
  asio::awaitable<bool> handshake(Device& device);
  asio::awaitable<void> publish_status(Device& device);
  enum class Leave { closed, finished, churn };
  // A device's schedule (fleet_schedule.cpp).
  void start_schedule(Device& device);
  void draw_churn(Device& device);
  milliseconds draw_offline_time(Device& device);
  Clock::time_point wake_time(const Device& device, Clock::time_point now, bool publishing = true) const;
  void schedule_next_publish(Device& device);
  double publish_interval_ms(const PublishSpec& spec) const;
  Clock::time_point on_tick(Clock::time_point when) const;
  // A device's messages (fleet_publishing.cpp). What send_burst() stopped at:
  enum class BurstStop { done, closed, exactly_once };
  Publish make_message(Device& device);
  BurstStop send_burst(Device& device, std::unique_ptr<Publish>& exactly_once);
  asio::awaitable<bool> publish_exactly_once(Device& device, Publish message);
  void on_acknowledged(Device& device, std::uint16_t packet_id);
  bool ticks_publish(const Device& device) const;
  void on_publish_tick(Device& device, std::uint64_t generation);
  void settle_late_acknowledgement(Device& device);
  // A device's life (fleet_device_loop.cpp).
  asio::awaitable<Leave> online(Device& device);
  Leave leave_closed(Device& device);
  asio::awaitable<void> after_online(Device& device, Leave leave);
  asio::awaitable<void> device_loop(Device& device, Clock::time_point first_connect);
  asio::awaitable<void> settle(Device& device);

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
  std::optional<asio::steady_timer> flush_timer_;  // request_flush(); goes before the io_context
  bool flush_armed_ = false;
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

}  // namespace mqtt::simulator::detail
