// The simulated thermal ticket printer: a FIFO of print jobs, one at a time, each taking
// response_delay; a paper roll that runs low (degraded "paper_low") and out (faulted
// "paper_out"), a cover that opens (faulted "cover_open"), and jobs recognised by id so that a
// retried job is not printed twice. docs/drivers.md walks through this file.
#include <algorithm>
#include <chrono>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "drivers/simulated/common.hpp"
#include "drivers/simulated/text.hpp"

namespace hk::drivers::simulated {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t kRememberedJobs = 64;
constexpr int kMaxScale = 8;
constexpr std::string_view kPaperOut = "paper_out";
constexpr std::string_view kPaperLow = "paper_low";
constexpr std::string_view kCoverOpen = "cover_open";

class SimulatedTicketPrinter final : public SimulatedDevice, public TicketPrinter {
public:
    SimulatedTicketPrinter(const DeviceConfig& config, DriverContext& context)
        : SimulatedDevice(config, context),
          capacity_(static_cast<int>(int_param(config, "paper_capacity"))),
          low_at_(static_cast<int>(int_param(config, "paper_low_at"))),
          paper_width_(string_param(config, "paper_width")),
          paper_left_(capacity_),
          jobs_(io(), timers()) {
        // Paper out or cover open: the waiting jobs fail rather than wait for a technician.
        jobs_.set_gate([this] { return paper_problem(); });
    }
    SimulatedTicketPrinter(const SimulatedTicketPrinter&) = delete;
    SimulatedTicketPrinter& operator=(const SimulatedTicketPrinter&) = delete;
    SimulatedTicketPrinter(SimulatedTicketPrinter&&) = delete;
    SimulatedTicketPrinter& operator=(SimulatedTicketPrinter&&) = delete;
    ~SimulatedTicketPrinter() override { stop(); }

    [[nodiscard]] std::string describe() const override {
        return fmt::format("simulated ticket printer, {} paper, {}-ticket roll", paper_width_,
                           capacity_);
    }

    void print(PrintJob job, Completion<PrintReceipt> done) override {
        if (auto refused = refuse(job)) {
            complete_later<PrintReceipt>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        if (!job.reprint) {
            if (const auto* receipt = printed_before(job.id)) {
                // A retry of a job the printer already confirmed: no second ticket.
                complete_later<PrintReceipt>(io(), std::move(done), *receipt);
                return;
            }
        }
        enqueue(std::move(job), false, std::move(done));
    }

    // Prints a test ticket (it uses paper like any other).
    void self_test(Completion<std::string> done) override {
        auto refused = not_ready();
        if (!refused) {
            refused = paper_problem();
        }
        if (refused) {
            complete_later<std::string>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        PrintJob test{.id = "self-test",
                      .lines = {{.text = "打印机自检 SELF-TEST", .align = Align::center},
                                {.text = fmt::format("{} paper", paper_width_)}},
                      .code = PrintCode{.kind = PrintCode::Kind::qr, .data = "self-test"}};
        enqueue(
            std::move(test), true,
            [done = std::move(done)](std::expected<PrintReceipt, DeviceError> printed) {
                if (!printed) {
                    done(std::unexpected(std::move(printed.error())));
                    return;
                }
                done(fmt::format("printed a test ticket ({} tickets left)", printed->paper_left));
            });
    }

private:
    // ---- SimulatedDevice hooks -------------------------------------------------------------

    [[nodiscard]] std::vector<SimulationAction> class_actions() const override {
        return {
            {"refill", "", "put in a full paper roll"},
            {"set_paper", "N", "set the tickets left on the roll (0: paper out)"},
            {"open_cover", "", "open the cover: faulted \"cover_open\", jobs fail"},
            {"close_cover", "", "close the cover"},
        };
    }

    std::expected<std::string, std::string> class_simulate(
        std::string_view action, const std::vector<std::string>& args) override {
        if (action == "set_paper") {
            const auto count =
                args.size() == 1 ? parse_integer(args[0], 0, capacity_) : std::nullopt;
            if (!count) {
                return std::unexpected(
                    fmt::format("set_paper takes a number of tickets from 0 to {}", capacity_));
            }
            paper_left_ = static_cast<int>(*count);
            paper_changed();
            return fmt::format("{} tickets left", paper_left_);
        }
        if (!args.empty()) {
            return std::unexpected(fmt::format("{} takes no arguments", action));
        }
        if (action == "refill") {
            paper_left_ = capacity_;
            paper_changed();
            return fmt::format("refilled: {} tickets", paper_left_);
        }
        if (action == "open_cover") {
            if (cover_open_) {
                return std::unexpected(std::string("the cover is already open"));
            }
            cover_open_ = true;
            paper_changed();
            return "cover opened";
        }
        // close_cover
        if (!cover_open_) {
            return std::unexpected(std::string("the cover is not open"));
        }
        cover_open_ = false;
        paper_changed();
        return "cover closed";
    }

    [[nodiscard]] std::vector<std::pair<std::string, std::string>> class_state() const override {
        return {
            {"paper_left", std::to_string(paper_left_)},
            {"printed", std::to_string(printed_)},
            {"last_job_id", last_job_id_},
            {"last_ticket", last_ticket_},
            {"cover", cover_open_ ? "open" : "closed"},
            {"printing", jobs_.current_label()},
            {"queued", std::to_string(jobs_.waiting())},
        };
    }

    [[nodiscard]] Condition condition() const override {
        const auto left = fmt::format("{} ticket{} left", paper_left_, paper_left_ == 1 ? "" : "s");
        if (cover_open_) {
            return {DeviceState::faulted, std::string(kCoverOpen), "the cover is open"};
        }
        if (paper_left_ == 0) {
            return {DeviceState::faulted, std::string(kPaperOut), "the paper roll is empty"};
        }
        if (paper_left_ <= low_at_) {
            return {DeviceState::degraded, std::string(kPaperLow), left};
        }
        return {DeviceState::online, "", left};
    }

    void on_link_lost(const DeviceError& why) override { jobs_.fail_all(why); }

    // ---- The printer -----------------------------------------------------------------------

    [[nodiscard]] std::optional<DeviceError> paper_problem() const {
        if (cover_open_) {
            return device_error(kCoverOpen, "the cover is open");
        }
        if (paper_left_ == 0) {
            return device_error(kPaperOut, "the paper roll is empty");
        }
        return std::nullopt;
    }

    // Why `job` cannot be taken now, or nothing.
    [[nodiscard]] std::optional<DeviceError> refuse(const PrintJob& job) const {
        if (auto error = not_ready()) {
            return error;
        }
        const auto invalid = [](std::string detail) {
            return device_error(device_errc::kInvalid, std::move(detail));
        };
        if (job.id.empty()) {
            return invalid("a print job needs an id");
        }
        if (job.lines.empty() && !job.code) {
            return invalid("nothing to print: no lines and no code");
        }
        for (std::size_t i = 0; i < job.lines.size(); ++i) {
            const auto& line = job.lines[i];
            if (line.scale < 1 || line.scale > kMaxScale) {
                return invalid(
                    fmt::format("line {}: scale {} is not 1..{}", i + 1, line.scale, kMaxScale));
            }
            if (!text::is_valid_utf8(line.text)) {
                return invalid(fmt::format("line {} is not valid UTF-8", i + 1));
            }
        }
        if (job.code && job.code->data.empty()) {
            return invalid("the code has no data");
        }
        if (printed_before(job.id) != nullptr && !job.reprint) {
            return std::nullopt;  // answered from memory, paper or not
        }
        return paper_problem();
    }

    [[nodiscard]] const PrintReceipt* printed_before(std::string_view id) const {
        const auto it = std::ranges::find(recent_, id, &PrintReceipt::job_id);
        return it == recent_.end() ? nullptr : &*it;
    }

    void enqueue(PrintJob job, bool test, Completion<PrintReceipt> done) {
        auto label = job.id;
        const bool reprint = job.reprint;
        auto id = job.id;
        jobs_.push<PrintReceipt>(
            std::move(label),
            // A retry queued behind its original is answered from memory, without printing.
            [this, id = std::move(id), reprint, test] {
                const bool known = !test && !reprint && printed_before(id) != nullptr;
                return known ? milliseconds(0) : response_delay();
            },
            [this, job = std::move(job), test] { return perform(job, test); }, std::move(done));
    }

    std::expected<PrintReceipt, DeviceError> perform(const PrintJob& job, bool test) {
        if (!test && !job.reprint) {
            if (const auto* receipt = printed_before(job.id)) {
                return *receipt;
            }
        }
        if (auto problem = paper_problem()) {
            return std::unexpected(*problem);
        }
        if (auto failed = io_failure()) {
            return std::unexpected(*failed);
        }
        --paper_left_;
        ++printed_;
        PrintReceipt receipt{.job_id = job.id,
                             .printed_at_ms = context().now_ms ? context().now_ms() : 0,
                             .paper_left = paper_left_};
        if (!test) {
            recent_.push_back(receipt);
            if (recent_.size() > kRememberedJobs) {
                recent_.pop_front();
            }
            last_job_id_ = job.id;
            last_ticket_ = job.lines.empty() ? "" : job.lines.front().text;
        }
        refresh_health();  // the waiting jobs meet the queue's gate when paper ran out
        return receipt;
    }

    // The roll or the cover changed: new health, and a job under way fails when the paper is
    // gone or the cover opened.
    void paper_changed() {
        if (auto problem = paper_problem()) {
            jobs_.fail_all(*problem);
        }
        refresh_health();
    }

    int capacity_;
    int low_at_;
    std::string paper_width_;
    int paper_left_;
    bool cover_open_ = false;
    std::uint64_t printed_ = 0;
    std::string last_job_id_;
    std::string last_ticket_;
    std::deque<PrintReceipt> recent_;  // the last kRememberedJobs jobs printed, oldest first
    OpQueue jobs_;
};

}  // namespace

std::unique_ptr<Driver> make_ticket_printer(const DeviceConfig& config, DriverContext& context) {
    return std::make_unique<SimulatedTicketPrinter>(config, context);
}

}  // namespace hk::drivers::simulated
