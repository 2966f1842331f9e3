// Test support: RFC 6455 frames and the HTTP Upgrade exchange that carry MQTT over WebSocket.
#pragma once

#include "codec/packet.hpp"

namespace mqtt::capture::test {

// One binary frame (FIN set) around `payload`; client frames are masked (with a fixed key), server frames not.
Bytes websocket_frame(const Bytes& payload, bool masked);
Bytes websocket_upgrade_request();   // the client's GET with Upgrade: websocket, protocol mqtt
Bytes websocket_upgrade_response();  // the server's 101 Switching Protocols

}  // namespace mqtt::capture::test
