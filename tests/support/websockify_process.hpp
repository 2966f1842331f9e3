// Test fixture: Debian's websockify (a WebSocket-to-TCP bridge that is not ours) on a free loopback port in front
// of a TCP target, for the ws:// and wss:// tests against a foreign WebSocket endpoint. With a certificate it also
// takes wss:// on the same port. The destructor stops its whole process group (it forks per connection).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace mqtt::test_support {

struct WebsockifyOptions {
  std::uint16_t target_port = 0;  // 127.0.0.1:target_port
  std::string certificate;        // both set: TLS too
  std::string key;
  std::filesystem::path binary = "/usr/bin/websockify";
};

class WebsockifyProcess {
 public:
  // Starts it and waits until its port accepts TCP; throws std::runtime_error (with its output) when it does not
  // within 10 s.
  explicit WebsockifyProcess(WebsockifyOptions options);
  ~WebsockifyProcess();
  WebsockifyProcess(const WebsockifyProcess&) = delete;
  WebsockifyProcess& operator=(const WebsockifyProcess&) = delete;

  std::uint16_t port() const { return port_; }
  std::string log() const;

 private:
  void stop();
  std::filesystem::path log_path_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace mqtt::test_support
