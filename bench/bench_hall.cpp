// The hall of the queue benchmarks: see bench_hall.hpp.
#include "bench/bench_hall.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

#include <fmt/format.h>

namespace hk::bench {
namespace {

std::string service_prefix(int s) {
    if (s < 26) {
        return std::string(1, static_cast<char>('A' + s));
    }
    return std::string{'Z', static_cast<char>('A' + (s - 26))};
}

}  // namespace

std::string service_code(int s) {
    return fmt::format("S{:02}", s);
}

double arrival_density(double minute) {
    const auto peak = [&](double centre, double height) {
        const double z = (minute - centre) / 50.0;
        return height * std::exp(-0.5 * z * z);
    };
    return 1.0 + peak(10.0 * 60, 2.5) + peak(14.5 * 60, 1.8);
}

BenchHall make_bench_hall(std::mt19937_64& rng, const ServiceMinutes& minutes) {
    BenchHall model;
    std::uniform_real_distribution<double> drawn_minutes(minutes.min, minutes.max);
    double demand_sum = 0;
    for (int s = 0; s < kHallServices; ++s) {
        queue::ServiceItem item;
        item.code = service_code(s);
        item.name_zh = "事项" + item.code;
        item.name_en = "Service " + item.code;
        item.prefix = service_prefix(s);
        item.number_width = 4;
        model.hall.services.push_back(std::move(item));
        model.demand.push_back(1.0 / (s + 1));
        demand_sum += model.demand.back();
        model.mean_minutes.push_back(drawn_minutes(rng));
    }
    double weighted_mean = 0;
    for (int s = 0; s < kHallServices; ++s) {
        model.demand[s] /= demand_sum;
        weighted_mean += model.demand[s] * model.mean_minutes[s];
    }
    for (auto& m : model.mean_minutes) {
        m *= minutes.mean / weighted_mean;
    }

    // A primary service per window by highest averages (D'Hondt) on workload.
    std::vector<int> windows_of(kHallServices, 0);
    std::vector<std::vector<int>> serves(kHallWindows);
    for (int w = 0; w < kHallWindows; ++w) {
        int best = 0;
        double best_quotient = -1;
        for (int s = 0; s < kHallServices; ++s) {
            const double quotient = model.demand[s] * model.mean_minutes[s] / (windows_of[s] + 1);
            if (quotient > best_quotient) {
                best = s;
                best_quotient = quotient;
            }
        }
        ++windows_of[best];
        serves[w].push_back(best);
    }
    // Every service needs a window: the uncovered ones go to the windows serving the fewest.
    for (int s = 0; s < kHallServices; ++s) {
        if (windows_of[s] > 0) {
            continue;
        }
        auto& fewest =
            *std::min_element(serves.begin(), serves.end(),
                              [](const auto& a, const auto& b) { return a.size() < b.size(); });
        fewest.push_back(s);
        ++windows_of[s];
    }
    // Then some more sharing, up to five services a window, as cross-trained staff do.
    std::uniform_int_distribution<int> extra(0, 3);
    std::uniform_int_distribution<int> any_service(0, kHallServices - 1);
    for (auto& list : serves) {
        for (int n = extra(rng); n > 0 && list.size() < 5; --n) {
            const int s = any_service(rng);
            if (std::find(list.begin(), list.end(), s) == list.end()) {
                list.push_back(s);
            }
        }
    }
    std::uniform_int_distribution<int> weight(1, 10);
    for (int w = 0; w < kHallWindows; ++w) {
        queue::Window window;
        window.id = std::to_string(w + 1);
        window.name = window.id + "号窗口";
        window.area = w < kHallWindows / 2 ? "一楼综合区" : "二楼专区";
        for (const int s : serves[w]) {
            window.serves.push_back({service_code(s), weight(rng)});
        }
        window.strategy.kind =
            kHallStrategies[static_cast<std::size_t>(w) % kHallStrategies.size()];
        model.hall.windows.push_back(std::move(window));
    }
    return model;
}

}  // namespace hk::bench
