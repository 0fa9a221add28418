// `drawbridge node ...`: the node registry (docs/cluster.md#node-registry), the nodes that
// serve this site's database, their regions and last heartbeats.
#include <iostream>

#include "app/cli.h"
#include "app/json.h"

namespace drawbridge::app {

void add_node_commands(CLI::App& app, CliContext& ctx) {
    auto* node = app.add_subcommand("node", "the nodes serving this site (node registry)");
    node->require_subcommand(1);
    {
        auto* list = node->add_subcommand(
            "list", "every node that has served this database: region, status, last heartbeat");
        list->add_flag("--json", ctx.json, "print JSON");
        list->callback([&ctx] {
            Node& n = ctx.open();
            const auto now = n.clock.now();
            const auto nodes = n.store->list_nodes();
            if (ctx.json) {
                std::cout << views::nodes_json(nodes, now).dump(2) << "\n";
                return;
            }
            std::vector<std::vector<std::string>> rows;
            for (const auto& r : nodes)
                rows.push_back({r.name, r.region, std::string(core::node_status(r, now)),
                                core::format_time(r.heartbeat_at), r.version, r.listeners});
            print_table(std::cout,
                        {"name", "region", "status", "heartbeat_at", "version", "listeners"}, rows);
        });
    }
    {
        auto* remove = node->add_subcommand(
            "remove", "forget a node that no longer serves (it reappears if it starts again)");
        auto* name = ctx.hold<std::string>();
        remove->add_option("name", *name, "the node's name")->required();
        remove->callback([&ctx, name] {
            if (!ctx.open().store->delete_node(*name))
                throw std::runtime_error("no node named '" + *name + "' in the registry");
            std::cerr << "removed node " << *name << " from the registry\n";
        });
    }
}

}  // namespace drawbridge::app
