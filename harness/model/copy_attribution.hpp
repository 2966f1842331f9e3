// Which publication a received PUBLISH carries. A payload with an `mh1` token names its message; any other is
// known only by topic and payload, so several publications may share it (two empty retained deletes of one
// topic, the same reading sent twice), and the copy is attributed to the one that explains it best.
// Attributing it to another would accuse the broker of what it did not do.
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// The message `publish` (received on `conn` at `event`) carries, or no_message when the history never saw it
// published.
std::size_t attribute_copy(const ModelState& model, const Connection& conn, const Publish& publish,
                           const Event& event);

}  // namespace mqtt::model::detail
