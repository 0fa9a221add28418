// A LoginGate over a real SQLite store in a temporary directory, with a manual clock.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>

#include "audit/action_log.h"
#include "auth/accounts.h"
#include "auth/login_gate.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "store/store.h"

namespace drawbridge::testing {

// Made by `ssh-keygen -t ed25519 -C alice@laptop`; its fingerprint per `ssh-keygen -lf`.
inline constexpr const char* kAliceKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDnOx2zBZYw8uC7Na1C/vVoLH6bWY8UTnP3naDms8JMM alice@laptop";
inline constexpr const char* kAliceFingerprint =
    "SHA256:6nCeUs5PV8G6medY07CP720AKQg/SVLaoOmmT1jdXc4";
inline constexpr const char* kOtherKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcTYDXPQ7K4Wcq5U3d99IJD6yOQD9ezykRB1ON+bXVx other";

inline constexpr const char* kGoodPassword = "Correct-Horse-9-Battery";
inline constexpr core::UnixTime kNow = 1795000000;  // 2026-11-18

class GateTest : public ::testing::Test {
  protected:
    void SetUp() override { open(1000); }

    void open(std::uint32_t iterations, std::string region = "eu-west") {
        gate_.reset();
        accounts_.reset();
        log_.reset();
        store_.reset();
        if (dir_.empty()) {
            std::random_device rd;
            dir_ = std::filesystem::temp_directory_path() /
                   ("drawbridge-gate-" + std::to_string(rd()) + std::to_string(rd()));
            std::filesystem::create_directories(dir_);
        }
        store_ = store::open_sqlite_store(dir_ / "test.db");
        log_ = std::make_unique<audit::ActionLog>(*store_, clock_);
        auth::GateOptions options{iterations, region};
        options.countries = countries_;
        gate_ = std::make_unique<auth::LoginGate>(*store_, *log_, clock_, std::move(options));
        roots_ = std::make_unique<auth::UserRoots>(dir_, dir_ / "files",
                                                   std::vector<std::filesystem::path>{});
        accounts_ = std::make_unique<auth::Accounts>(*store_, *log_, clock_, iterations, *roots_);
    }

    void TearDown() override {
        gate_.reset();
        accounts_.reset();
        log_.reset();
        store_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    core::User add_user(const std::string& name,
                        core::AuthMethod method = core::AuthMethod::password,
                        auth::FieldValues fields = {}) {
        auth::NewUser spec;
        spec.username = name;
        spec.fields = std::move(fields);
        spec.fields.insert(spec.fields.begin(),
                           {"authentication_method", std::string(core::to_string(method))});
        if (method == core::AuthMethod::password ||
            method == core::AuthMethod::password_and_ssh_key)
            spec.password = kGoodPassword;
        return accounts_->create_user(spec, {});
    }

    void set(const std::string& user, const std::string& field, const std::string& value) {
        accounts_->update_user(user, {{field, value}}, {});
    }

    core::LoginOutcome password(const std::string& user, const std::string& secret,
                                core::Interface i = core::Interface::sftp,
                                const std::string& ip = "198.51.100.7") {
        core::LoginAttempt a{user, i, ip, core::PasswordCredential{secret}, {}, {}};
        a.multi_step = i == core::Interface::sftp;  // as the protocols set it
        return gate_->attempt(a);
    }

    core::LoginOutcome key(const std::string& user, const std::string& line,
                           core::Interface i = core::Interface::sftp,
                           const std::string& ip = "198.51.100.7") {
        const auto space = std::string(line).find(' ');
        const std::string b64 = line.substr(space + 1, line.find(' ', space + 1) - space - 1);
        core::PublicKeyCredential c{line.substr(0, space), *core::crypto::base64_decode(b64)};
        core::LoginAttempt a{user, i, ip, c, {}, {}};
        a.multi_step = i == core::Interface::sftp;
        return gate_->attempt(a);
    }

    core::ActionLogEntry last_entry() {
        core::ActionLogQuery q;
        q.limit = 1;
        auto page = store_->query_actions(q);
        EXPECT_FALSE(page.entries.empty());
        return page.entries.empty() ? core::ActionLogEntry{} : page.entries.front();
    }

    std::size_t count_entries(const std::string& action) {
        core::ActionLogQuery q;
        q.action = action;
        q.limit = 1000;
        return store_->query_actions(q).entries.size();
    }

    std::filesystem::path dir_;
    std::shared_ptr<const core::CountryDatabaseFile> countries_;  // set before open()
    core::ManualClock clock_{kNow};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<audit::ActionLog> log_;
    std::unique_ptr<auth::LoginGate> gate_;
    std::unique_ptr<auth::UserRoots> roots_;
    std::unique_ptr<auth::Accounts> accounts_;
};

}  // namespace drawbridge::testing
