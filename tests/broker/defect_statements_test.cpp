#include <gtest/gtest.h>

#include "broker/defect.hpp"
#include "catalog/catalog.hpp"

namespace mqtt::broker {
namespace {

TEST(BrokerDefectStatements, EveryDefectBreaksAServerStatementOfTheCatalog) {
  for (const auto& info : defect_catalog()) {
    const catalog::Statement* statement = catalog::find(info.statement, "3.1.1");
    ASSERT_NE(statement, nullptr) << info.name << " names unknown " << info.statement;
    EXPECT_NE(statement->holder, "client") << info.name << ": " << info.statement << " binds clients only";
  }
}

}  // namespace
}  // namespace mqtt::broker
