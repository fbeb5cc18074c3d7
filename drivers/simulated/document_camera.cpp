// The simulated document camera (高拍仪): one capture at a time, each taking response_delay;
// the frame is the next JPEG of image_dir, in name order and cycling, or else a generated test
// page (PPM) at the configured resolution. Its capture button (press_button) is an event.
//
// The sample JPEGs are read on the loop, synchronously: they are small files on local disk
// (at most kMaxImageBytes), read once per capture, so the loop stalls for a millisecond or so.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "drivers/simulated/common.hpp"
#include "drivers/simulated/image.hpp"

namespace hk::drivers::simulated {
namespace {

constexpr std::uintmax_t kMaxImageBytes = std::uintmax_t{16} * 1024 * 1024;
constexpr std::string_view kNoImage = "no_image";
constexpr std::string_view kInvalidImage = "invalid_image";

// The still sizes of the camera model; a device has those up to its configured resolution.
constexpr std::array<image::Size, 3> kStillSizes = {{{1280, 720}, {1920, 1080}, {2592, 1944}}};

image::Size parse_resolution(std::string_view text) {
    const auto x = text.find('x');
    if (x != std::string_view::npos) {
        const auto width = parse_integer(text.substr(0, x), 1, 8192);
        const auto height = parse_integer(text.substr(x + 1), 1, 8192);
        if (width && height) {
            return {static_cast<int>(*width), static_cast<int>(*height)};
        }
    }
    return kStillSizes[1];  // cannot happen: the manifest's choices are all well formed
}

bool is_jpeg_name(const std::filesystem::path& file) {
    auto extension = file.extension().string();
    std::ranges::transform(extension, extension.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension == ".jpg" || extension == ".jpeg";
}

class SimulatedDocumentCamera final : public SimulatedDevice, public DocumentCamera {
public:
    SimulatedDocumentCamera(const DeviceConfig& config, DriverContext& context)
        : SimulatedDevice(config, context),
          resolution_(parse_resolution(string_param(config, "resolution"))),
          image_dir_(string_param(config, "image_dir")),
          ops_(io(), timers()) {}
    SimulatedDocumentCamera(const SimulatedDocumentCamera&) = delete;
    SimulatedDocumentCamera& operator=(const SimulatedDocumentCamera&) = delete;
    SimulatedDocumentCamera(SimulatedDocumentCamera&&) = delete;
    SimulatedDocumentCamera& operator=(SimulatedDocumentCamera&&) = delete;
    ~SimulatedDocumentCamera() override { stop(); }

    [[nodiscard]] std::string describe() const override {
        return fmt::format(
            "simulated document camera, {}x{}, {}", resolution_.width, resolution_.height,
            image_dir_.empty() ? "generated test page" : fmt::format("images from {}", image_dir_));
    }

    void capture(CaptureRequest request, Completion<Image> done) override {
        auto refused = busy_or_not_ready();
        if (!refused &&
            ((request.width && *request.width <= 0) || (request.height && *request.height <= 0))) {
            refused = device_error(device_errc::kInvalid, "the wanted size must be positive");
        }
        if (refused) {
            complete_later<Image>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        const auto size = nearest_size(request);
        ops_.push<Image>(
            "capture", [this] { return response_delay(); }, [this, size] { return take(size); },
            std::move(done));
    }

    // Captures a frame at the largest size and says what came out.
    void self_test(Completion<std::string> done) override {
        if (auto refused = busy_or_not_ready()) {
            complete_later<std::string>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        ops_.push<Image>(
            "self-test", [this] { return response_delay(); }, [this] { return take(resolution_); },
            [done = std::move(done)](std::expected<Image, DeviceError> frame) {
                if (!frame) {
                    done(std::unexpected(std::move(frame.error())));
                    return;
                }
                done(fmt::format("captured a {}x{} {} frame ({} bytes)", frame->width,
                                 frame->height, frame->format, frame->bytes.size()));
            });
    }

private:
    [[nodiscard]] std::vector<SimulationAction> class_actions() const override {
        return {{"press_button", "", "press the camera's capture button"}};
    }

    std::expected<std::string, std::string> class_simulate(
        std::string_view /*action: press_button*/, const std::vector<std::string>& args) override {
        if (!args.empty()) {
            return std::unexpected(std::string("press_button takes no arguments"));
        }
        if (auto why = not_connected()) {
            return std::unexpected(*why);
        }
        emit_later(events::CaptureRequested{});
        return "capture button pressed";
    }

    [[nodiscard]] std::vector<std::pair<std::string, std::string>> class_state() const override {
        return {
            {"capturing", ops_.busy() ? "true" : "false"},
            {"captures", std::to_string(captures_)},
            {"last_image", last_image_},
            {"source", image_dir_.empty() ? "generated test page" : image_dir_},
        };
    }

    void on_link_lost(const DeviceError& why) override { ops_.fail_all(why); }

    [[nodiscard]] std::optional<DeviceError> busy_or_not_ready() const {
        if (auto error = not_ready()) {
            return error;
        }
        if (ops_.busy()) {
            return device_error(device_errc::kBusy, "a capture is under way");
        }
        return std::nullopt;
    }

    // The still size nearest the wanted one, among those up to the configured resolution.
    [[nodiscard]] image::Size nearest_size(const CaptureRequest& request) const {
        if (!request.width && !request.height) {
            return resolution_;
        }
        image::Size best = resolution_;
        long best_distance = -1;
        for (const auto& size : kStillSizes) {
            if (size.width > resolution_.width || size.height > resolution_.height) {
                continue;
            }
            const long distance = (request.width ? std::labs(size.width - *request.width) : 0) +
                                  (request.height ? std::labs(size.height - *request.height) : 0);
            if (best_distance < 0 || distance < best_distance) {
                best = size;
                best_distance = distance;
            }
        }
        return best;
    }

    std::expected<Image, DeviceError> take(image::Size size) {
        if (auto failed = io_failure()) {
            return std::unexpected(*failed);
        }
        auto frame =
            image_dir_.empty()
                ? std::expected<Image, DeviceError>(image::test_page(size.width, size.height))
                : next_file();
        if (frame) {
            ++captures_;
            if (image_dir_.empty()) {
                last_image_ = fmt::format("generated {}x{}", frame->width, frame->height);
            }
        }
        return frame;
    }

    // The next JPEG of image_dir in name order (the list is read again each time, so files
    // can be added while the hall runs).
    std::expected<Image, DeviceError> next_file() {
        const std::filesystem::path dir(image_dir_);
        std::error_code error;
        std::vector<std::filesystem::path> files;
        std::filesystem::directory_iterator it(dir, error);
        for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
            std::error_code type_error;
            if (it->is_regular_file(type_error) && is_jpeg_name(it->path())) {
                files.push_back(it->path());
            }
        }
        if (error) {
            return std::unexpected(device_error(
                kNoImage,
                fmt::format("cannot read image_dir {}: {}", image_dir_, error.message())));
        }
        if (files.empty()) {
            return std::unexpected(
                device_error(kNoImage, fmt::format("no .jpg or .jpeg files in {}", image_dir_)));
        }
        std::ranges::sort(files);
        const auto& file = files[next_image_ % files.size()];
        ++next_image_;  // a broken file is skipped next time, not retried forever
        last_image_ = file.filename().string();

        const auto size = std::filesystem::file_size(file, error);
        if (error) {
            return std::unexpected(device_error(
                kNoImage, fmt::format("cannot read {}: {}", last_image_, error.message())));
        }
        if (size > kMaxImageBytes) {
            return std::unexpected(device_error(
                kInvalidImage,
                fmt::format("{} is larger than {} bytes", last_image_, kMaxImageBytes)));
        }
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
        std::ifstream in(file, std::ios::binary);
        in.read(reinterpret_cast<char*>(bytes.data()),  // NOLINT(*-reinterpret-cast)
                static_cast<std::streamsize>(bytes.size()));
        if (!in || in.gcount() != static_cast<std::streamsize>(bytes.size())) {
            return std::unexpected(
                device_error(kNoImage, fmt::format("cannot read {}", last_image_)));
        }
        const auto parsed = image::jpeg_size(bytes);
        if (!parsed) {
            return std::unexpected(device_error(
                kInvalidImage,
                fmt::format("{} is not a valid JPEG: {}", last_image_, parsed.error())));
        }
        return Image{.width = parsed->width,
                     .height = parsed->height,
                     .format = "jpeg",
                     .bytes = std::move(bytes)};
    }

    image::Size resolution_;
    std::string image_dir_;
    std::size_t next_image_ = 0;
    std::string last_image_;
    std::uint64_t captures_ = 0;
    OpQueue ops_;
};

}  // namespace

std::unique_ptr<Driver> make_document_camera(const DeviceConfig& config, DriverContext& context) {
    return std::make_unique<SimulatedDocumentCamera>(config, context);
}

}  // namespace hk::drivers::simulated
