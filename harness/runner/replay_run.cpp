#include "runner/replay_run.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include <utility>  // before Boost.Asio 1.74: its headers use std::exchange without including it

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client/connection.hpp"
#include "client/recorder.hpp"
#include "client/session.hpp"
#include "runner/target_refusal.hpp"
#include "simulator/connect_outcomes.hpp"

namespace mqtt::runner {
namespace {

using Clock = std::chrono::steady_clock;

struct SessionState {
  std::vector<std::size_t> steps;  // indices into plan.steps, in the session's order
  std::size_t next = 0;            // the next of `steps` to run
  std::optional<client::Session> session;
  bool failed = false;             // never opened: its steps are skipped
  bool gave_up_waiting = false;    // its answers did not come in time once: it no longer waits for them
  std::optional<Clock::time_point> waiting_since;
};

client::Duration until(Clock::time_point when) {
  return std::chrono::duration_cast<client::Duration>(std::max(Clock::duration::zero(), when - Clock::now()));
}

// The first CONNACK code in `answers`, if any.
std::optional<std::uint8_t> connack_code(const std::vector<Packet>& answers) {
  for (const auto& packet : answers) {
    if (const auto* connack = std::get_if<Connack>(&packet)) return connack->reason_code;
  }
  return std::nullopt;
}

class Replayer {
 public:
  Replayer(const capture::ReplayPlan& plan, const ReplayRunOptions& options)
      : plan_(plan),
        options_(options),
        recorder_([this](const history::Event& event) {
          if (event.kind != history::EventKind::received) return;
          ++received_[event.connection];
          ++received_in_all_;
        }),
        sessions_(plan.sessions.size()) {
    for (std::size_t index = 0; index < plan.steps.size(); ++index) sessions_[plan.steps[index].session].steps.push_back(index);
  }

  ReplayRun run() {
    ReplayRun result;
    loop_.stop_on(options_.stop);  // an interruption ends the wait in progress at once
    // A probe cut short by an interruption says nothing about the target.
    if (auto reason = probe(); !reason.empty() && !interrupted()) {
      result.unreachable = std::move(reason);
      return result;
    }
    start_ = Clock::now();
    if (!interrupted()) drive();
    // Let the target answer what is still owed (deliveries, acknowledgements, wills), then end open sessions.
    if (!interrupted()) loop_.run_for(std::chrono::duration_cast<client::Duration>(options_.settle));
    if (interrupted()) {
      result.interrupted_at_ms = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
      recorder_.note("replay", fmt::format("the replay was interrupted after {} of {} step(s): every open session "
                                           "closes now",
                                           steps_run_, plan_.steps.size()));
    }
    loop_.stop_on({});  // the closes below must leave, interrupted or not
    for (auto& state : sessions_) {
      if (state.session && state.session->connection().is_open()) state.session->connection().close();
    }
    loop_.run_for(std::chrono::milliseconds(50));  // the closes leave
    result.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
    result.history = recorder_.snapshot();
    for (const auto& state : sessions_) {
      result.connections.push_back(state.session ? std::optional<std::uint32_t>(state.session->id()) : std::nullopt);
    }
    result.open_failures = open_failures_;
    result.first_open_failure = first_open_failure_;
    result.sessions_not_opened = not_opened_;
    for (const auto& state : sessions_) result.sessions_unanswered += state.gave_up_waiting ? 1 : 0;
    assess(result);
    if (result.interrupted_at_ms) {
      result.inconclusive.insert(result.inconclusive.begin(),
                                 fmt::format("the replay was interrupted after {:.1f} s, at step {} of {}",
                                             *result.interrupted_at_ms / 1000.0, steps_run_, plan_.steps.size()));
    }
    return result;
  }

 private:
  // A plain TCP connect, not recorded: tells "nothing listens there" apart from what the sessions experience.
  std::string probe() {
    client::Recorder scratch;
    client::OpenOptions open_options;
    open_options.actor = "probe";
    open_options.deadline = std::chrono::duration_cast<client::Duration>(options_.connect_deadline);
    auto opened = client::Connection::open(loop_, scratch, options_.target, open_options);
    if (auto* failure = std::get_if<std::string>(&opened)) return *failure;
    std::get<client::Connection>(opened).close();
    return "";
  }

  Clock::time_point due(const capture::ReplayStep& step) const {
    if (options_.as_fast_as_possible) return start_;
    const auto offset = static_cast<double>(step.time_ns - plan_.steps.front().time_ns) / options_.speed;
    return start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::nano>(offset));
  }

  // The latest a step may wait for anything: no session falls further behind its schedule than this.
  Clock::time_point lag_limit(const capture::ReplayStep& step) const {
    if (options_.as_fast_as_possible) return Clock::time_point::max();  // no schedule to fall behind
    return due(step) + options_.answer_deadline + options_.connect_deadline;
  }

  bool answered(SessionState& state, const capture::ReplayStep& step) {
    if (!state.session || !state.session->connection().is_open() || state.gave_up_waiting) return true;
    if (silent_after_ && received_in_all_ == *silent_after_) return true;  // the target is silent: nobody waits
    return received_[state.session->id()] >= step.answers_before;
  }

  bool interrupted() const { return options_.stop.stop_requested(); }

  // Runs every step: each round runs whatever is due and answered, in plan order, then waits for the first
  // answer, due time or deadline. An interruption ends it between two steps.
  void drive() {
    std::set<std::pair<std::size_t, std::size_t>> pending;  // (plan index of the session's next step, session)
    for (std::size_t session = 0; session < sessions_.size(); ++session) {
      if (!sessions_[session].steps.empty()) pending.emplace(sessions_[session].steps.front(), session);
    }
    while (!pending.empty() && !interrupted()) {
      auto wake = Clock::time_point::max();
      std::vector<std::size_t> blocked;
      bool progressed = false;
      for (auto entry = pending.begin(); entry != pending.end() && !interrupted();) {
        const std::size_t session = entry->second;
        auto& state = sessions_[session];
        const auto& step = plan_.steps[state.steps[state.next]];
        const auto now = Clock::now();
        const auto due_at = due(step);
        if (due_at > now) {
          wake = std::min(wake, due_at);
          if (!options_.as_fast_as_possible) break;  // plan order is time order: nothing later is due either
          ++entry;
          continue;
        }
        if (!answered(state, step)) {
          if (!state.waiting_since) state.waiting_since = now;
          const auto deadline = std::min(*state.waiting_since + options_.answer_deadline, lag_limit(step));
          if (now < deadline) {
            wake = std::min(wake, deadline);
            blocked.push_back(session);
            if (options_.as_fast_as_possible) break;  // only the order is kept: nothing overtakes a waiting step
            ++entry;
            continue;
          }
          // The target has shown it will not answer this session in time: the session stops waiting. As fast
          // as possible, steps run one after another, so a session that got nothing at all means a silent target:
          // then no step waits until the target sends anything (a silent target costs one answer deadline, not
          // one per session).
          state.gave_up_waiting = true;
          const bool silent = options_.as_fast_as_possible && received_[state.session->id()] == 0;
          if (silent) silent_after_ = received_in_all_;
          recorder_.note(state.session->connection().actor(),
                         fmt::format("no answer within {} ms: {} no longer waits for answers",
                                     options_.answer_deadline.count(),
                                     silent ? "the target sent nothing at all: until it does, the replay"
                                            : "this session"),
                         state.session->id());
        }
        state.waiting_since.reset();
        run_step(session, step);
        ++steps_run_;
        progressed = true;
        entry = pending.erase(entry);
        if (++state.next < state.steps.size()) pending.emplace(state.steps[state.next], session);
        // The session's next step is taken up in the next round, in plan order with the others.
        if (options_.as_fast_as_possible) break;
      }
      if (progressed || pending.empty()) {
        poll();  // let queued writes leave and answers be counted before the next round
        continue;
      }
      const auto any_answered = [&] {
        for (const auto session : blocked) {
          auto& state = sessions_[session];
          if (answered(state, plan_.steps[state.steps[state.next]])) return true;
        }
        return false;
      };
      if (wake == Clock::time_point::max()) wake = Clock::now() + options_.answer_deadline;  // cannot happen; bounded anyway
      // A timer keeps the loop waiting until `wake` even when no connection is open (nothing else to wait on).
      boost::asio::steady_timer timer(loop_.context(), wake);
      timer.async_wait([](const boost::system::error_code&) {});
      loop_.run_until(any_answered, until(wake));
      timer.cancel();
      poll();  // the cancelled wait's handler
    }
  }

  void poll() {
    auto& context = loop_.context();
    if (context.stopped()) context.restart();
    context.poll();
  }

  void run_step(std::size_t index, const capture::ReplayStep& step) {
    auto& state = sessions_[index];
    const auto& replayed = plan_.sessions[index];
    if (step.kind == capture::ReplayStep::Kind::open) {
      open(state, replayed, step);
      return;
    }
    if (state.failed || !state.session) return;
    switch (step.kind) {
      case capture::ReplayStep::Kind::send:
        state.session->connection().send(outgoing(*step.packet));
        break;
      case capture::ReplayStep::Kind::close:
        state.session->connection().close();
        break;
      case capture::ReplayStep::Kind::abort:
        state.session->connection().abort();
        break;
      case capture::ReplayStep::Kind::open:
        break;
    }
  }

  void open(SessionState& state, const capture::ReplaySession& replayed, const capture::ReplayStep& step) {
    // Timed, an open may not take the replay further behind its schedule than a wait may.
    const auto deadline = std::min<Clock::duration>(options_.connect_deadline, lag_limit(step) - Clock::now());
    if (stop_opening_ || deadline <= Clock::duration::zero()) {
      state.failed = true;
      ++not_opened_;
      return;
    }
    client::OpenOptions open_options;
    open_options.actor = replayed.client_id.empty() ? replayed.client : replayed.client_id;
    open_options.version = replayed.version;
    open_options.deadline = std::chrono::duration_cast<client::Duration>(deadline);
    client::SessionOptions session_options;
    session_options.keep_alive_pings = false;  // the captured PINGREQs are replayed instead
    const auto started = Clock::now();
    auto opened = client::Session::open(loop_, recorder_, options_.target, open_options, session_options);
    if (auto* failure = std::get_if<std::string>(&opened)) {
      state.failed = true;
      if (interrupted()) return;  // cut short: says nothing about the target
      ++open_failures_;
      if (first_open_failure_.empty()) first_open_failure_ = *failure;
      // An open that ran out of time would cost as much again for every session after it.
      if (Clock::now() - started >= deadline) stop_opening_ = true;
      return;
    }
    state.session.emplace(std::move(std::get<client::Session>(opened)));
  }

  // The packet as the live target gets it: in the run's namespace, with the target's credentials in a CONNECT
  // when the target URL has them (the captured ones belong to the captured broker).
  Packet outgoing(const Packet& captured) const {
    Packet packet = place_in_namespace(captured, options_.run_namespace);
    if (auto* connect = std::get_if<Connect>(&packet); connect != nullptr && options_.target.username) {
      connect->username = options_.target.username;
      connect->password.reset();
      if (options_.target.password) {
        connect->password = Bytes(options_.target.password->begin(), options_.target.password->end());
      }
    }
    return packet;
  }

  // Whether the target took part: sessions it never let in, or let in where the captured broker did not refuse.
  void assess(ReplayRun& result) const {
    const auto outcomes = simulator::connect_outcomes(result.history);
    std::map<std::uint32_t, std::optional<std::uint8_t>> live;  // connection -> first CONNACK code
    for (const auto& event : result.history.events) {
      if (event.kind != history::EventKind::received || !event.packet) continue;
      if (const auto* connack = std::get_if<Connack>(&*event.packet)) live.try_emplace(event.connection, connack->reason_code);
    }
    std::size_t captured_accepted = 0, unanswered = 0, refused = 0;
    std::map<std::uint8_t, std::size_t> refusals;
    for (std::size_t index = 0; index < sessions_.size(); ++index) {
      const auto captured = connack_code(plan_.sessions[index].captured_answers);
      if (captured != std::uint8_t{0}) continue;  // the captured broker refused it too, or never answered
      ++captured_accepted;
      if (!result.connections[index]) continue;
      const auto found = live.find(*result.connections[index]);
      if (found == live.end()) {
        ++unanswered;
      } else if (found->second != std::uint8_t{0}) {
        ++refused;
        ++refusals[*found->second];
      }
    }
    const auto total = plan_.sessions.size();
    if (open_failures_ > 0) {
      result.inconclusive.push_back(
          fmt::format("{} of {} session(s) could not be opened ({})", open_failures_, total, first_open_failure_));
    }
    if (not_opened_ > 0) {
      result.inconclusive.push_back(fmt::format(
          "{} of {} session(s) were not opened: an earlier TCP connect ran out of time, or the replay had fallen more "
          "than {} ms behind the capture",
          not_opened_, total, (options_.answer_deadline + options_.connect_deadline).count()));
    }
    if (unanswered > 0) {
      result.inconclusive.push_back(fmt::format(
          "{} session(s) the captured broker accepted got no CONNACK from the target within the replay", unanswered));
    }
    if (refused > 0) {
      const auto usual = std::max_element(refusals.begin(), refusals.end(),
                                          [](const auto& a, const auto& b) { return a.second < b.second; })->first;
      result.inconclusive.push_back(fmt::format("{} session(s) the captured broker accepted were refused by the "
                                                "target (mostly code {}, {})",
                                                refused, usual, connack_code_meaning(outcomes.refused_version, usual)));
    }
    // The target took no part at all: every session the captured broker accepted went unanswered or refused. (A
    // CONNECT left unanswered by an interruption is no sign of that; a refusal is.)
    const bool cut_short = result.interrupted_at_ms && outcomes.refused_total() == 0;
    if (captured_accepted > 0 && outcomes.accepted == 0 && outcomes.connects_sent > 0 && !cut_short) {
      result.target_problem = outcomes.refused_total() > 0
                                  ? refused_connect_line(outcomes.refused_version, outcomes.usual_refusal())
                                  : unanswered_connect_line(options_.answer_deadline + options_.connect_deadline,
                                                            outcomes.connects_sent);
    }
  }

  const capture::ReplayPlan& plan_;
  const ReplayRunOptions& options_;
  client::EventLoop loop_;
  std::map<std::uint32_t, std::size_t> received_;  // broker packets received per live connection
  client::Recorder recorder_;
  std::vector<SessionState> sessions_;
  Clock::time_point start_{};
  bool stop_opening_ = false;
  std::size_t steps_run_ = 0;
  std::size_t received_in_all_ = 0;  // packets received from the target on every connection
  // As fast as possible, after a session got nothing at all in time: how many packets the target had sent then.
  // Nobody waits for answers while that number stays the same.
  std::optional<std::size_t> silent_after_;
  std::size_t open_failures_ = 0;
  std::size_t not_opened_ = 0;
  std::string first_open_failure_;
};

}  // namespace

std::chrono::milliseconds replay_worst_case(const capture::ReplayPlan& plan, const ReplayRunOptions& options) {
  const auto probe = options.connect_deadline;
  if (options.as_fast_as_possible) {
    // One step after another: each open and each wait for answers may take its whole deadline.
    std::int64_t waits = 0;
    for (const auto& step : plan.steps) waits += step.answers_before > 0 ? 1 : 0;
    return probe + options.answer_deadline * waits +
           options.connect_deadline * static_cast<std::int64_t>(plan.sessions.size()) + options.settle;
  }
  std::chrono::milliseconds span{0};
  if (!plan.steps.empty()) {
    const auto nanoseconds = static_cast<double>(plan.steps.back().time_ns - plan.steps.front().time_ns);
    span = std::chrono::milliseconds(static_cast<std::int64_t>(nanoseconds / 1e6 / options.speed) + 1);
  }
  // No step waits or opens past its due time + answer deadline + connect deadline.
  return probe + span + options.answer_deadline + options.connect_deadline + options.settle;
}

ReplayRun run_replay(const capture::ReplayPlan& plan, const ReplayRunOptions& options) {
  Replayer replayer(plan, options);
  return replayer.run();
}

}  // namespace mqtt::runner
