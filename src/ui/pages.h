// The web pages served so far: the sign-in form (POST /login), sign-out, and a first home
// page that shows who is signed in. Server-rendered from mustache templates in web/templates;
// no inline scripts or styles, so the Content-Security-Policy forbids both.
#pragma once

#include <memory>
#include <string>

#include "api/api.h"
#include "api/gate.h"

namespace kanri::ui {

// Adds GET/POST /login, POST /logout, GET / and GET /assets/{file} to `router`. Templates and
// assets are read once, from `web_dir` (share_dir/web); throws std::runtime_error naming a
// missing file.
void register_pages(http::Router& router, api::ApiContext& context, std::shared_ptr<api::Gate> gate,
                    const std::string& web_dir);

}  // namespace kanri::ui
