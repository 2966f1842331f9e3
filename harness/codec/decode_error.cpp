#include "codec/decode_error.hpp"

namespace mqtt {

std::string describe(const DecodeError& error) {
  std::string text = "byte " + std::to_string(error.offset);
  if (error.packet_type) {
    text += ", ";
    text += to_string(*error.packet_type);
  }
  text += ": ";
  text += error.message;
  if (!error.statement.empty()) {
    text += " [" + error.statement + "]";
  }
  return text;
}

}  // namespace mqtt
