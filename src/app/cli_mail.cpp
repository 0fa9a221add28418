// `drawbridge mail ...`: the outbox (what was queued, sent or given up, with the relay's
// error) and a test mail. The running server delivers; these commands only write and read the
// store (docs/mail.md).
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli.h"
#include "app/json.h"

namespace drawbridge::app {
namespace {

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CLI::ValidationError("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

nlohmann::json template_json(const mail::Flows::TemplateView& v) {
    return {{"kind", v.text.kind},
            {"subject", v.text.subject},
            {"text", v.text.text},
            {"html", v.text.html},
            {"custom", v.custom}};
}

void add_template_commands(CLI::App& mail, CliContext& ctx) {
    auto* tpl = mail.add_subcommand("template", "the texts of mail, per kind");
    tpl->require_subcommand(1);
    {
        auto* list = tpl->add_subcommand("list", "every kind with its subject (--json: all)");
        list->add_flag("--json", ctx.json, "print JSON");
        list->callback([&ctx] {
            const auto all = ctx.open().mail->templates();
            if (ctx.json) {
                auto arr = nlohmann::json::array();
                for (const auto& v : all) arr.push_back(template_json(v));
                std::cout << arr.dump(2) << "\n";
                return;
            }
            std::vector<std::vector<std::string>> rows;
            for (const auto& v : all)
                rows.push_back({v.text.kind, v.custom ? "custom" : "default", v.text.subject});
            print_table(std::cout, {"kind", "source", "subject"}, rows);
        });
    }
    {
        auto* set = tpl->add_subcommand(
            "set", "replace a kind's subject and bodies (what is not given stays)");
        auto* kind = ctx.hold<std::string>();
        auto* subject = ctx.hold<std::string>();
        auto* text_file = ctx.hold<std::string>();
        auto* html_file = ctx.hold<std::string>();
        set->add_option("kind", *kind, "welcome, signup, reset, reminder or test")->required();
        set->add_option("--subject", *subject, "the subject line");
        set->add_option("--text-file", *text_file, "the plain-text body");
        set->add_option("--html-file", *html_file, "the HTML body");
        set->callback([&ctx, kind, subject, text_file, html_file] {
            Node& node = ctx.open();
            core::MailTemplateText t{*kind, "", "", "", 0};
            for (const auto& v : node.mail->templates())
                if (v.text.kind == *kind) t = v.text;
            if (!subject->empty()) t.subject = *subject;
            if (!text_file->empty()) t.text = read_text_file(*text_file);
            if (!html_file->empty()) t.html = read_text_file(*html_file);
            node.mail->set_template(t, auth::Actor{core::Interface::cli, ""});
            std::cerr << "mail template " << *kind << " changed\n";
        });
    }
    {
        auto* reset = tpl->add_subcommand("reset", "go back to the shipped text of a kind");
        auto* kind = ctx.hold<std::string>();
        reset->add_option("kind", *kind, "welcome, signup, reset, reminder or test")->required();
        reset->callback([&ctx, kind] {
            ctx.open().mail->reset_template(*kind, auth::Actor{core::Interface::cli, ""});
            std::cerr << "mail template " << *kind << " is the default again\n";
        });
    }
}

}  // namespace

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
    add_template_commands(*mail, ctx);
}

}  // namespace drawbridge::app
