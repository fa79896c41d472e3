// The home page, global search and the requester portal.
#pragma once

#include "http/router.h"
#include "ui/web.h"

namespace kanri::ui {

void register_home_pages(http::Router& router, Web& web);

}  // namespace kanri::ui
