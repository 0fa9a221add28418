// The node registry's rows (docs/cluster.md#node-registry).
#include <gtest/gtest.h>

#include "core/node_record.h"
#include "store_fixture.h"

namespace drawbridge::store {
namespace {

class NodesTest : public StoreFixture {};
BOTH_BACKENDS(NodesTest);

core::NodeRecord node(std::string name, std::string region, core::UnixTime beat) {
    core::NodeRecord n;
    n.name = std::move(name);
    n.region = std::move(region);
    n.version = "drawbridge 0.1.0, schema 12";
    n.listeners = "sftp 0.0.0.0:2022";
    n.started_at = 100;
    n.heartbeat_at = beat;
    return n;
}

TEST_P(NodesTest, HeartbeatsReplaceTheRowAndNodesListByName) {
    store_->save_node(node("node-b", "us-east", 110));
    store_->save_node(node("node-a", "eu-central", 120));
    auto b = node("node-b", "us-east", 130);
    store_->save_node(b);
    const auto nodes = store_->list_nodes();
    ASSERT_EQ(nodes.size(), 2u);
    EXPECT_EQ(nodes[0].name, "node-a");
    EXPECT_EQ(nodes[0].region, "eu-central");
    EXPECT_EQ(nodes[1].name, "node-b");
    EXPECT_EQ(nodes[1].heartbeat_at, 130);
    EXPECT_EQ(nodes[1].listeners, "sftp 0.0.0.0:2022");
    EXPECT_FALSE(nodes[1].stopped_at);
}

TEST_P(NodesTest, StatusIsUpStoppedOrMissing) {
    auto n = node("a", "r", 1000);
    EXPECT_EQ(core::node_status(n, 1000 + core::kNodeMissingSeconds), "up");
    EXPECT_EQ(core::node_status(n, 1001 + core::kNodeMissingSeconds), "missing");
    n.stopped_at = 1005;
    store_->save_node(n);
    const auto back = store_->list_nodes();
    ASSERT_EQ(back.size(), 1u);
    ASSERT_TRUE(back[0].stopped_at);
    EXPECT_EQ(*back[0].stopped_at, 1005);
    EXPECT_EQ(core::node_status(back[0], 1006), "stopped");
}

TEST_P(NodesTest, RemoveForgetsOneNode) {
    store_->save_node(node("a", "r", 1));
    store_->save_node(node("b", "r", 1));
    EXPECT_TRUE(store_->delete_node("a"));
    EXPECT_FALSE(store_->delete_node("a"));
    reopen();
    const auto left = store_->list_nodes();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].name, "b");
}

}  // namespace
}  // namespace drawbridge::store
