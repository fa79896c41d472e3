// The web UI: the sign-in form and sign-out here; the home page and search (home_pages), the
// requester portal (portal_pages), the visitor's own account (profile_pages) and every record type's pages
// (record_pages). Server-rendered from mustache templates in web/templates; no inline
// scripts or styles, so the Content-Security-Policy forbids both. See docs/web-ui.md.
#pragma once

#include <memory>
#include <string>

#include "api/api.h"
#include "api/gate.h"

namespace kanri::ui {

// Adds every page and GET /assets/{file} to `router`. Templates and the built assets are read
// once, from `web_dir` (share_dir/web); throws std::runtime_error naming a missing template.
void register_pages(http::Router& router, api::ApiContext& context, std::shared_ptr<api::Gate> gate,
                    const std::string& web_dir);

}  // namespace kanri::ui
