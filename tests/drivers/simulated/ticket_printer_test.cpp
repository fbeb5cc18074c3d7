// The simulated ticket printer: jobs printed one at a time in order, receipts, retried jobs
// recognised by id, paper low/out and the cover as health and as job errors, its actions and
// their bad arguments, and what unplug and stop do to jobs under way.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/drivers/simulated/harness.hpp"

namespace hk::drivers::test {
namespace {

PrintJob ticket(std::string id, const std::string& number = "A001") {
    return PrintJob{.id = std::move(id),
                    .lines = {{.text = number, .align = Align::center, .scale = 3, .bold = true},
                              {.text = "请等候叫号"}},
                    .code = PrintCode{.kind = PrintCode::Kind::qr, .data = "T-123"}};
}

struct Printer {
    explicit Printer(ParameterValues params = {})
        : harness(DeviceClass::ticket_printer, std::move(params)) {
        harness.start_online();
    }

    Outcome<PrintReceipt> print(PrintJob job) {
        return harness.complete<PrintReceipt>([&](Completion<PrintReceipt> done) {
            harness.device<TicketPrinter>().print(std::move(job), std::move(done));
        });
    }
    // Starts a job without waiting for it.
    Outcome<PrintReceipt> start(PrintJob job) {
        Outcome<PrintReceipt> outcome;
        harness.device<TicketPrinter>().print(std::move(job), outcome.callback());
        return outcome;
    }
    [[nodiscard]] DeviceHealth health() const { return harness.health.health(); }

    Harness harness;
};

TEST_CASE("a printed job completes later with its receipt and uses one ticket") {
    Printer printer({{"paper_capacity", int_value(300)}});
    CHECK(printer.health() == DeviceHealth{DeviceState::online, "", "300 tickets left", kNow});
    const auto printed = printer.print(ticket("job-1"));
    REQUIRE(printed.ok());
    CHECK(printed.result()->job_id == "job-1");
    CHECK(printed.result()->printed_at_ms == kNow);
    CHECK(printed.result()->paper_left == 299);
    auto& h = printer.harness;
    CHECK(h.state("paper_left") == "299");
    CHECK(h.state("printed") == "1");
    CHECK(h.state("last_job_id") == "job-1");
    CHECK(h.state("last_ticket") == "A001");
    CHECK(h.state("printing").empty());
    CHECK(h.driver->describe() == "simulated ticket printer, 80mm paper, 300-ticket roll");
}

TEST_CASE("jobs are printed one at a time in the order given") {
    Printer printer({{"response_delay", ms(5)}});
    std::vector<std::string> order;
    auto& device = printer.harness.device<TicketPrinter>();
    for (const char* id : {"j1", "j2", "j3"}) {
        device.print(ticket(id), [&order](std::expected<PrintReceipt, DeviceError> receipt) {
            REQUIRE(receipt);
            order.push_back(receipt->job_id + ":" + std::to_string(receipt->paper_left));
        });
    }
    CHECK(printer.harness.state("printing") == "j1");
    CHECK(printer.harness.state("queued") == "2");
    REQUIRE(printer.harness.run_until([&] { return order.size() == 3; }));
    CHECK(order == std::vector<std::string>{"j1:499", "j2:498", "j3:497"});
    CHECK(printer.harness.state("queued") == "0");
}

TEST_CASE("a retried job completes with its original receipt without using paper") {
    Printer printer;
    const auto first = printer.print(ticket("job-7"));
    REQUIRE(first.ok());
    const auto retry = printer.print(ticket("job-7"));
    REQUIRE(retry.ok());
    CHECK(retry.result()->job_id == "job-7");
    CHECK(retry.result()->paper_left == first.result()->paper_left);
    CHECK(retry.result()->printed_at_ms == first.result()->printed_at_ms);
    CHECK(printer.harness.state("paper_left") == "499");
    CHECK(printer.harness.state("printed") == "1");

    // A retry queued behind its original is recognised when its turn comes.
    auto original = printer.start(ticket("job-8"));
    auto queued_retry = printer.start(ticket("job-8"));
    REQUIRE(printer.harness.run_until([&] { return queued_retry.done(); }));
    REQUIRE(original.ok());
    REQUIRE(queued_retry.ok());
    CHECK(queued_retry.result()->paper_left == original.result()->paper_left);
    CHECK(printer.harness.state("paper_left") == "498");

    // A reprint prints again.
    auto again = ticket("job-7");
    again.reprint = true;
    const auto reprinted = printer.print(again);
    REQUIRE(reprinted.ok());
    CHECK(reprinted.result()->paper_left == 497);
}

TEST_CASE("the printer remembers the last 64 job ids") {
    Printer printer;
    for (int i = 1; i <= 65; ++i) {
        REQUIRE(printer.print(ticket("job-" + std::to_string(i))).ok());
    }
    CHECK(printer.harness.state("paper_left") == "435");
    REQUIRE(printer.print(ticket("job-2")).ok());  // still remembered
    CHECK(printer.harness.state("paper_left") == "435");
    REQUIRE(printer.print(ticket("job-1")).ok());  // forgotten: printed again
    CHECK(printer.harness.state("paper_left") == "434");
}

TEST_CASE("paper low degrades the printer, paper out faults it and fails the jobs") {
    Printer printer({{"paper_capacity", int_value(10)},
                     {"paper_low_at", int_value(2)},
                     {"response_delay", ms(5)}});
    REQUIRE(printer.harness.act("set_paper", {"3"}) == "3 tickets left");
    CHECK(printer.health().state == DeviceState::online);

    std::vector<Outcome<PrintReceipt>> jobs;
    for (const char* id : {"j1", "j2", "j3", "j4", "j5"}) {
        jobs.push_back(printer.start(ticket(id)));
    }
    REQUIRE(printer.harness.run_until([&] { return jobs[0].done(); }));
    CHECK(printer.health().state == DeviceState::degraded);
    CHECK(printer.health().fault == "paper_low");
    CHECK(printer.health().detail == "2 tickets left");
    REQUIRE(printer.harness.run_until([&] { return jobs[4].done(); }));
    CHECK(jobs[1].ok());
    CHECK(jobs[2].ok());
    CHECK(jobs[2].result()->paper_left == 0);
    CHECK(jobs[3].code() == "paper_out");  // queued ones fail too, at once
    CHECK(jobs[4].code() == "paper_out");
    CHECK(printer.health() ==
          DeviceHealth{DeviceState::faulted, "paper_out", "the paper roll is empty", kNow});

    const auto refused = printer.print(ticket("j6"));
    CHECK(refused.code() == "paper_out");
    const auto self_test = printer.harness.complete<std::string>(
        [&](auto done) { printer.harness.driver->self_test(std::move(done)); });
    CHECK(self_test.code() == "paper_out");

    REQUIRE(printer.harness.act("refill") == "refilled: 10 tickets");
    CHECK(printer.health().state == DeviceState::online);
    CHECK(printer.print(ticket("j6")).ok());
}

TEST_CASE("paper running out during a job fails it with paper_out") {
    Printer printer;  // jobs stay under way until the loop runs
    auto job = printer.start(ticket("j1"));
    REQUIRE(printer.harness.act("set_paper", {"0"}));
    REQUIRE(printer.harness.run_until([&] { return job.done(); }));
    CHECK(job.code() == "paper_out");
    CHECK(printer.harness.state("printed") == "0");
}

TEST_CASE("an open cover faults the printer and fails jobs with cover_open") {
    Printer printer;  // jobs stay under way until the loop runs
    auto printing = printer.start(ticket("j1"));
    auto waiting = printer.start(ticket("j2"));
    REQUIRE(printer.harness.act("open_cover") == "cover opened");
    CHECK(printer.health() ==
          DeviceHealth{DeviceState::faulted, "cover_open", "the cover is open", kNow});
    CHECK(printer.harness.state("cover") == "open");
    REQUIRE(printer.harness.run_until([&] { return waiting.done(); }));
    CHECK(printing.code() == "cover_open");
    CHECK(waiting.code() == "cover_open");
    CHECK(printer.print(ticket("j3")).code() == "cover_open");

    REQUIRE(printer.harness.act("close_cover") == "cover closed");
    CHECK(printer.health().state == DeviceState::online);
    CHECK(printer.harness.state("paper_left") == "500");
}

TEST_CASE("the printer's actions refuse bad arguments and impossible changes") {
    Printer printer({{"paper_capacity", int_value(100)}});
    auto& h = printer.harness;
    for (const auto& args :
         std::vector<std::vector<std::string>>{{}, {"x"}, {"-1"}, {"101"}, {"1", "2"}}) {
        CHECK(h.act("set_paper", args).error() ==
              "set_paper takes a number of tickets from 0 to 100");
    }
    CHECK(h.act("refill", {"500"}).error() == "refill takes no arguments");
    CHECK(h.act("close_cover").error() == "the cover is not open");
    REQUIRE(h.act("open_cover"));
    CHECK(h.act("open_cover").error() == "the cover is already open");
    CHECK(h.state("paper_left") == "100");
}

TEST_CASE("invalid print jobs are refused with invalid_request and use no paper") {
    Printer printer;
    PrintJob no_id = ticket("");
    PrintJob nothing{.id = "j"};
    PrintJob too_big = ticket("j");
    too_big.lines[0].scale = 9;
    PrintJob zero = ticket("j");
    zero.lines[1].scale = 0;
    PrintJob bad_text = ticket("j");
    bad_text.lines[1].text = "\xE6\xB5";
    PrintJob empty_code = ticket("j");
    empty_code.code->data.clear();
    for (const auto& job : {no_id, nothing, too_big, zero, bad_text, empty_code}) {
        const auto refused = printer.print(job);
        CHECK(refused.code() == "invalid_request");
    }
    CHECK(printer.print(nothing).result().error().detail ==
          "nothing to print: no lines and no code");
    CHECK(printer.print(too_big).result().error().detail == "line 1: scale 9 is not 1..8");
    CHECK(printer.harness.state("paper_left") == "500");
    PrintJob code_only{.id = "code", .code = PrintCode{.data = "T-1"}};
    CHECK(printer.print(code_only).ok());
}

TEST_CASE("the printer's self-test prints a test ticket") {
    Printer printer;
    const auto tested = printer.harness.complete<std::string>(
        [&](auto done) { printer.harness.driver->self_test(std::move(done)); });
    REQUIRE(tested.ok());
    CHECK(*tested.result() == "printed a test ticket (499 tickets left)");
    CHECK(printer.harness.state("last_job_id").empty());  // not a customer's job
}

TEST_CASE("an I/O error fails a job without using paper") {
    Printer printer;
    REQUIRE(printer.harness.act("fail_next", {"1"}));
    const auto failed = printer.print(ticket("j1"));
    CHECK(failed.code() == "io_error");
    CHECK(printer.harness.state("paper_left") == "500");
    CHECK(printer.harness.health.counters().io_errors == 1);
    const auto retried = printer.print(ticket("j1"));  // not remembered: it was not printed
    REQUIRE(retried.ok());
    CHECK(retried.result()->paper_left == 499);
}

TEST_CASE("unplugging fails the jobs under way with disconnected, later ones with not_ready") {
    Printer printer;  // jobs stay under way until the loop runs
    auto printing = printer.start(ticket("j1"));
    auto waiting = printer.start(ticket("j2"));
    REQUIRE(printer.harness.act("unplug"));
    REQUIRE(printer.harness.run_until([&] { return waiting.done(); }));
    CHECK(printing.code() == "disconnected");
    CHECK(waiting.code() == "disconnected");
    CHECK(printer.print(ticket("j3")).code() == "not_ready");
    // Paper is a physical thing: it can be refilled while unplugged.
    REQUIRE(printer.harness.act("set_paper", {"5"}));
    CHECK(printer.harness.state("paper_left") == "5");
}

TEST_CASE("stop cancels the job printing and the queued ones, each exactly once") {
    Printer printer;  // jobs stay under way until the loop runs
    auto printing = printer.start(ticket("j1"));
    auto waiting = printer.start(ticket("j2"));
    printer.harness.driver->stop();
    CHECK(printing.calls() == 0);
    REQUIRE(printer.harness.drain());
    CHECK(printing.calls() == 1);
    CHECK(waiting.calls() == 1);
    CHECK(printing.code() == "cancelled");
    CHECK(waiting.code() == "cancelled");
    CHECK(printer.harness.state("printed") == "0");
}

}  // namespace
}  // namespace hk::drivers::test
