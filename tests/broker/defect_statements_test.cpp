#include <gtest/gtest.h>

#include "broker/defect.hpp"
#include "catalog/catalog.hpp"

namespace mqtt::broker {
namespace {

// Each defect is checked against the catalog of its own protocol version: the same id can mean different things in
// 3.1.1 and 5.0.
TEST(BrokerDefectStatements, EveryDefectBreaksAServerStatementOfItsVersionsCatalog) {
  for (const auto& info : defect_catalog()) {
    const catalog::Statement* statement = catalog::find(info.statement, info.protocol);
    ASSERT_NE(statement, nullptr) << info.name << " names " << info.statement << ", unknown to " << info.protocol;
    EXPECT_NE(statement->holder, "client") << info.name << ": " << info.statement << " binds clients only";
  }
}

}  // namespace
}  // namespace mqtt::broker
