// WorkerPool: blocking work runs off the loop thread and its result comes back on it.
#include "daemon/app/worker_pool.hpp"

#include <thread>

#include <catch2/catch.hpp>

using hk::app::WorkerPool;

TEST_CASE("work runs on a pool thread and its result is delivered on the loop thread") {
    boost::asio::io_context loop;
    auto guard = boost::asio::make_work_guard(loop);
    WorkerPool pool(loop, 2);
    const auto loop_thread = std::this_thread::get_id();
    std::thread::id work_thread;
    std::thread::id done_thread;
    int result = 0;

    pool.submit(
        [&] {
            work_thread = std::this_thread::get_id();
            return 42;
        },
        [&](int value) {
            done_thread = std::this_thread::get_id();
            result = value;
            guard.reset();
        });
    loop.run();  // returns once `done` has run and released the guard

    CHECK(result == 42);
    CHECK(work_thread != loop_thread);
    CHECK(done_thread == loop_thread);
}

TEST_CASE("results of several submissions all arrive") {
    boost::asio::io_context loop;
    auto guard = boost::asio::make_work_guard(loop);
    WorkerPool pool(loop, 2);
    int delivered = 0;
    int sum = 0;
    for (int i = 1; i <= 10; ++i) {
        pool.submit([i] { return i; },
                    [&](int value) {
                        sum += value;
                        if (++delivered == 10) {
                            guard.reset();
                        }
                    });
    }
    loop.run();
    CHECK(delivered == 10);
    CHECK(sum == 55);
}

TEST_CASE("work that throws is contained and does not take the pool down") {
    boost::asio::io_context loop;
    auto guard = boost::asio::make_work_guard(loop);
    WorkerPool pool(loop, 1);
    bool failed_delivered = false;
    bool next_delivered = false;
    pool.submit([]() -> int { throw std::runtime_error("vendor library failed"); },
                [&](int) { failed_delivered = true; });
    pool.submit([] { return 1; },
                [&](int) {
                    next_delivered = true;
                    guard.reset();
                });
    loop.run();
    CHECK_FALSE(failed_delivered);
    CHECK(next_delivered);
}
