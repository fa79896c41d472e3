// The REST API /api/v1: routes for every record type in the model and for the platform's
// own resources (session, me, users, groups, roles, tokens, sessions, journal), with
// authentication by bearer token or session cookie, and errors as RFC 9457 problem+json in
// the caller's language.
#pragma once

#include <memory>

#include "auth/authenticator.h"
#include "auth/directory.h"
#include "core/config.h"
#include "core/messages.h"
#include "core/time.h"
#include "engine/record_extras.h"
#include "engine/record_service.h"
#include "http/router.h"
#include "notify/admin.h"

namespace kanri::api {

struct ApiContext {
  engine::RecordService& records;
  auth::Directory& directory;
  auth::Authenticator& auth;
  const MessageCatalogue& messages;
  const Clock& clock;
  const Config& config;
  notify::WorkAdmin& work;
  // Comments and work log, attachments, saved views of every record type.
  engine::CommentService& comments;
  engine::AttachmentService& attachments;
  engine::SavedViewService& views;
  // Set only when the server runs with KANRI_TEST_CLOCK: the clock PUT /api/v1/test/clock holds.
  SettableClock* test_clock = nullptr;
};

class Gate;

// Adds /healthz, /readyz and every /api/v1 route to `router`. `context` must outlive it.
// Returns the gate (authentication, languages) for the web pages to share.
std::shared_ptr<Gate> register_routes(http::Router& router, ApiContext& context);

}  // namespace kanri::api
