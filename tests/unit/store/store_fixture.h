// A fresh store for each test, shared by the store's test files. StoreFixture runs each test
// on both backends (TEST_P; BOTH_BACKENDS instantiates a suite): SQLite in a temporary folder,
// and PostgreSQL in a database of its own on the test process's server (pg_server.h).
// SqliteFixture is for the tests that are about SQLite itself (its file, WAL, PRAGMAs).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "pg_server.h"
#include "store/pg_connection.h"
#include "store/store.h"

namespace drawbridge::store {

enum class Backend { sqlite, postgresql };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::sqlite ? "sqlite" : "postgresql";
}

class StoreFixtureBase {
  protected:
    void open(Backend backend) {
        backend_ = backend;
        std::random_device rd;
        dir_ = std::filesystem::temp_directory_path() /
               ("drawbridge-store-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(dir_);
        if (backend == Backend::postgresql) uri_ = testing::PgServer::get().new_database();
        reopen();
    }
    void close() {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }
    // Closes and opens the database again, as a restart would (PostgreSQL: a new store on the
    // same database).
    void reopen() {
        store_.reset();
        store_ =
            backend_ == Backend::sqlite ? open_sqlite_store(file()) : open_postgres_store(uri_);
    }
    std::unique_ptr<Store> open_another() {
        return backend_ == Backend::sqlite ? open_sqlite_store(file()) : open_postgres_store(uri_);
    }
    std::filesystem::path file() const { return dir_ / "db.sqlite"; }
    // Runs SQL on the database through a connection of its own, as an operator would.
    void exec_sql(const std::string& sql) {
        if (backend_ == Backend::postgresql) {
            pg::Connection(uri_).script(sql);
            return;
        }
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(file().c_str(), &db), SQLITE_OK);
        char* error = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
        EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "") << "\n" << sql;
        sqlite3_free(error);
        sqlite3_close(db);
    }
    std::int64_t exec_int(const std::string& sql) {
        if (backend_ == Backend::postgresql) return pg::Connection(uri_).exec(sql).i64(0, 0);
        sqlite3* db = nullptr;
        EXPECT_EQ(sqlite3_open(file().c_str(), &db), SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
        std::int64_t v = -1;
        if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
    }
    // The statement that records schema version v (SQLite: PRAGMA user_version).
    std::string set_schema_version(int v) const {
        return backend_ == Backend::sqlite
                   ? "PRAGMA user_version = " + std::to_string(v)
                   : "UPDATE drawbridge_schema SET version = " + std::to_string(v);
    }
    core::User user(const std::string& name) {
        core::User u;
        u.username = name;
        u.created_at = 100;
        store_->create_user(u);
        return u;
    }
    Backend backend_ = Backend::sqlite;
    std::filesystem::path dir_;
    std::string uri_;
    std::unique_ptr<Store> store_;
};

class StoreFixture : public ::testing::TestWithParam<Backend>, public StoreFixtureBase {
  protected:
    void SetUp() override { open(GetParam()); }
    void TearDown() override { close(); }
};

class SqliteFixture : public ::testing::Test, public StoreFixtureBase {
  protected:
    void SetUp() override { open(Backend::sqlite); }
    void TearDown() override { close(); }
};

#define BOTH_BACKENDS(suite)  \
    INSTANTIATE_TEST_SUITE_P( \
        Backends, suite, ::testing::Values(Backend::sqlite, Backend::postgresql), backend_name)

}  // namespace drawbridge::store
