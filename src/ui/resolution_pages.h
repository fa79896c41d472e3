// Pages of the resolution process beyond the generic record pages: the suggestions panel of an
// incident (known errors, knowledge articles and similar incidents, each with why it came up).
#pragma once

#include "http/router.h"
#include "ui/web.h"

namespace kanri::ui {

// Registered before the generic record pages, whose /r/{collection}/… routes would match first.
void register_resolution_pages(http::Router& router, Web& web);

}  // namespace kanri::ui
