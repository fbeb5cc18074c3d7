// The child of the queue crash test: opens a state directory, rebuilds the queue from its log
// and runs random queue operations until it is killed — by a timer of its own, at a random
// moment that may fall inside a store transaction. After each operation is durable it prints
// one acknowledgement line, exactly as an answer would go back to a kiosk.
//
//   queue_crash_child STATE_DIR SEED
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include "daemon/app/queue_service.hpp"
#include "daemon/store/migrations.hpp"
#include "daemon/store/state_dir.hpp"
#include "tests/daemon/queue/queue_test_support.hpp"

using nlohmann::json;

namespace {

constexpr hk::queue::Millis kStep = 30'000;  // simulated time between operations

json random_operation(std::mt19937_64& rng, const hk::queue::HallDefinition& hall) {
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    const auto& window = hall.windows[pick(hall.windows.size())].id;
    switch (pick(8)) {
        case 0:
        case 1:
        case 2:
            return {{"op", "take"}, {"service", hall.services[pick(hall.services.size())].code}};
        case 3:
            return {{"op", "call_next"}, {"window", window}};
        case 4:
            return {{"op", "start"}, {"window", window}};
        case 5:
            return {{"op", "finish"}, {"window", window}};
        case 6:
            return {{"op", "no_show"}, {"window", window}};
        default:
            return {{"op", "login"}, {"window", window}, {"officer", "1001"}};
    }
}

[[noreturn]] void die(const char* what) {
    (void)std::fprintf(stderr, "queue_crash_child: %s\n", what);
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        die("usage: queue_crash_child STATE_DIR SEED");
    }
    std::mt19937_64 rng(std::strtoull(argv[2], nullptr, 10));
    // One run in five is killed during start-up (opening, migrating, replaying the log); the
    // others once the queue runs, somewhere in its first 20 ms of operations.
    const bool kill_during_startup = rng() % 5 == 0;
    const auto arm_killer = [&rng] {
        std::thread([lifetime = std::chrono::microseconds(rng() % 20'000)] {
            std::this_thread::sleep_for(lifetime);
            ::kill(::getpid(), SIGKILL);
        }).detach();
    };
    if (kill_during_startup) {
        arm_killer();
    }

    auto state_dir = hk::store::StateDir::acquire(argv[1]);
    if (!state_dir) {
        die(state_dir.error().message.c_str());
    }
    auto db = hk::store::Database::open(state_dir->database_path());
    if (!db || !hk::store::migrate(*db)) {
        die("cannot open the store");
    }
    hk::store::EventLog log(*db, "crash-node");
    const auto hall = hk::queue::test::small_hall();
    auto queue = hk::app::QueueService::open(*db, log, hall, 480);
    if (!queue) {
        die(queue.error().message.c_str());
    }
    if (!kill_during_startup) {
        arm_killer();
    }
    auto now = std::max(queue->engine().state().now, hk::queue::test::kMonday0800) + kStep;
    while (true) {
        const auto answer = queue->run(now, "crash-test", random_operation(rng, hall));
        if (answer.value("error", "") == "internal") {
            die(answer.dump().c_str());
        }
        if (answer.value("ok", false)) {
            std::printf("%s\n", json{{"at", now}, {"answer", answer}}.dump().c_str());
            (void)std::fflush(stdout);
        }
        now += kStep;
    }
}
