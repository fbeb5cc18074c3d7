// The hall of the queue benchmarks (queue_bench; store_bench and startup_bench through
// busy_day.hpp): 50 services with Zipf demand, 50 windows allotted to them by workload, each
// serving 1-5 services, the six strategies spread over the windows. Seeded and deterministic.
#pragma once

#include <array>
#include <random>
#include <string>
#include <vector>

#include "daemon/queue/hall.hpp"
#include "daemon/queue/state.hpp"

namespace hk::bench {

using queue::Millis;

inline constexpr Millis kSecond = 1000;
inline constexpr Millis kMinute = 60 * kSecond;
inline constexpr Millis kHour = 60 * kMinute;
// 2026-11-23 00:00 China Standard Time: a Monday, so nothing is special about the day.
inline constexpr Millis kMidnight = 1'795'363'200'000;

inline constexpr int kHallServices = 50;
inline constexpr int kHallWindows = 50;
// Window w (from 0) decides with kHallStrategies[w % 6].
inline constexpr std::array kHallStrategies = {
    queue::StrategyKind::fifo,          queue::StrategyKind::class_priority,
    queue::StrategyKind::counted_ratio, queue::StrategyKind::appointment_slot,
    queue::StrategyKind::longest_wait,  queue::StrategyKind::service_weight};

// How long services take: each service's mean is drawn uniformly from [min, max] minutes, then
// all are scaled so that an average ticket (weighted by demand) takes `mean` minutes.
struct ServiceMinutes {
    double min = 0;
    double max = 0;
    double mean = 0;
};

struct BenchHall {
    queue::HallDefinition hall;
    std::vector<double> demand;        // share of tickets per service, sums to 1
    std::vector<double> mean_minutes;  // mean service time per service
};

// Demand follows a Zipf law over the services (a few items such as real estate or social
// security take most tickets), and windows are allotted to services by workload, the way a hall
// manager staffs counters: the busiest services get several dedicated windows, the rare ones are
// folded into windows that mainly serve something else. Draws from `rng`, which the caller may
// go on using.
[[nodiscard]] BenchHall make_bench_hall(std::mt19937_64& rng, const ServiceMinutes& minutes);

// The code of service s (from 0): "S00" … "S49".
[[nodiscard]] std::string service_code(int s);

// Citizens arrive over 08:30-17:00 (in minutes of the day): a steady trickle plus a morning peak
// around 10:00 and a smaller afternoon one around 14:30. The density is relative to the
// trickle and below kArrivalDensityBound, for drawing arrival times by rejection.
inline constexpr double kArrivalsFrom = 8.5 * 60;
inline constexpr double kArrivalsUntil = 17.0 * 60;
inline constexpr double kArrivalDensityBound = 3.6;
[[nodiscard]] double arrival_density(double minute);

// A citizen of a simulated day.
struct Arrival {
    Millis at = 0;
    int service = 0;
    queue::TicketClass ticket_class = queue::TicketClass::normal;
    bool appointment = false;
    Millis slot_start = 0;
    int misses = 0;  // calls not answered; 2: abandoned by the engine at the second no-show
    Millis service_ms = 0;
};

}  // namespace hk::bench
