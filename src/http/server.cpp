#include "http/server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "core/text.h"
#include "http/problem.h"

namespace kanri::http {

namespace {

class Dispatch final : public Poco::Net::HTTPRequestHandler {
 public:
  Dispatch(const Router& router, std::size_t max_body) : router_(router), max_body_(max_body) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override {
    Response r;
    try {
      r = handle(in);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", in.getMethod(), in.getURI(), e.what());
      r = simple_problem(500, "Internal Server Error", "The server failed to handle the request; it has been logged.");
    }
    out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
    for (auto& [name, value] : r.headers) out.add(name, value);  // add: several Set-Cookie may go out
    // Protective defaults for every response; a handler serving pages sets its own policy.
    if (!out.has("Content-Security-Policy")) out.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    out.set("X-Content-Type-Options", "nosniff");
    out.set("Referrer-Policy", "no-referrer");
    out.set("X-Frame-Options", "DENY");
    if (!out.has("Cache-Control")) out.set("Cache-Control", "no-store");
    out.setContentLength(static_cast<std::streamsize>(r.body.size()));
    if (in.getMethod() == "HEAD") {
      out.send();
      return;
    }
    out.sendBuffer(r.body.data(), r.body.size());
  }

 private:
  Response handle(Poco::Net::HTTPServerRequest& in) {
    Request req;
    req.method = in.getMethod();
    try {
      Poco::URI uri(in.getURI());
      req.path = uri.getPath();
      for (auto& [k, v] : uri.getQueryParameters()) req.query.emplace_back(k, v);
    } catch (const Poco::Exception&) {
      return simple_problem(400, "Bad Request", "The request URI is not valid: check its percent-encoding.");
    }
    bool utf8 = is_valid_utf8(req.path);
    for (auto& [k, v] : req.query) utf8 = utf8 && is_valid_utf8(k) && is_valid_utf8(v);
    if (!utf8) return simple_problem(400, "Bad Request", "The request URI must decode to UTF-8 text.");
    for (auto& [name, value] : in) {
      std::string lower = name;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      req.headers[lower] = value;
    }
    req.remote_ip = in.clientAddress().host().toString();
    // A route may take larger bodies than the server's limit (file uploads); every other
    // route keeps it.
    std::size_t limit = router_.body_limit(req.method, req.path);
    if (limit == 0) limit = max_body_;
    if (in.hasContentLength() && in.getContentLength64() > static_cast<Poco::Int64>(limit)) {
      Response r = simple_problem(413, "Content Too Large",
                                  "The request body is larger than " + std::to_string(limit) + " bytes.");
      r.set_header("Connection", "close");
      return r;
    }
    if (in.hasContentLength() || in.getChunkedTransferEncoding()) {
      std::istream& body = in.stream();
      char buf[16384];
      while (body) {
        body.read(buf, sizeof buf);
        req.body.append(buf, static_cast<size_t>(body.gcount()));
        if (req.body.size() > limit) {
          Response r = simple_problem(413, "Content Too Large",
                                      "The request body is larger than " + std::to_string(limit) + " bytes.");
          r.set_header("Connection", "close");
          return r;
        }
      }
    }
    return router_.dispatch(req);
  }

  const Router& router_;
  std::size_t max_body_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(const Router& router, std::size_t max_body) : router_(router), max_body_(max_body) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Dispatch(router_, max_body_);
  }

 private:
  const Router& router_;
  std::size_t max_body_;
};

}  // namespace

bool parse_listen(const std::string& listen, std::string& host, std::uint16_t& port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = listen.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    int p = std::stoi(listen.substr(colon + 1));
    if (p < 0 || p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
  } catch (...) {
    return false;
  }
  return true;
}

Server::Server(const Router& router, ServerOptions options) : router_(router), options_(std::move(options)) {}
Server::~Server() {
  if (server_) stop(0);
}

void Server::start() {
  Poco::Net::SocketAddress address(options_.host, options_.port);
  Poco::Net::ServerSocket socket(address, 256);
  socket.setReuseAddress(true);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(options_.threads);
  params->setMaxQueued(1024);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0);
  params->setKeepAliveTimeout(Poco::Timespan(30, 0));
  params->setTimeout(Poco::Timespan(30, 0));
  // An idle dispatcher thread notices a stop only when its wait ends; keep the wait short so
  // a SIGTERM never waits on it.
  params->setThreadIdleTime(Poco::Timespan(1, 0));
  auto* pool = new Poco::ThreadPool(2, options_.threads, 5, 0);
  pool_.reset(pool);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(router_, options_.max_body_bytes), *pool, socket, params);
  server_->start();
}

void Server::stop(int grace_ms) {
  if (!server_) return;
  server_->stop();  // no new connections
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (server_->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline) {
    server_->stopAll(false);  // closes idle keep-alive connections; busy ones finish first
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  server_->stopAll(true);
  server_.reset();
  if (pool_) pool_->joinAll();
}

std::uint16_t Server::port() const { return server_ ? server_->port() : options_.port; }

}  // namespace kanri::http
