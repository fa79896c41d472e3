// The home page and global search (the requester portal: portal_pages.h).
#pragma once

#include "http/router.h"
#include "ui/web.h"

namespace kanri::ui {

void register_home_pages(http::Router& router, Web& web);

}  // namespace kanri::ui
