// The requester portal: the catalogue to order from (an order page per request type, with
// its questions as form controls), the help articles meant for requesters, their own tickets.
#pragma once

#include "http/router.h"
#include "ui/web.h"

namespace kanri::ui {

void register_portal_pages(http::Router& router, Web& web);

}  // namespace kanri::ui
