// The report pages (/reports): incidents, service requests, problems and failures, each the
// same report as the API's /api/v1/reports/… (processes/resolution), shown as key figures,
// charts and, beside every chart, the table of its numbers.
#pragma once

#include "http/router.h"
#include "ui/web.h"

namespace kanri::ui {

void register_report_pages(http::Router& router, Web& web);

}  // namespace kanri::ui
