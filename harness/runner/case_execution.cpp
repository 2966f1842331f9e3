#include "runner/case_execution.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "client/loop_watch.hpp"
#include "client/recorder.hpp"
#include "client/session.hpp"
#include "codec/encoder.hpp"
#include "history/json.hpp"
#include "model/topic.hpp"
#include "runner/case_identity.hpp"
#include "runner/connect_credentials.hpp"
#include "runner/connect_outcomes.hpp"
#include "runner/placeholders.hpp"
#include "runner/retained_cleanup.hpp"
#include "runner/step_packets.hpp"

namespace mqtt::runner {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A problem that ends the case early: a harness-side one (an unusable step: `error`) or an unreachable target
// (not a verdict on the broker: inconclusive).
struct CaseAbort {
  std::string message;
  bool unreachable = false;
  std::string reason = {};  // unreachable: why, without the "target unreachable" prefix
};

// The run was interrupted while a step waited: the case stops where it is (not an answer the target failed to give).
struct CaseInterrupted {};

// The note a case puts before a CONNECT it expects to be refused for its credentials (docs/conformance-cases.md;
// the checker reads the same note).
constexpr std::string_view expect_auth_failure = "expect-auth-failure";

// The checker lists a close it is owed (after a protocol violation by the client) among its expectations; when the
// server closes a connection, that close is the answer, not a missing one. Expectations carry no kind, so the
// checker's wording is the mark: "close the connection of CLIENT".
bool is_close_duty(const model::Expectation& expectation) {
  return expectation.description.starts_with("close the connection");
}

bool closed_by_server(history::CloseReason reason) {
  return reason == history::CloseReason::clean_eof || reason == history::CloseReason::reset ||
         reason == history::CloseReason::protocol_error;
}

std::string_view version_text(ProtocolVersion version) {
  return version == ProtocolVersion::v5 ? "5.0" : version == ProtocolVersion::v3_1 ? "3.1" : "3.1.1";
}

Bytes to_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

// A request the client did not send because the target declared it cannot take it (client/server_limits.hpp).
std::string withheld_text(const std::string& client, std::string_view what, const std::string& reason) {
  return "client '" + client + "' did not send its " + std::string(what) + ": " + reason;
}

class CaseExecution {
 public:
  static model::CheckOptions check_options(const Profile& profile) {
    model::CheckOptions options;
    if (profile.keepalive_grace_ms) {
      options.keepalive_grace_ns = std::int64_t{*profile.keepalive_grace_ms} * 1'000'000;
    }
    return options;
  }

  CaseExecution(const Case& the_case, const ExecutionContext& context, client::EventLoop& loop)
      : case_(the_case),
        context_(context),
        loop_(loop),
        checker_(check_options(context.profile)),
        recorder_([this](const history::Event& event) { observe(event); }),
        identity_(derive_identity(context.seed, the_case.id, the_case.client_names())),
        tokens_(identity_.nonce) {
    values_.prefix = identity_.prefix;
    values_.client_ids = identity_.client_ids;
    values_.username = context.target.username;
    values_.password = context.target.password;
    values_.wrong_password = identity_.wrong_password;
    values_.acl_denied_topic = context.profile.acl_denied_topic;
  }

  CaseRun run() {
    const auto started = Clock::now();
    case_deadline_.emplace(milliseconds(case_.timeout_ms));
    loop_.stop_on(context_.stop);  // an interruption ends the wait in progress at once
    recorder_.note("runner", "case " + case_.id + " (prefix " + identity_.prefix + ")");
    std::size_t step_number = 0;
    bool stopped = false;  // a CONNECT the case needed was refused or unanswered: the rest cannot be exercised
    try {
      for (const Step& step : case_.steps) {
        ++step_number;
        if (case_deadline_->passed()) {
          break;
        }
        if (interrupted()) throw CaseInterrupted{};
        if (step_number == 1 && case_.applies_when == BrokerCapability::websocket_transport &&
            !client::uses_websocket(context_.target.scheme)) {
          // Judged not applicable from the history (no WebSocket upgrade in it): no connection is made.
          stopped = true;
          recorder_.note("runner", "the case stops: it is about WebSocket framing and the target is " +
                                       std::string(client::to_string(context_.target.scheme)) + "://");
          break;
        }
        recorder_.note("runner", "step " + std::to_string(step_number) + ": " + step.text);
        if (!execute(step)) {
          stopped = true;
          recorder_.note("runner", "the case stops: client \"" + step.client + "\" has no session");
          break;
        }
      }
      if (interrupted()) throw CaseInterrupted{};
      if (!stopped && case_deadline_->passed()) {
        run_.timed_out = "the case exceeded its timeout of " + std::to_string(case_.timeout_ms) + " ms (at step " +
                         std::to_string(step_number) + " of " + std::to_string(case_.steps.size()) + ")";
        recorder_.note("runner", *run_.timed_out);
      } else if (!stopped && has_outstanding()) {
        // Give the broker the rest of its chance before the checker turns what it still owes into violations.
        settle(milliseconds(default_step_timeout_ms), milliseconds(0), default_step_timeout_ms);
      }
    } catch (const CaseInterrupted&) {
      run_.interrupted = "at step " + std::to_string(step_number) + " of " + std::to_string(case_.steps.size());
      recorder_.note("runner", "the run was interrupted " + *run_.interrupted + ": the case stops here");
    } catch (const CaseAbort& abort) {
      if (abort.unreachable) {
        run_.unreachable = abort.message;
        ++run_.connects.unreachable;
        if (run_.connects.unreachable_reason.empty()) run_.connects.unreachable_reason = abort.reason;
      } else {
        run_.error = abort.message;
      }
      recorder_.note("runner", "case aborted: " + abort.message);
    } catch (const std::exception& exception) {
      run_.error = std::string("internal error: ") + exception.what();
      recorder_.note("runner", *run_.error);
    }
    loop_.stop_on({});  // clean-up closes connections and clears retained topics, interrupted or not
    clean_up();
    {
      std::lock_guard lock(checker_mutex_);
      run_.verdicts = checker_.finish(recorder_.now_ns());
    }
    connects_.judge_hand_made(run_);
    run_.history = recorder_.snapshot();
    run_.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    return std::move(run_);
  }

 private:
  struct ClientState {
    std::optional<client::Session> session;
    std::vector<client::Session> earlier;  // sessions replaced by a later connect of the same client
    bool dropped = false;
  };

  void observe(const history::Event& event) {
    std::lock_guard lock(checker_mutex_);
    if (event.kind == history::EventKind::closed && event.close_reason && closed_by_server(*event.close_reason)) {
      // What was still owed on this connection at the moment the server closed it (the checker forgets it once it
      // sees the close): a wait that saw this close first did not get its answer.
      for (const auto& expectation : checker_.outstanding()) {
        if (expectation.connection == event.connection && !is_close_duty(expectation)) {
          owed_at_close_.emplace(event.connection, expectation.description);
          break;
        }
      }
    }
    if (event.kind == history::EventKind::received && event.packet && std::holds_alternative<Connack>(*event.packet)) {
      const auto code = std::get<Connack>(*event.packet).reason_code;
      connects_.connack(event.connection, code);
      if (code == 0) accepted_connections_.insert(event.connection);
    }
    checker_.observe(event);
    if (event.kind == history::EventKind::received || event.kind == history::EventKind::closed ||
        event.kind == history::EventKind::decode_error) {
      last_arrival_ns_ = event.time_ns;
    }
  }

  bool interrupted() const { return context_.stop.stop_requested(); }

  // A blocking call returned without its answer: when the run was interrupted meanwhile, that is why.
  void stop_if_interrupted(client::WaitOutcome outcome) const {
    if (outcome == client::WaitOutcome::timeout && interrupted()) throw CaseInterrupted{};
  }

  bool has_outstanding() {
    std::lock_guard lock(checker_mutex_);
    return !checker_.outstanding().empty();
  }

  // A step's own deadline, cut short by the case's. Both count only the time the harness's loop was looking
  // (client::WatchedDeadline): the case's deadline moves out by the time the harness was held.
  client::Duration budget(int timeout_ms) {
    const client::Duration own = milliseconds(timeout_ms);
    return std::min(own, case_deadline_->remaining());
  }

  std::uint32_t connection_of(const std::string& name) const {
    const auto found = clients_.find(name);
    if (found == clients_.end() || !found->second.session) {
      return 0;
    }
    return found->second.session->id();
  }

  client::Session& session_of(const Step& step) {
    auto found = clients_.find(step.client);
    if (found == clients_.end() || !found->second.session) {
      throw CaseAbort{"step \"" + step.text + "\" acts on client \"" + step.client + "\", which has not connected"};
    }
    return *found->second.session;
  }

  ClientDefaults defaults_of(const std::string& name) const {
    const auto found = case_.clients.find(name);
    return found == case_.clients.end() ? ClientDefaults{} : found->second;
  }

  std::string text(const std::string& value) const {
    try {
      return substitute(value, values_);
    } catch (const PlaceholderError& error) {
      throw CaseAbort{error.what()};
    }
  }

  SubstituteText substitution() const {
    return [this](const std::string& value) { return text(value); };
  }

  // Returns true when the request was withheld (and records why); the case is then not exercised there.
  bool note_withheld(const Step& step, std::string_view what, const client::RequestResult& result) {
    if (!result.withheld) return false;
    const std::string sentence = withheld_text(step.client, what, *result.withheld);
    recorder_.note(step.client, sentence, connection_of(step.client));
    if (!run_.withheld) run_.withheld = sentence;
    return true;
  }

  void note_outcome(const Step& step, const std::string& what, client::WaitOutcome outcome, int timeout_ms) {
    stop_if_interrupted(outcome);
    const std::uint32_t connection = connection_of(step.client);
    if (outcome == client::WaitOutcome::timeout) {
      recorder_.note(step.client, what + ": no answer within " + std::to_string(timeout_ms) + " ms", connection);
      run_.unanswered.push_back(UnansweredStep{step.client, what, outcome, timeout_ms, ""});
    } else if (outcome == client::WaitOutcome::closed) {
      recorder_.note(step.client, what + ": the connection closed first", connection);
      note_closed_first(step.client, what, connection, timeout_ms);
    }
  }

  // The connection closed before the step's answer came: a missing answer only when the checker was still owed
  // one on it (not when the close was itself the answer, e.g. to a forbidden SUBSCRIBE).
  void note_closed_first(const std::string& client, const std::string& what, std::uint32_t connection,
                         int timeout_ms) {
    std::lock_guard lock(checker_mutex_);
    if (const auto owed = owed_at_close_.find(connection); owed != owed_at_close_.end()) {
      run_.unanswered.push_back(UnansweredStep{client, what, client::WaitOutcome::closed, timeout_ms, owed->second});
    }
  }

  // Returns false when the case cannot go on (a CONNECT it needed was refused or never answered).
  bool execute(const Step& step) {
    switch (step.kind) {
      case StepKind::connect: return connect(step);
      case StepKind::open: open_connection(step); break;
      case StepKind::subscribe: {
        std::vector<Subscription> subscriptions = subscriptions_of(step, substitution());
        // A SUBSCRIBE with a filter the protocol forbids may be answered by a close (the checker judges which).
        const bool close_answers = std::any_of(subscriptions.begin(), subscriptions.end(), [](const Subscription& one) {
          return !topic::is_valid_filter(one.filter);
        });
        const auto result = session_of(step).subscribe(std::move(subscriptions), budget(step.timeout_ms),
                                                       subscribe_properties(step, substitution()));
        if (note_withheld(step, "SUBSCRIBE", result)) break;
        if (close_answers && result.outcome == client::WaitOutcome::closed) {
          recorder_.note(step.client, "subscribe: the connection closed (an answer to its invalid filter)",
                         connection_of(step.client));
        } else {
          note_outcome(step, "subscribe", result.outcome, step.timeout_ms);
        }
        break;
      }
      case StepKind::unsubscribe: {
        std::vector<std::string> filters;
        for (const auto& filter : step.filters) {
          filters.push_back(text(filter.filter));
        }
        const auto result = session_of(step).unsubscribe(std::move(filters), budget(step.timeout_ms),
                                                         user_properties(step.user_properties, substitution()));
        note_outcome(step, "unsubscribe", result.outcome, step.timeout_ms);
        break;
      }
      case StepKind::publish: publish(step); break;
      case StepKind::disconnect:
        session_of(step).disconnect(step.reason_code, disconnect_properties(step, substitution()));
        break;
      case StepKind::acknowledge: {
        const auto sent = session_of(step).acknowledge(step.reason_code);
        recorder_.note(step.client, "acknowledge: " + std::to_string(sent) + " packet(s) answered",
                       connection_of(step.client));
        break;
      }
      case StepKind::drop:
        session_of(step).connection().abort();
        clients_[step.client].dropped = true;
        break;
      case StepKind::silence: session_of(step).set_silent(true); break;
      case StepKind::send: send(step); break;
      case StepKind::wait: wait(step); break;
      case StepKind::settle:
        if (step.barrier) barrier();
        settle(budget(step.timeout_ms), milliseconds(step.quiet_ms), step.timeout_ms);
        break;
      case StepKind::note:
        if (step.note == expect_auth_failure) connects_.expect_refusal(step.client);
        recorder_.note(step.client.empty() ? "runner" : step.client, step.note, connection_of(step.client));
        break;
      case StepKind::pause: pause(step); break;
    }
    return true;
  }

  // Lets the scenario's time pass (not a synchronisation: waits for events have their own steps); the loop
  // keeps serving every connection meanwhile, so whatever arrives is recorded and answered. Cut short by the
  // case's deadline. A timer holds the loop even when no connection is open.
  void pause(const Step& step) {
    const auto length = budget(step.pause_ms);
    auto over = std::make_shared<bool>(false);
    boost::asio::steady_timer timer(loop_.context(), length);
    timer.async_wait([over](const boost::system::error_code&) { *over = true; });
    loop_.run_until([&over] { return *over; }, length + milliseconds(100));
    if (!*over && interrupted()) throw CaseInterrupted{};
  }

  // Opens TCP for the step's client (replacing an earlier session of that client); sends nothing.
  client::Session& open_connection(const Step& step) {
    client::OpenOptions open_options;
    open_options.actor = step.client;
    open_options.deadline = budget(step.timeout_ms);
    open_options.version = case_.mqtt;
    open_options.record_websocket_messages = true;  // every data message's opcode, for MQTT-6.0.0-1
    client::SessionOptions session_options;
    session_options.auto_acknowledge = defaults_of(step.client).auto_ack;
    auto opened = client::Session::open(loop_, recorder_, context_.target, open_options, session_options);
    if (auto* reason = std::get_if<std::string>(&opened)) {
      if (interrupted()) throw CaseInterrupted{};
      throw CaseAbort{"target unreachable: " + *reason, true, *reason};
    }
    ClientState& state = clients_[step.client];
    if (state.session) {
      state.earlier.push_back(*state.session);
    }
    state.session = std::get<client::Session>(std::move(opened));
    state.dropped = false;
    return *state.session;
  }

  bool connect(const Step& step) {
    const ClientDefaults defaults = defaults_of(step.client);
    client::Session& session = open_connection(step);

    Connect packet = connect_packet(step, defaults, case_.mqtt,
                                    step.client_id ? text(*step.client_id) : identity_.client_ids.at(step.client),
                                    substitution());
    if (packet.will && packet.will->retain) retained_topics_.insert(packet.will->topic);
    const auto result = session.connect(std::move(packet), budget(step.timeout_ms));
    stop_if_interrupted(result.outcome);
    if (result.outcome == client::WaitOutcome::timeout) {
      recorder_.note(step.client, "connect: no answer within " + std::to_string(step.timeout_ms) + " ms",
                     session.id());
    } else if (result.outcome == client::WaitOutcome::closed) {
      recorder_.note(step.client, "connect: the connection closed first", session.id());
    }
    return connects_.connect_step(step.client, session.id(), result, step.timeout_ms, run_);
  }

  void publish(const Step& step) {
    client::Session& session = session_of(step);
    const Publish base = publish_packet(step, case_.mqtt, substitution());
    const std::string& topic = base.topic;
    session.set_honour_limits(!step.beyond_limits);
    for (int index = 0; index < step.count; ++index) {
      Publish packet = base;
      if (step.payload_bytes) {
        packet.payload = *step.payload_bytes;
      } else if (step.payload) {
        packet.payload = to_bytes(text(*step.payload));
      } else {
        packet.payload = to_bytes(tokens_.next());
      }
      if (step.retain && !packet.payload.empty() && !topic.empty()) {
        retained_topics_.insert(topic);
      }
      const auto result = session.publish(std::move(packet), budget(step.timeout_ms));
      if (note_withheld(step, "PUBLISH", result)) break;
      note_outcome(step, "publish", result.outcome, step.timeout_ms);
      if (result.outcome == client::WaitOutcome::closed || case_deadline_->passed()) {
        break;
      }
    }
    session.set_honour_limits(true);
  }

  void send(const Step& step) {
    client::Session& session = session_of(step);
    const bool target_has_credentials = context_.target.username.has_value();
    const bool insert = target_has_credentials && case_.credentials == CredentialPolicy::target;
    if (step.websocket_frames) {
      send_framed(step, session);
      return;
    }
    if (step.bytes) {
      const bool is_connect = !step.bytes->empty() && ((*step.bytes)[0] >> 4) == 1;
      std::optional<CredentialInsertion> insertion;
      if (is_connect && insert) {
        insertion = insert_credentials(*step.bytes, *context_.target.username, context_.target.password);
      }
      const std::uint64_t sequence = session.connection().send_raw(insertion ? insertion->bytes : *step.bytes);
      if (insertion && insertion->password_size > 0) {
        run_.secrets.push_back(InsertedSecret{sequence, insertion->password_offset, insertion->password_size});
      }
      if (is_connect) connects_.hand_made(step.client, session.id(), target_has_credentials && !insertion);
      return;
    }
    Packet packet = packet_of(step);
    if (const auto* publish = std::get_if<Publish>(&packet); publish != nullptr && publish->retain &&
                                                             !publish->payload.empty()) {
      retained_topics_.insert(publish->topic);
    }
    bool as_written = false;
    if (auto* connect = std::get_if<Connect>(&packet)) {
      if (insert && !connect->username && !connect->password) {
        connect->username = context_.target.username;
        if (context_.target.password) connect->password = to_bytes(*context_.target.password);
      }
      as_written = target_has_credentials && !connect->username;
    }
    session.connection().send(packet);
    if (std::holds_alternative<Connect>(packet)) connects_.hand_made(step.client, session.id(), as_written);
  }

  // The packet a `send` step gives as JSON, placeholders substituted, in the case's version unless it names one.
  Packet packet_of(const Step& step) const {
    try {
      auto packet_json = substitute_json(*step.packet, values_);
      if (!packet_json.contains("version")) packet_json["version"] = version_text(case_.mqtt);
      return history::packet_from_json(packet_json);
    } catch (const PlaceholderError& error) {
      throw CaseAbort{error.what()};
    } catch (const history::FormatError& error) {
      throw CaseAbort{std::string("step \"") + step.text + "\": " + error.what()};
    }
  }

  // A packet framed as the step says (a WebSocket case): exact bytes, or the packet's encoding. Credentials are
  // not inserted: these cases frame packets after a session is up, not hand-made CONNECTs.
  void send_framed(const Step& step, client::Session& session) {
    Bytes bytes;
    if (step.bytes) {
      bytes = *step.bytes;
    } else {
      bytes = encode(packet_of(step));
    }
    if (!session.connection().over_websocket()) {
      throw CaseAbort{"step \"" + step.text + "\": websocket_frames needs a ws:// or wss:// target"};
    }
    session.connection().send_framed(std::move(bytes), *step.websocket_frames);
  }

  void wait(const Step& step) {
    client::Connection& connection = session_of(step).connection();
    const auto deadline = budget(step.timeout_ms);
    const client::WaitResult result = step.wait_for == WaitFor::close
                                          ? connection.wait_for_close(deadline)
                                          : connection.wait_for(awaited_packet(step.wait_for), deadline);
    stop_if_interrupted(result.outcome);
    const std::string what = "wait for " + std::string(to_string(step.wait_for));
    if (result.outcome == client::WaitOutcome::timeout) {
      recorder_.note(step.client, what + ": deadline of " + std::to_string(step.timeout_ms) + " ms reached",
                     connection.id());
      run_.unanswered.push_back(UnansweredStep{step.client, what, result.outcome, step.timeout_ms, ""});
    } else if (result.outcome == client::WaitOutcome::closed && step.wait_for != WaitFor::close) {
      recorder_.note(step.client, what + ": the connection closed first", connection.id());
      note_closed_first(step.client, what, connection.id(), step.timeout_ms);
    }
  }

  // A PINGREQ on every connection the broker accepted that is still open and not told to stay silent. Its
  // PINGRESP proves the broker has read everything sent before it on that connection, QoS 0 publishes included,
  // so from then on their deliveries are owed and a missing one can fail [MQTT-4.5.0-1]. The settle that follows
  // waits for the answers.
  void barrier() {
    for (auto& [name, state] : clients_) {
      if (!state.session || state.dropped) continue;
      auto& session = *state.session;
      if (!session.connection().is_open() || session.options().silent) continue;
      if (!accepted_connections_.contains(session.id())) continue;
      session.connection().send(Pingreq{case_.mqtt});
    }
  }

  // Until nothing is owed and nothing arrived for `quiet`, or `deadline` has passed (`timeout_ms` names it).
  void settle(client::Duration deadline, client::Duration quiet, int timeout_ms) {
    client::WatchedDeadline until(deadline);  // moves out by the time the harness's loop was held
    const auto quiet_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(quiet).count();
    auto quiet_for = [&]() -> std::int64_t {  // ns left until the connection counts as quiet
      std::lock_guard lock(checker_mutex_);
      return last_arrival_ns_ + quiet_ns - recorder_.now_ns();
    };
    auto done = [&] { return quiet_for() <= 0 && !has_outstanding(); };
    while (!done()) {
      if (interrupted()) throw CaseInterrupted{};
      if (until.passed()) {
        recorder_.note("runner", "settle: deadline reached with something still outstanding or arriving");
        std::lock_guard lock(checker_mutex_);
        if (const auto owed = checker_.outstanding(); !owed.empty()) {
          run_.unanswered.push_back(
              UnansweredStep{"", "settle", client::WaitOutcome::timeout, timeout_ms, owed.front().description});
        }
        return;
      }
      // Drive I/O until something happens or the quiet period could have been reached, whichever is first.
      client::Duration slice = until.remaining();
      const auto left = quiet_for();
      if (left > 0) {
        slice = std::min<client::Duration>(slice, std::chrono::nanoseconds(left) + milliseconds(1));
      } else {
        // Quiet already; only something owed remains. Check again at least every 50 ms of driven I/O.
        slice = std::min<client::Duration>(slice, milliseconds(50));
      }
      loop_.run_until(done, slice);
    }
  }

  void clean_up() {
    const auto cleanup_deadline = Clock::now() + context_.cleanup_budget;
    for (auto& [name, state] : clients_) {
      for (auto& session : state.earlier) {
        if (session.connection().is_open()) {
          session.disconnect();
        }
      }
      if (state.session && !state.dropped && state.session->connection().is_open()) {
        session_disconnect(name, *state.session);
      }
    }
    const QoS qos = context_.profile.max_qos.value_or(1) >= 1 ? QoS::at_least_once : QoS::at_most_once;
    clear_retained_topics(RetainedCleanup{loop_, recorder_, context_.target, case_.mqtt,
                                          derive_client_id(identity_.nonce, "cleanup"), qos},
                          retained_topics_, cleanup_deadline);
  }

  void session_disconnect(const std::string& name, client::Session& session) {
    recorder_.note(name, "clean-up: disconnect", session.id());
    session.disconnect();
  }

  const Case& case_;
  const ExecutionContext& context_;
  client::EventLoop& loop_;
  CaseRun run_;
  ConnectOutcomes connects_;
  std::map<std::uint32_t, std::string> owed_at_close_;   // connection -> an answer owed when the server closed it
  std::mutex checker_mutex_;
  model::Checker checker_;
  std::int64_t last_arrival_ns_ = 0;
  client::Recorder recorder_;
  CaseIdentity identity_;
  TokenGenerator tokens_;
  PlaceholderValues values_;
  std::map<std::string, ClientState> clients_;
  std::set<std::string> retained_topics_;
  std::set<std::uint32_t> accepted_connections_;  // connections whose CONNECT got return code 0
  std::optional<client::WatchedDeadline> case_deadline_;
};

}  // namespace

CaseRun execute_case(const Case& the_case, const ExecutionContext& context, client::EventLoop& loop) {
  return CaseExecution(the_case, context, loop).run();
}

}  // namespace mqtt::runner
