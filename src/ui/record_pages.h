// The pages of every record type, under /r/{collection}: list, detail, create and edit forms,
// transitions, related records, bulk transitions and export.
#pragma once

#include "http/router.h"
#include "ui/web.h"

namespace kanri::ui {

void register_record_pages(http::Router& router, Web& web);

}  // namespace kanri::ui
