// When a case applies: the capability a case names in `applies_when` is read from the run's history (the CONNACK's
// declarations, the form of the server's acknowledgements); a broker that showed it is judged as usual, one that
// did not is skipped as not applicable, and a history that cannot tell leaves the usual verdict.
#include <gtest/gtest.h>

#include "runner/case_applicability.hpp"
#include "runner/case_judgement.hpp"
#include "runner/case_loader.hpp"

namespace mqtt::runner {
namespace {

history::Event received(std::uint64_t sequence, Packet packet, std::size_t raw_size = 2) {
  history::Event event;
  event.sequence = sequence;
  event.connection = 1;
  event.kind = history::EventKind::received;
  event.packet = std::move(packet);
  event.raw.assign(raw_size, 0);
  return event;
}

Connack connack_declaring(Properties properties, std::uint8_t reason_code = 0) {
  Connack connack;
  connack.version = ProtocolVersion::v5;
  connack.reason_code = reason_code;
  connack.properties = std::move(properties);
  return connack;
}

history::History history_of(std::vector<history::Event> events) {
  history::History history;
  history.events = std::move(events);
  return history;
}

TEST(CaseApplicability, MaximumQosBelowTwoAppliesOnlyWhenACONNACKDeclaredIt) {
  const auto qos_one = history_of({received(1, connack_declaring({{PropertyId::maximum_qos, std::uint8_t{1}}}))});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::maximum_qos_below_2, qos_one, true), std::nullopt);
  const auto silent = history_of({received(1, connack_declaring({}))});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::maximum_qos_below_2, silent, false),
            "not applicable: the broker declared no Maximum QoS (it accepts QoS 2)");
  // A refused CONNACK declares nothing the case could use; with no accepted CONNACK the history cannot tell.
  const auto refused = history_of({received(1, connack_declaring({}, 0x87))});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::maximum_qos_below_2, refused, true), std::nullopt);
  EXPECT_EQ(not_applicable_reason(BrokerCapability::maximum_qos_below_2, history_of({}), true), std::nullopt);
}

Publish delivered(std::string payload, bool dup = false) {
  Publish publish;
  publish.version = ProtocolVersion::v5;
  publish.topic = "o/t";
  publish.qos = QoS::at_least_once;
  publish.packet_id = 1;
  publish.dup = dup;
  publish.payload.assign(payload.begin(), payload.end());
  return publish;
}

TEST(CaseApplicability, OverlappingCopiesAreReadFromWhatArrived) {
  // One copy of each message: the single-copy form; a message arriving twice (DUP 0): one copy per subscription.
  const auto single = history_of({received(1, delivered("first")), received(2, delivered("second")),
                                  received(3, delivered("second", true))});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::overlap_single_copy, single, true), std::nullopt);
  EXPECT_EQ(not_applicable_reason(BrokerCapability::overlap_copy_per_subscription, single, true),
            "not applicable: the broker sent one copy for all overlapping subscriptions");
  const auto per_subscription = history_of({received(1, delivered("first")), received(2, delivered("first"))});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::overlap_copy_per_subscription, per_subscription, true),
            std::nullopt);
  EXPECT_EQ(not_applicable_reason(BrokerCapability::overlap_single_copy, per_subscription, true),
            "not applicable: the broker sent one copy per overlapping subscription");
  // A run cut short, or one that received nothing, cannot tell.
  EXPECT_EQ(not_applicable_reason(BrokerCapability::overlap_copy_per_subscription, single, false), std::nullopt);
  EXPECT_EQ(not_applicable_reason(BrokerCapability::overlap_single_copy, history_of({}), true), std::nullopt);
}

TEST(CaseApplicability, WebSocketCasesApplyOnlyWhenAConnectionWentThroughTheUpgrade) {
  history::Event open;
  open.sequence = 1;
  open.kind = history::EventKind::open;
  EXPECT_EQ(not_applicable_reason(BrokerCapability::websocket_transport, history_of({open}), true),
            "not applicable: the target is not reached over WebSocket (ws:// or wss://), and the case is about "
            "WebSocket framing");
  // The runner starts no connection for such a case over TCP: an empty history does not apply either.
  EXPECT_TRUE(not_applicable_reason(BrokerCapability::websocket_transport, history_of({}), true).has_value());
  open.websocket = history::WebSocketDetail{.offered = "mqtt", .subprotocol = "mqtt"};
  EXPECT_EQ(not_applicable_reason(BrokerCapability::websocket_transport, history_of({open}), true), std::nullopt);
}

TEST(CaseApplicability, RetainUnavailableAppliesOnlyWhenACONNACKDeclaredRetainAvailableZero) {
  const auto unavailable =
      history_of({received(1, connack_declaring({{PropertyId::retain_available, std::uint8_t{0}}}))});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::retain_unavailable, unavailable, true), std::nullopt);
  const auto available =
      history_of({received(1, connack_declaring({{PropertyId::retain_available, std::uint8_t{1}}}))});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::retain_unavailable, available, true),
            "not applicable: the broker declared Retain Available 1");
}

history::Event sent_connect_naming(std::string method) {
  Connect connect;
  connect.version = ProtocolVersion::v5;
  connect.client_id = "client";
  connect.properties = {{PropertyId::authentication_method, std::move(method)}};
  history::Event event;
  event.sequence = 1;
  event.connection = 1;
  event.kind = history::EventKind::sent;
  event.packet = Packet{connect};
  return event;
}

TEST(CaseApplicability, AuthenticationMethodSupportedWhenTheServerTookTheMethodUp) {
  // An AUTH from the server shows the method is supported.
  Auth challenge;
  challenge.reason_code = 0x18;
  const auto exchanged = history_of({sent_connect_naming("mh-challenge"), received(2, challenge)});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::authentication_method_supported, exchanged, true), std::nullopt);
  // A refusal without an AUTH shows it is not; the reason names the code.
  const auto refused = history_of({sent_connect_naming("mh-challenge"), received(2, connack_declaring({}, 0x8C))});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::authentication_method_supported, refused, true),
            "not applicable: the broker refused the CONNECT naming an Authentication Method with CONNACK 0x8C (it "
            "does not support the method)");
  // Accepted (with the method or without it, which the model judges): the case applies.
  const auto accepted = history_of({sent_connect_naming("mh-challenge"), received(2, connack_declaring({}))});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::authentication_method_supported, accepted, true), std::nullopt);
  // Closed without an answer: not supported. No CONNECT naming a method: the history cannot tell.
  history::Event closed;
  closed.sequence = 2;
  closed.connection = 1;
  closed.kind = history::EventKind::closed;
  EXPECT_NE(not_applicable_reason(BrokerCapability::authentication_method_supported,
                                  history_of({sent_connect_naming("mh-challenge"), closed}), true),
            std::nullopt);
  EXPECT_EQ(not_applicable_reason(BrokerCapability::authentication_method_supported,
                                  history_of({received(1, connack_declaring({}))}), true),
            std::nullopt);
  EXPECT_EQ(parse_broker_capability("authentication_method_supported"),
            BrokerCapability::authentication_method_supported);
}

TEST(CaseApplicability, LongFormAcknowledgementsNeedAFinishedRunToProveAbsence) {
  Puback short_puback;
  short_puback.version = ProtocolVersion::v5;
  const auto short_only = history_of({received(1, connack_declaring({})), received(2, short_puback, 4)});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::long_form_acknowledgements, short_only, true),
            "not applicable: the broker wrote all 1 of its PUBACK, PUBREC, PUBREL and PUBCOMP packets in the short "
            "form (reason code 0x00 left out, which is legal), so no written reason code was there to judge");
  // A run that did not finish proves nothing by what it did not see.
  EXPECT_EQ(not_applicable_reason(BrokerCapability::long_form_acknowledgements, short_only, false), std::nullopt);
  const auto long_form = history_of({received(1, connack_declaring({})), received(2, short_puback, 4),
                                     received(3, Packet{Pubcomp{ProtocolVersion::v5}}, 5)});
  EXPECT_EQ(not_applicable_reason(BrokerCapability::long_form_acknowledgements, long_form, true), std::nullopt);
  // No acknowledgement at all: nothing shows the form.
  EXPECT_EQ(not_applicable_reason(BrokerCapability::long_form_acknowledgements,
                                  history_of({received(1, connack_declaring({}))}), true),
            std::nullopt);
}

Case case_applying_when(BrokerCapability capability) {
  Case result;
  result.id = "v5.a.case";
  result.title = "title";
  result.section = "3.2.2";
  result.statements = {"MQTT-3.2.2-11"};
  result.mqtt = ProtocolVersion::v5;
  result.applies_when = capability;
  return result;
}

TEST(CaseApplicability, AJudgedCaseIsSkippedWhenNotApplicableButAViolationStands) {
  CaseRun run;
  run.history = history_of({received(1, connack_declaring({}))});
  // Unexercised claim on a broker with Maximum QoS 2: skipped with the reason, not inconclusive.
  const auto skipped = judge_case(case_applying_when(BrokerCapability::maximum_qos_below_2), run, false);
  EXPECT_EQ(skipped.verdict, results::Verdict::skipped);
  EXPECT_EQ(skipped.message, "not applicable: the broker declared no Maximum QoS (it accepts QoS 2)");
  // A violation is judged whatever the broker declared.
  run.verdicts.violations.push_back(model::Finding{"MQTT-3.3.4-1", "MUST", "a sentence", {1}});
  EXPECT_EQ(judge_case(case_applying_when(BrokerCapability::maximum_qos_below_2), run, false).verdict,
            results::Verdict::failed);
  // Where the broker declared the capability, the usual judgement: here the claim was never exercised.
  CaseRun declared;
  declared.history = history_of({received(1, connack_declaring({{PropertyId::maximum_qos, std::uint8_t{0}}}))});
  const auto judged = judge_case(case_applying_when(BrokerCapability::maximum_qos_below_2), declared, false);
  EXPECT_EQ(judged.verdict, results::Verdict::inconclusive);
  EXPECT_EQ(judged.message, "the history never exercised MQTT-3.2.2-11, which the case claims");
}

TEST(CaseApplicability, TheCaseFileNamesOnlyKnownCapabilities) {
  const std::string head =
      "{\"mqtt\": \"5.0\", \"cases\": [{\"id\": \"test.one\", \"title\": \"t\", \"section\": \"3.2.2\", "
      "\"statements\": [\"MQTT-3.2.2-11\"], \"applies_when\": ";
  const std::string tail = ", \"steps\": [{\"connect\": \"a\"}]}]}";
  const auto cases = parse_case_file("cases.json", head + "\"retain_unavailable\"" + tail,
                                     CaseValidation{.check_statements = false});
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].applies_when, BrokerCapability::retain_unavailable);
  try {
    parse_case_file("cases.json", head + "\"maximum_qos_2\"" + tail, CaseValidation{.check_statements = false});
    ADD_FAILURE() << "an unknown capability was accepted";
  } catch (const DataFileError& error) {
    EXPECT_STREQ(error.what(),
                 "cases.json:1:113: key \"cases[0].applies_when\": must be one of: maximum_qos_below_2, "
                 "retain_unavailable, long_form_acknowledgements, authentication_method_supported, "
                 "overlap_single_copy, overlap_copy_per_subscription, websocket_transport");
  }
}

}  // namespace
}  // namespace mqtt::runner
