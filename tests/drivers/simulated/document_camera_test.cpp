// The simulated document camera: generated test pages at the configured or nearest size,
// busy while capturing, sample JPEGs from image_dir in name order with their real sizes,
// broken or missing files as clear errors, and the capture button.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/drivers/simulated/harness.hpp"
#include "tests/support/temp_dir.hpp"

namespace hk::drivers::test {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A minimal JPEG with a frame header of `width` × `height`.
Bytes jpeg(int width, int height) {
    return {0xFF,
            0xD8,
            0xFF,
            0xC0,
            0x00,
            0x0B,
            0x08,
            static_cast<std::uint8_t>(height >> 8),
            static_cast<std::uint8_t>(height & 0xFF),
            static_cast<std::uint8_t>(width >> 8),
            static_cast<std::uint8_t>(width & 0xFF),
            0x01,
            1,
            0x11,
            0,
            0xFF,
            0xD9};
}

void write_bytes(const std::filesystem::path& file, const Bytes& bytes) {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),  // NOLINT(*-reinterpret-cast)
              static_cast<std::streamsize>(bytes.size()));
}

struct Camera {
    explicit Camera(ParameterValues params = {})
        : harness(DeviceClass::document_camera, std::move(params)) {
        harness.start_online();
    }
    Outcome<Image> capture(CaptureRequest request = {}) {
        return harness.complete<Image>([&](Completion<Image> done) {
            harness.device<DocumentCamera>().capture(request, std::move(done));
        });
    }
    Harness harness;
};

TEST_CASE("without image_dir the camera returns a generated test page at its resolution") {
    Camera camera({{"resolution", text_value("1280x720")}});
    const auto frame = camera.capture();
    REQUIRE(frame.ok());
    const auto& image = *frame.result();
    CHECK(image.format == "ppm");
    CHECK(image.width == 1280);
    CHECK(image.height == 720);
    const std::string header = "P6\n1280 720\n255\n";
    REQUIRE(image.bytes.size() == header.size() + std::size_t{1280} * 720 * 3);
    CHECK(std::string(image.bytes.begin(),
                      image.bytes.begin() + static_cast<std::ptrdiff_t>(header.size())) == header);
    CHECK(camera.harness.state("captures") == "1");
    CHECK(camera.harness.state("last_image") == "generated 1280x720");
    CHECK(camera.harness.state("source") == "generated test page");
}

TEST_CASE("a wanted size gets the nearest still size up to the configured resolution") {
    Camera camera({{"resolution", text_value("1920x1080")}});
    const auto small = camera.capture({.width = 1300, .height = 700});
    REQUIRE(small.ok());
    CHECK(small.result()->width == 1280);
    const auto wide = camera.capture({.width = 4000});
    REQUIRE(wide.ok());
    CHECK(wide.result()->width == 1920);  // 2592x1944 is beyond this device's resolution
    CHECK(wide.result()->height == 1080);
    CHECK(camera.capture({.width = 0}).code() == "invalid_request");
    CHECK(camera.capture({.height = -5}).code() == "invalid_request");
}

TEST_CASE("a capture while another runs fails with busy") {
    Camera camera({{"response_delay", ms(50)}, {"resolution", text_value("1280x720")}});
    Outcome<Image> first;
    camera.harness.device<DocumentCamera>().capture({}, first.callback());
    CHECK(camera.harness.state("capturing") == "true");
    const auto second = camera.capture();
    CHECK(second.code() == "busy");
    CHECK(first.calls() == 0);
    REQUIRE(camera.harness.run_until([&] { return first.done(); }));
    CHECK(first.ok());
    CHECK(camera.capture().ok());  // free again
}

TEST_CASE("with image_dir the camera returns its JPEGs in name order, cycling") {
    const hk::test::TempDir dir;
    write_bytes(dir / "b.jpg", jpeg(800, 600));
    write_bytes(dir / "a.jpeg", jpeg(2592, 1944));
    write_bytes(dir / "c.JPG", jpeg(100, 50));
    hk::test::write_file(dir / "notes.txt", "not an image\n");
    std::filesystem::create_directory(dir / "d.jpg");  // a directory, not a file

    Camera camera({{"image_dir", text_value(dir.path().string())}});
    std::vector<std::string> seen;
    for (int i = 0; i < 4; ++i) {
        const auto frame = camera.capture();
        REQUIRE(frame.ok());
        CHECK(frame.result()->format == "jpeg");
        seen.push_back(camera.harness.state("last_image") + " " +
                       std::to_string(frame.result()->width) + "x" +
                       std::to_string(frame.result()->height));
    }
    CHECK(seen == std::vector<std::string>{"a.jpeg 2592x1944", "b.jpg 800x600", "c.JPG 100x50",
                                           "a.jpeg 2592x1944"});
    const auto again = camera.capture();
    REQUIRE(again.ok());
    CHECK(again.result()->bytes == jpeg(800, 600));
    CHECK(camera.harness.state("source") == dir.path().string());
}

TEST_CASE("a file that is not a valid JPEG fails the capture with a clear error") {
    const hk::test::TempDir dir;
    hk::test::write_file(dir / "1-broken.jpg", "this is no JPEG at all");
    Bytes truncated = jpeg(640, 480);
    truncated.resize(8);
    write_bytes(dir / "2-truncated.jpg", truncated);
    write_bytes(dir / "3-empty.jpg", {});
    write_bytes(dir / "4-good.jpg", jpeg(640, 480));

    Camera camera({{"image_dir", text_value(dir.path().string())}});
    const auto broken = camera.capture();
    CHECK(broken.code() == "invalid_image");
    CHECK(broken.result().error().detail ==
          "1-broken.jpg is not a valid JPEG: not a JPEG file (no SOI marker)");
    const auto cut = camera.capture();
    CHECK(cut.code() == "invalid_image");
    CHECK(cut.result().error().detail.starts_with("2-truncated.jpg is not a valid JPEG: "));
    CHECK(camera.capture().code() == "invalid_image");
    CHECK(camera.capture().ok());  // the broken ones do not block the good one
    CHECK(camera.harness.state("captures") == "1");
}

TEST_CASE("a missing or empty image_dir fails the capture with no_image") {
    const hk::test::TempDir dir;
    Camera empty({{"image_dir", text_value(dir.path().string())}});
    const auto none = empty.capture();
    CHECK(none.code() == "no_image");
    CHECK(none.result().error().detail == "no .jpg or .jpeg files in " + dir.path().string());

    Camera missing({{"image_dir", text_value((dir / "nowhere").string())}});
    const auto gone = missing.capture();
    CHECK(gone.code() == "no_image");
    CHECK(gone.result().error().detail.starts_with("cannot read image_dir "));
}

TEST_CASE("the camera's button is an event, press_button refuses arguments and unplugged") {
    Camera camera;
    auto& h = camera.harness;
    REQUIRE(h.act("press_button") == "capture button pressed");
    REQUIRE(h.run_until([&] { return !h.events.empty(); }));
    CHECK(std::holds_alternative<events::CaptureRequested>(h.events[0]));
    CHECK(h.act("press_button", {"twice"}).error() == "press_button takes no arguments");
    REQUIRE(h.act("unplug"));
    CHECK(h.act("press_button").error() == "the device is unplugged");
}

TEST_CASE("the camera's self-test captures a frame") {
    Camera camera({{"resolution", text_value("1280x720")}});
    const auto tested = camera.harness.complete<std::string>(
        [&](auto done) { camera.harness.driver->self_test(std::move(done)); });
    REQUIRE(tested.ok());
    CHECK(*tested.result() == "captured a 1280x720 ppm frame (2764816 bytes)");
}

TEST_CASE("an I/O error fails the capture, stop cancels one under way") {
    Camera camera;
    REQUIRE(camera.harness.act("fail_next", {"1"}));
    CHECK(camera.capture().code() == "io_error");
    CHECK(camera.harness.state("captures") == "0");

    Outcome<Image> outstanding;  // under way until the loop runs
    camera.harness.device<DocumentCamera>().capture({}, outstanding.callback());
    camera.harness.driver->stop();
    REQUIRE(camera.harness.drain());
    CHECK(outstanding.calls() == 1);
    CHECK(outstanding.code() == "cancelled");
}

}  // namespace
}  // namespace hk::drivers::test
