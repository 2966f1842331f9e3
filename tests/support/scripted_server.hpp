// Test fixture: a hostile "MQTT server" on a free loopback port that follows one small script on every connection
// it accepts — stay silent, send some bytes then close or reset, answer the CONNECT with a given CONNACK return
// code, or accept the CONNECT and then go silent. For tests of what the harness does when a target refuses,
// ignores, truncates or drops it. It serves on its own thread; the destructor stops it, joins the thread and closes
// every socket, so a failing test leaves nothing behind.
//
//   test_support::ScriptedServer server(test_support::ServerScript::connack(5));
//   options.target = server.url();   // every CONNECT is refused with return code 5
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace mqtt::test_support {

struct ServerScript {
  enum class Action : std::uint8_t {
    stay_silent,          // read and discard everything, never write
    send_then_close,      // send `bytes`, then close (FIN)
    send_then_reset,      // send `bytes`, then reset the connection (SO_LINGER 0)
    answer_then_silent,   // send `bytes`, then read and discard everything
  };
  Action action = Action::stay_silent;
  std::vector<std::uint8_t> bytes;
  // When the script acts: once the client's first bytes (its CONNECT) arrived, or right after accepting.
  bool wait_for_client = true;

  static ServerScript silent();
  // Sends `bytes` once the client has spoken, then closes: e.g. {0x20, 0x02, 0x00}, three of CONNACK's four bytes.
  static ServerScript send_then_close(std::vector<std::uint8_t> bytes);
  static ServerScript send_then_reset(std::vector<std::uint8_t> bytes);
  // Answers the CONNECT with CONNACK `return_code` and closes, as a broker does after a refusal.
  static ServerScript connack(std::uint8_t return_code);
  // Answers the CONNECT with CONNACK 0 (accepted) and then says nothing, whatever the client sends.
  static ServerScript connack_then_silent();
};

class ScriptedServer {
 public:
  explicit ScriptedServer(ServerScript script);  // listens on 127.0.0.1, port chosen by the kernel
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const;  // "mqtt://127.0.0.1:PORT"
  std::size_t accepted() const { return accepted_.load(); }  // connections accepted so far

 private:
  struct Peer {
    int socket = -1;
    bool acted = false;
  };
  void serve();
  void act(Peer& peer);

  ServerScript script_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> accepted_{0};
  std::vector<Peer> peers_;  // only the serving thread touches it until the destructor has joined
  std::thread thread_;
};

}  // namespace mqtt::test_support
