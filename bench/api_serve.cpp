// The daemon of the browser benchmarks (bench/ui/*.mjs): hallkeeperd with the Local API as
// api_bench and stream_bench run it (bench/api_daemon.hpp: the demo's five services and five
// windows, open all day), every window staffed and 100 tickets waiting per service, serving
// the screens' files from `--ui-dir`. Prints one JSON line on stdout once it is ready:
//
//   {"port": 41234, "token": "…"}    (token: window 1's officer session; null without the
//                                    counter routes)
//
// and runs until its standard input is closed, then stops the daemon.
//
//   api_serve --ui-dir DIR
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/api_daemon.hpp"

using namespace hk::bench;  // NOLINT(google-build-using-namespace): benchmark
using nlohmann::json;

int main(int argc, char** argv) {
    std::filesystem::path ui_dir;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--ui-dir") == 0) {
            ui_dir = argv[i + 1];
        }
    }
    ApiDaemon daemon(ui_dir);
    for (int w = 1; w <= kApiWindows; ++w) {
        daemon.login(std::to_string(w), std::to_string(1000 + w));
    }
    HttpConnection client(daemon.port());
    for (int i = 0; i < 500; ++i) {
        const auto answer = client.exchange(http_request(
            "POST", "/api/v1/tickets",
            json{{"service", std::string(kApiServices[static_cast<std::size_t>(i % 5)])}}.dump()));
        if (answer.status != 201) {
            fail("POST /api/v1/tickets: " + std::to_string(answer.status) + " " + answer.body);
        }
    }
    json ready{{"port", daemon.port()}, {"token", nullptr}};
    if (has_counter_routes(daemon.port())) {
        ready["token"] = open_session(client, 1);
    }
    std::printf("%s\n", ready.dump().c_str());
    static_cast<void>(std::fflush(stdout));
    for (std::string line; std::getline(std::cin, line);) {
    }
    daemon.stop();
    return 0;
}
