#include "auth/qr_svg.h"

#include <qrencode.h>

#include <memory>

namespace dateline {

Result<std::string> QrSvg(std::string_view text, int module_px) {
  if (text.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("QR text must not contain NUL bytes", "text");
  }
  if (module_px < 1) module_px = 1;
  const std::string copy(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
      QRcode_encodeString8bit(copy.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
  if (!qr) return Status::TooLarge("text does not fit in a QR code", "text");
  constexpr int kQuiet = 4;
  const int width = qr->width;
  const int size = width + 2 * kQuiet;
  std::string path;
  path.reserve(static_cast<std::size_t>(width) * width);
  for (int y = 0; y < width; ++y) {
    int x = 0;
    while (x < width) {
      if ((qr->data[y * width + x] & 1) == 0) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < width && (qr->data[y * width + x + run] & 1) != 0) ++run;
      path += "M" + std::to_string(x + kQuiet) + "," + std::to_string(y + kQuiet) + "h" +
              std::to_string(run) + "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  const std::string px = std::to_string(size * module_px);
  const std::string s = std::to_string(size);
  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + px +
         "\" height=\"" + px + "\" viewBox=\"0 0 " + s + " " + s +
         "\" shape-rendering=\"crispEdges\">";
  svg += "<rect width=\"" + s + "\" height=\"" + s + "\" fill=\"#fff\"/>";
  svg += "<path fill=\"#000\" d=\"" + path + "\"/>";
  svg += "</svg>\n";
  return svg;
}

}  // namespace dateline
