// MQTT 3.1.1 CONNECT and CONNACK: session present, refusals, credentials, the first packet, takeover.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "checker_expectations.hpp"
#include "checker_pub_sub.hpp"

namespace mqtt::model::testing {
namespace {

using history::CloseReason;

// ---- 3.2 CONNACK -------------------------------------------------------------------------------------------------

TEST(Connack, IsTheFirstPacketTheServerSends_MQTT_3_2_0_1) {
  HistoryBuilder h;
  h.open(1, "c");
  Connect connect;
  connect.client_id = "c";
  auto connect_sequence = h.sent(1, connect);
  auto ping = h.received(1, Pingresp{});
  h.received(1, Connack{});
  EXPECT_VIOLATION(judge(h), "MQTT-3.2.0-1", (Evidence{connect_sequence, ping}));
}

TEST(Connack, CleanSessionHasSessionPresentZero_MQTT_3_2_2_1) {
  HistoryBuilder h;
  auto connack = h.connected(1, "c", true, /*session_present=*/true);
  EXPECT_VIOLATION(judge(h), "MQTT-3.2.2-1", (Evidence{2, connack}));
}

TEST(Connack, StoredSessionIsReportedPresent_MQTT_3_2_2_2) {
  HistoryBuilder h;
  auto first = h.connected(1, "c", /*clean=*/false, false);
  h.sent(1, Disconnect{});
  h.closed(1, CloseReason::local_close);
  h.connected(2, "c", false, true);
  EXPECT_CLEAN(judge(h));

  HistoryBuilder h2;
  first = h2.connected(1, "c", false, false);
  h2.sent(1, Disconnect{});
  h2.closed(1, CloseReason::local_close);
  auto second = h2.connected(2, "c", false, false);
  EXPECT_VIOLATION(judge(h2), "MQTT-3.2.2-2", (Evidence{first, second - 1, second}));
}

TEST(Connack, NoStoredSessionIsReportedAbsent_MQTT_3_2_2_3) {
  HistoryBuilder h;
  auto clean = h.connected(1, "c", /*clean=*/true);
  h.sent(1, Disconnect{});
  h.closed(1, CloseReason::local_close);
  auto second = h.connected(2, "c", false, /*session_present=*/true);
  EXPECT_VIOLATION(judge(h), "MQTT-3.2.2-3", (Evidence{clean, second - 1, second}));
}

TEST(Connack, FirstPersistentConnectIsNotJudgedWhenHistoryCannotKnow) {
  HistoryBuilder h;
  h.connected(1, "c", false, true);  // a capture may start after an earlier session
  EXPECT_CLEAN(judge(h));
}

TEST(Connack, RefusalHasSessionPresentZeroAndCloses_MQTT_3_2_2_4_and_5) {
  HistoryBuilder h;
  h.open(1, "c");
  Connect connect;
  connect.client_id = "c";
  auto connect_sequence = h.sent(1, connect);
  Connack refusal;
  refusal.reason_code = 5;
  refusal.session_present = true;
  auto connack = h.received(1, refusal);
  h.after(3 * seconds);
  auto closed = h.closed(1, CloseReason::local_close);
  auto verdicts = judge(h);
  EXPECT_VIOLATION(verdicts, "MQTT-3.2.2-4", (Evidence{connect_sequence, connack}));
  EXPECT_VIOLATION(verdicts, "MQTT-3.2.2-5", (Evidence{connect_sequence, connack, closed}));
}

TEST(Connack, RefusalFollowedByCloseIsConformant) {
  HistoryBuilder h;
  h.open(1, "c");
  Connect connect;
  connect.client_id = "c";
  h.sent(1, connect);
  Connack refusal;
  refusal.reason_code = 5;
  h.received(1, refusal);
  h.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(h));
}

TEST(Authentication, WrongCredentialsAreRefused) {
  HistoryBuilder h;
  auto note = h.note(1, "expect-auth-failure");
  auto connack = h.connected(1, "c");
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.4-1", (Evidence{note, connack - 1, connack}));

  HistoryBuilder refused;
  refused.note(1, "expect-auth-failure");
  refused.open(1, "c");
  refused.sent(1, Connect{});
  Connack not_authorised;
  not_authorised.reason_code = 5;
  refused.received(1, not_authorised);
  refused.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(refused));
}

// ---- 3.1 CONNECT policing ----------------------------------------------------------------------------------------

TEST(Connect, EmptyClientIdWithCleanSessionZeroIsRefusedWith0x02_MQTT_3_1_3_8) {
  HistoryBuilder h;
  h.open(1, "c");
  Connect connect;
  connect.client_id = "";
  connect.clean_session = false;
  auto connect_sequence = h.sent(1, connect);
  auto connack = h.received(1, Connack{});
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.3-8", (Evidence{connect_sequence, connack}));

  HistoryBuilder right;
  right.open(1, "c");
  right.sent(1, connect);
  Connack rejected;
  rejected.reason_code = 2;
  right.received(1, rejected);
  right.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(right));
}

TEST(Connect, SecondConnectClosesTheConnection_MQTT_3_1_0_2) {
  HistoryBuilder h;
  h.connected(1, "c");
  Connect again;
  again.client_id = "c";
  auto second = h.sent(1, again);
  h.after(2 * seconds);
  auto ping = h.received(1, Pingresp{});
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.0-2", (Evidence{second, ping}));

  HistoryBuilder right;
  right.connected(1, "c");
  right.sent(1, again);
  right.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(right));
}

TEST(Connect, FirstPacketMustBeConnect_MQTT_3_1_0_1) {
  HistoryBuilder h;
  h.open(1, "c");
  auto ping = h.sent(1, Pingreq{});
  h.after(2 * seconds);
  auto closed = h.closed(1, CloseReason::local_close);
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.0-1", (Evidence{ping, closed}));
}

TEST(ClientIdTakeover, DisconnectsTheExistingClient_MQTT_3_1_4_2) {
  HistoryBuilder h;
  auto first = h.connected(1, "c");
  auto second = h.connected(2, "c");
  h.after(2 * seconds);
  auto still_open = h.received(1, Pingresp{});
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.4-2", (Evidence{first, second - 1, second, still_open}));

  HistoryBuilder right;
  right.connected(1, "c");
  right.connected(2, "c");
  right.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(right));
}
}  // namespace
}  // namespace mqtt::model::testing
