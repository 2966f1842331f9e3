// FleetStatistics fed one event at a time: it agrees with the whole-history wrapper, its histogram figures stay
// within the stated error of exact nearest-rank percentiles, and what it holds stays bounded by messages in
// flight, not by messages sent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include "simulator/fleet_stats.hpp"
#include "simulator/latency_histogram.hpp"
#include "simulator/per_second_series.hpp"
#include "simulator/seen_numbers.hpp"

namespace mqtt::simulator {
namespace {

using history::Event;
using history::EventKind;

std::uint64_t seed_for(const char* test) {
  const char* given = std::getenv("MQTT_TEST_SEED");
  const std::uint64_t seed = given != nullptr ? std::strtoull(given, nullptr, 10) : 20261206;
  std::cout << test << ": seed " << seed << " (MQTT_TEST_SEED to change)\n";
  return seed;
}

Event packet_event(std::int64_t time_ns, std::uint32_t connection, std::string actor, EventKind kind,
                   Packet packet) {
  Event event;
  event.time_ns = time_ns;
  event.connection = connection;
  event.actor = std::move(actor);
  event.kind = kind;
  event.packet = std::move(packet);
  return event;
}

Publish telemetry(const std::string& device, std::uint64_t number, QoS qos, bool dup = false) {
  Publish publish;
  publish.topic = "dtu/" + device + "/telemetry";
  const auto token = message_token(device, number) + "......";
  publish.payload = Bytes(token.begin(), token.end());
  publish.qos = qos;
  publish.dup = dup;
  if (qos != QoS::at_most_once) publish.packet_id = static_cast<std::uint16_t>(number % 65535 + 1);
  return publish;
}

// What a fleet history must give, counted the slow and exact way while it is made.
struct Expected {
  std::uint64_t published = 0, expected = 0, delivered = 0, lost = 0, duplicates = 0;
  std::vector<double> latency_ms[2];
};

// A fan-in of `devices` publishers and two subscribers: copies that are late, lost or doubled at random, a
// subscriber that drops and comes back, and a fault on one publisher.
history::History random_fleet(std::mt19937_64& random, int devices, int messages, Expected& expected) {
  history::History history;
  auto& events = history.events;
  const std::vector<std::string> subscribers = {"backend-1", "backend-2"};
  std::uint32_t connection = 0;
  std::map<std::string, std::uint32_t> connection_of;
  const auto connect = [&](const std::string& actor, std::int64_t time_ns) {
    connection_of[actor] = ++connection;
    Event open;
    open.time_ns = time_ns;
    open.connection = connection;
    open.actor = actor;
    open.kind = EventKind::open;
    events.push_back(open);
    Connect packet;
    packet.client_id = actor;
    events.push_back(packet_event(time_ns, connection, actor, EventKind::sent, packet));
    events.push_back(packet_event(time_ns + 2'000'000, connection, actor, EventKind::received, Connack{}));
  };
  for (const auto& subscriber : subscribers) {
    connect(subscriber, 0);
    Subscribe subscribe;
    subscribe.packet_id = 1;
    subscribe.subscriptions = {Subscription{"dtu/+/telemetry", QoS::at_least_once}};
    events.push_back(packet_event(3'000'000, connection_of[subscriber], subscriber, EventKind::sent, subscribe));
  }
  for (int device = 0; device < devices; ++device) connect("dtu-" + std::to_string(device), 4'000'000);
  Event fault;
  fault.time_ns = 500'000'000;
  fault.connection = connection_of["dtu-1"];
  fault.actor = "dtu-1";
  fault.kind = EventKind::fault;
  fault.fault = "latency";
  events.push_back(fault);
  std::vector<std::uint64_t> numbers(static_cast<std::size_t>(devices), 0);
  std::uniform_real_distribution<double> chance(0, 1);
  std::exponential_distribution<double> delay_ms(1.0 / 20);
  for (int i = 0; i < messages; ++i) {
    const std::int64_t sent_ns = 10'000'000 + static_cast<std::int64_t>(i) * 1'000'000;
    const auto device = static_cast<int>(random() % static_cast<std::uint64_t>(devices));
    const std::string name = "dtu-" + std::to_string(device);
    const QoS qos = random() % 2 == 0 ? QoS::at_most_once : QoS::at_least_once;
    const auto number = ++numbers[static_cast<std::size_t>(device)];
    events.push_back(packet_event(sent_ns, connection_of[name], name, EventKind::sent, telemetry(name, number, qos)));
    ++expected.published;
    for (const auto& subscriber : subscribers) {
      ++expected.expected;
      if (chance(random) < 0.05) {
        ++expected.lost;
        continue;
      }
      const auto latency_ns = static_cast<std::int64_t>(delay_ms(random) * 1e6) + 50'000;
      events.push_back(packet_event(sent_ns + latency_ns, connection_of[subscriber], subscriber, EventKind::received,
                                    telemetry(name, number, qos)));
      ++expected.delivered;
      expected.latency_ms[static_cast<int>(qos)].push_back(static_cast<double>(latency_ns) / 1e6);
      if (chance(random) < 0.03) {
        events.push_back(packet_event(sent_ns + latency_ns + 5'000'000, connection_of[subscriber], subscriber,
                                      EventKind::received, telemetry(name, number, qos, chance(random) < 0.5)));
        ++expected.delivered;
        ++expected.duplicates;
      }
    }
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& left, const Event& right) { return left.time_ns < right.time_ns; });
  for (std::size_t i = 0; i < events.size(); ++i) events[i].sequence = i + 1;
  return history;
}

void expect_within_histogram_error(const nlohmann::json& figures, std::vector<double> exact) {
  const auto reference = percentiles(exact);
  ASSERT_EQ(figures["count"], reference["count"]);
  EXPECT_EQ(figures["max"], reference["max"]);
  for (const char* key : {"p50", "p90", "p99", "p99.9"}) {
    const double want = reference[key].get<double>(), got = figures[key].get<double>();
    EXPECT_NEAR(got, want, want * LatencyHistogram::relative_error + 0.0011) << key;
  }
}

TEST(FleetStatisticsStream, TheAccumulatorAgreesWithTheWrapperAndTheExactCounts) {
  std::mt19937_64 random(seed_for("TheAccumulatorAgreesWithTheWrapperAndTheExactCounts"));
  Expected expected;
  const auto history = random_fleet(random, 20, 20'000, expected);
  FleetSpec spec;
  spec.name = "random-fan-in";
  FleetStatistics statistics(spec);
  for (std::size_t i = 0; i < history.events.size(); ++i) {
    statistics.observe(history.events[i]);
    if (i == history.events.size() / 2) (void)statistics.finish();  // finishing early changes nothing after
  }
  const auto stats = statistics.finish();
  EXPECT_EQ(stats, compute_fleet_stats(history, spec));
  EXPECT_EQ(stats, statistics.finish());
  const auto& messages = stats["messages"];
  EXPECT_EQ(messages["published"], expected.published);
  EXPECT_EQ(messages["expected_deliveries"], expected.expected);
  EXPECT_EQ(messages["delivered"], expected.delivered);
  EXPECT_EQ(messages["lost"], expected.lost);
  EXPECT_EQ(messages["duplicates"], expected.duplicates);
  expect_within_histogram_error(stats["delivery_latency_ms"]["qos0"], expected.latency_ms[0]);
  expect_within_histogram_error(stats["delivery_latency_ms"]["qos1"], expected.latency_ms[1]);
  // Losses on the faulted publisher's QoS 1 messages name the fault; the rest of QoS 1 has no cause recorded.
  EXPECT_GT(stats["losses_by_cause"].value("publisher-connection-faulted", 0), 0);
  EXPECT_GT(stats["losses_by_cause"].value("no-fault-recorded", 0), 0);
  EXPECT_GT(stats["losses_by_cause"].value("qos0-not-delivered", 0), 0);
}

TEST(FleetStatisticsStream, AShortSettleWindowChangesNoFigureWhenEveryCopyComesWithinIt) {
  std::mt19937_64 random(seed_for("AShortSettleWindowChangesNoFigureWhenEveryCopyComesWithinIt"));
  Expected expected;
  const auto history = random_fleet(random, 10, 10'000, expected);
  FleetStatisticsLimits limits;
  limits.settle_window_ns = 2'000'000'000;  // the longest delay drawn is well under 1 s
  FleetStatistics windowed(FleetSpec{}, limits);
  std::size_t most_tracked = 0;
  for (const auto& event : history.events) {
    windowed.observe(event);
    most_tracked = std::max(most_tracked, windowed.tracked());
  }
  const auto stats = windowed.finish();
  const auto whole = compute_fleet_stats(history, FleetSpec{});
  EXPECT_EQ(stats["messages"], whole["messages"]);
  EXPECT_EQ(stats["losses_by_cause"], whole["losses_by_cause"]);
  EXPECT_EQ(stats["duplicates_by_cause"], whole["duplicates_by_cause"]);
  EXPECT_EQ(stats["timeline"], whole["timeline"]);
  // 1 message per ms over a 2 s window, never the 10,000 sent.
  EXPECT_LT(most_tracked, 4'000U);
}

TEST(FleetStatisticsStream, AMillionDeliveredMessagesLeaveFewTrackedEntries) {
  FleetSpec spec;
  spec.duration_ms = 100'000;
  FleetStatistics statistics(spec);
  constexpr int devices = 100, messages = 1'000'000, in_flight = 20;
  Subscribe subscribe;
  subscribe.packet_id = 1;
  subscribe.subscriptions = {Subscription{"dtu/+/telemetry", QoS::at_least_once}};
  statistics.observe(packet_event(0, 1, "backend", EventKind::sent, subscribe));
  std::size_t most_tracked = 0;
  const auto sent_ns = [](int i) { return 1'000'000 + static_cast<std::int64_t>(i) * 100'000; };  // 10,000/s
  const auto name_of = [](int i) { return "dtu-" + std::to_string(i % devices); };
  for (int i = 0; i < messages + in_flight; ++i) {
    if (i < messages) {
      statistics.observe(packet_event(sent_ns(i), static_cast<std::uint32_t>(2 + i % devices), name_of(i),
                                      EventKind::sent, telemetry(name_of(i), static_cast<std::uint64_t>(i / devices),
                                                                 QoS::at_least_once)));
    }
    // Each copy comes 2 ms after its message: 20 in flight at any time.
    if (const int delivered = i - in_flight; delivered >= 0) {
      statistics.observe(packet_event(sent_ns(delivered) + 2'000'000, 1, "backend", EventKind::received,
                                      telemetry(name_of(delivered), static_cast<std::uint64_t>(delivered / devices),
                                                QoS::at_least_once)));
    }
    most_tracked = std::max(most_tracked, statistics.tracked());
  }
  const auto stats = statistics.finish();
  EXPECT_EQ(stats["messages"]["published"], messages);
  EXPECT_EQ(stats["messages"]["delivered"], messages);
  EXPECT_EQ(stats["messages"]["lost"], 0);
  EXPECT_EQ(stats["delivery_latency_ms"]["qos1"]["count"], messages);
  EXPECT_NEAR(stats["delivery_latency_ms"]["qos1"]["p50"].get<double>(), 2.0, 2.0 * LatencyHistogram::relative_error);
  // Messages in flight plus a word or two of seen numbers per device and per (subscriber, device) pair.
  EXPECT_LT(most_tracked, 1'000U) << "most entries held at once";
  EXPECT_LT(statistics.tracked_state(), 2'000U);
}

TEST(FleetStatisticsStream, AHistogramQuantileIsWithinOnePercentOfTheExactOne) {
  std::mt19937_64 random(seed_for("AHistogramQuantileIsWithinOnePercentOfTheExactOne"));
  std::uniform_real_distribution<double> exponent(-2, 4);  // 0.01 ms .. 10 s
  LatencyHistogram histogram;
  std::vector<double> values;
  for (int i = 0; i < 100'000; ++i) {
    values.push_back(std::pow(10.0, exponent(random)));
    histogram.add(values.back());
  }
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  for (const double fraction : {0.01, 0.25, 0.5, 0.9, 0.99, 0.999}) {
    const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
    const double exact = sorted[rank - 1];
    EXPECT_NEAR(histogram.quantile(fraction), exact, exact * LatencyHistogram::relative_error) << fraction;
  }
  EXPECT_EQ(histogram.quantile(1.0), sorted.back());
  EXPECT_EQ(histogram.quantile(1e-9), sorted.front());
  EXPECT_LE(LatencyHistogram::relative_error, 0.01);
}

TEST(FleetStatisticsStream, SeenNumbersTellRepeatsInABoundedWindow) {
  SeenNumbers numbers;
  EXPECT_FALSE(numbers.seen(7));
  EXPECT_FALSE(numbers.mark(7));
  EXPECT_TRUE(numbers.mark(7));
  EXPECT_TRUE(numbers.seen(5));  // below the first number marked
  for (std::uint64_t number = 8; number < 100'000; ++number) EXPECT_FALSE(numbers.mark(number));
  EXPECT_LE(numbers.words(), 2U);  // everything seen: the window slid along
  EXPECT_TRUE(numbers.seen(50'000));
  EXPECT_FALSE(numbers.mark(1'000'000'000));  // a jump moves the window, never past max_words
  EXPECT_LE(numbers.words(), SeenNumbers::max_words);
}

TEST(FleetStatisticsStream, AWeekLongRunGetsWiderPointsNotMorePoints) {
  FleetSpec week;
  week.duration_ms = 604'800'000;
  week.settle_ms = 0;
  PerSecondSeries planned(week);
  EXPECT_EQ(planned.interval_s(), 85);  // ceil(604,801 s / 7,200 points)
  for (std::int64_t second = 0; second < 604'800; second += 10) planned.published(second * 1'000'000'000);
  const auto timeline = planned.to_json(604'799'000'000'000, week);
  EXPECT_EQ(timeline["interval_s"], 85);
  EXPECT_EQ(timeline["published"].size(), 7116U);  // ceil(604,800 / 85)
  // A run that outlasts a short plan doubles its width instead of growing.
  PerSecondSeries overrun(FleetSpec{}, 10);
  for (std::int64_t second = 0; second < 100; ++second) overrun.delivered(second * 1'000'000'000, QoS::at_least_once, 5);
  EXPECT_LE(overrun.points(), 20U);
  const auto figures = overrun.to_json(99'000'000'000, FleetSpec{});
  double total = 0;
  for (const auto& count : figures["delivered"]) total += count.get<double>();
  EXPECT_EQ(total, 100);
  EXPECT_EQ(figures["latency_ms"]["qos1"]["p50"][0], 5);
}

}  // namespace
}  // namespace mqtt::simulator
