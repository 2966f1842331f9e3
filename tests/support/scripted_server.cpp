#include "support/scripted_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>

namespace mqtt::test_support {

ServerScript ServerScript::silent() { return ServerScript{}; }

ServerScript ServerScript::send_then_close(std::vector<std::uint8_t> bytes) {
  return ServerScript{Action::send_then_close, std::move(bytes), true};
}

ServerScript ServerScript::send_then_reset(std::vector<std::uint8_t> bytes) {
  return ServerScript{Action::send_then_reset, std::move(bytes), true};
}

ServerScript ServerScript::connack(std::uint8_t return_code) {
  return ServerScript{Action::send_then_close, {0x20, 0x02, 0x00, return_code}, true};
}

ServerScript ServerScript::connack_then_silent() {
  return ServerScript{Action::answer_then_silent, {0x20, 0x02, 0x00, 0x00}, true};
}

ScriptedServer::ScriptedServer(ServerScript script) : script_(std::move(script)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 512) != 0) {
    if (listener_ >= 0) ::close(listener_);
    throw std::runtime_error("ScriptedServer: cannot listen on 127.0.0.1");
  }
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

ScriptedServer::~ScriptedServer() {
  stop_ = true;
  thread_.join();
  for (const auto& peer : peers_) {
    if (peer.socket >= 0) ::close(peer.socket);
  }
  ::close(listener_);
}

std::string ScriptedServer::url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }

void ScriptedServer::act(Peer& peer) {
  peer.acted = true;
  if (script_.action == ServerScript::Action::stay_silent) return;
  std::size_t written = 0;
  while (written < script_.bytes.size()) {  // a few bytes to a fresh loopback socket: the buffer takes them
    const auto sent = ::send(peer.socket, script_.bytes.data() + written, script_.bytes.size() - written, MSG_NOSIGNAL);
    if (sent <= 0) break;
    written += static_cast<std::size_t>(sent);
  }
  if (script_.action == ServerScript::Action::send_then_reset) {
    const linger abortive{1, 0};
    ::setsockopt(peer.socket, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  }
  if (script_.action == ServerScript::Action::send_then_close || script_.action == ServerScript::Action::send_then_reset) {
    ::close(peer.socket);
    peer.socket = -1;
  }
}

void ScriptedServer::serve() {
  std::array<std::uint8_t, 4096> discard{};
  while (!stop_) {
    std::vector<pollfd> waiting{{listener_, POLLIN, 0}};
    for (const auto& peer : peers_) {
      if (peer.socket >= 0) waiting.push_back({peer.socket, POLLIN, 0});
    }
    if (::poll(waiting.data(), waiting.size(), 20) <= 0) continue;  // wakes up to notice stop_
    if (waiting[0].revents & POLLIN) {
      for (int socket; (socket = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
        ++accepted_;
        peers_.push_back(Peer{socket, false});
        if (!script_.wait_for_client) act(peers_.back());
      }
    }
    for (std::size_t index = 1; index < waiting.size(); ++index) {
      if (waiting[index].revents == 0) continue;
      for (auto& peer : peers_) {
        if (peer.socket != waiting[index].fd) continue;
        const auto received = ::recv(peer.socket, discard.data(), discard.size(), 0);
        if (received == 0 || (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
          ::close(peer.socket);  // the client went away
          peer.socket = -1;
        } else if (received > 0 && !peer.acted) {
          act(peer);
        }
        break;
      }
    }
  }
}

}  // namespace mqtt::test_support
