// A fresh SQLite store in a temporary folder for each test, shared by the store's test files.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "store/store.h"

namespace drawbridge::store {

class StoreFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        std::random_device rd;
        dir_ = std::filesystem::temp_directory_path() /
               ("drawbridge-store-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(dir_);
        reopen();
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }
    // Closes and opens the database again, as a restart would.
    void reopen() {
        store_.reset();
        store_ = open_sqlite_store(file());
    }
    std::filesystem::path file() const { return dir_ / "db.sqlite"; }
    core::User user(const std::string& name) {
        core::User u;
        u.username = name;
        u.created_at = 100;
        store_->create_user(u);
        return u;
    }
    std::filesystem::path dir_;
    std::unique_ptr<Store> store_;
};

}  // namespace drawbridge::store
