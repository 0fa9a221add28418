// `drawbridge mail ...`: the outbox (what was queued, sent or given up, with the relay's
// error) and a test mail. The running server delivers; these commands only write and read the
// store (docs/mail.md).
#include <iostream>

#include "app/cli.h"
#include "app/json.h"

namespace drawbridge::app {

void add_mail_commands(CLI::App& app, CliContext& ctx) {
    auto* mail = app.add_subcommand("mail", "the outbox: queued, sent and failed mail");
    mail->require_subcommand(1);
    {
        auto* list = mail->add_subcommand("list", "list mail, newest first");
        auto* state = ctx.hold<std::string>();
        auto* limit = ctx.hold<int>(50);
        list->add_option("--state", *state, "queued, sending, sent or failed");
        list->add_option("--limit", *limit, "how many (1-1000)")->check(CLI::Range(1, 1000));
        list->add_flag("--json", ctx.json, "print JSON");
        list->callback([&ctx, state, limit] {
            std::optional<core::MailState> filter;
            if (!state->empty()) {
                filter = core::parse_mail_state(*state);
                if (!filter)
                    throw CLI::ValidationError(
                        "--state: expected queued, sending, sent or "
                        "failed, not '" +
                        *state + "'");
            }
            const auto rows = ctx.open().store->list_mail(filter, *limit);
            if (ctx.json) return print_json_list(std::cout, rows);
            std::vector<std::vector<std::string>> table;
            for (const auto& m : rows)
                table.push_back({std::to_string(m.id), core::format_time(m.created_at), m.kind,
                                 m.recipient, std::string(core::to_string(m.state)),
                                 std::to_string(m.attempts), m.last_error});
            print_table(std::cout,
                        {"id", "created_at", "kind", "recipient", "state", "attempts", "error"},
                        table);
        });
    }
    {
        auto* test = mail->add_subcommand(
            "test", "queue a test mail (the running server sends it with the smtp_* settings)");
        auto* to = ctx.hold<std::string>();
        test->add_option("--to", *to, "recipient address")->required();
        test->add_flag("--json", ctx.json, "print JSON");
        test->callback([&ctx, to] {
            const auto m = ctx.open().mail->send_test(*to, auth::Actor{core::Interface::cli, ""});
            if (ctx.json) {
                std::cout << to_json(m).dump(2) << "\n";
                return;
            }
            std::cerr << "queued mail " << m.id << " to " << m.recipient
                      << " (see `drawbridge mail list`)\n";
        });
    }
}

}  // namespace drawbridge::app
