// Percentiles of a benchmark's samples, as the benchmarks print them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace hk::bench {

struct Percentiles {
    std::size_t n = 0;
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double max = 0;
    double sum = 0;
};

// The sample at each rank (nearest rank below), the largest, and the sum; zeros when empty.
inline Percentiles percentiles(std::vector<double> samples) {
    if (samples.empty()) {
        return {};
    }
    std::sort(samples.begin(), samples.end());
    const auto at = [&](double q) {
        return samples[static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1))];
    };
    Percentiles p{samples.size(), at(0.5), at(0.9), at(0.99), samples.back(), 0};
    for (const double s : samples) {
        p.sum += s;
    }
    return p;
}

}  // namespace hk::bench
