// The visitor's own account pages under /me.
#pragma once

#include "http/router.h"
#include "ui/web.h"

namespace kanri::ui {

void register_profile_pages(http::Router& router, Web& web);

}  // namespace kanri::ui
