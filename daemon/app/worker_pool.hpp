// The bounded pool for blocking work (file reads, image processing, vendor SDK calls,
// synthesis). Work runs on a pool thread; its result is handed back on the event loop, so
// state is only ever touched by the loop thread (docs/architecture.md, "Threading").
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

namespace hk::app {

class WorkerPool {
public:
    WorkerPool(boost::asio::io_context& loop, unsigned threads) : loop_(loop), pool_(threads) {}
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;
    ~WorkerPool() { stop(); }

    // Runs `work()` on a pool thread, then `done(result)` on the loop. `work` must not touch
    // loop-owned state. If the loop has stopped by then, `done` is dropped unrun.
    template <class Work, class Done>
    void submit(Work work, Done done) {
        boost::asio::post(pool_, [work = std::move(work), done = std::move(done),
                                  loop = loop_.get_executor()]() mutable {
            try {
                auto result = work();
                boost::asio::post(loop,
                                  [done = std::move(done), result = std::move(result)]() mutable {
                                      done(std::move(result));
                                  });
            } catch (const std::exception& error) {
                // Throwing libraries are wrapped where they are called; this is the backstop
                // that keeps a pool thread (and the daemon) alive if one slips through.
                spdlog::error("background work failed: {}", error.what());
            }
        });
    }

    // Waits for queued work to finish and joins the threads. Idempotent.
    void stop() { pool_.join(); }

private:
    boost::asio::io_context& loop_;
    boost::asio::thread_pool pool_;
};

}  // namespace hk::app
