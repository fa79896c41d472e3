// The HTTP/1.1 server (POCO's threaded HTTPServer underneath): keep-alive, a body size limit,
// and a graceful stop that finishes the requests in flight.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/router.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace kanri::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int threads = 16;
  std::size_t max_body_bytes = 1 << 20;
};

// Parses "host:port" (IPv4, or [IPv6]:port). Returns false on a malformed address.
bool parse_listen(const std::string& listen, std::string& host, std::uint16_t& port);

class Server {
 public:
  Server(const Router& router, ServerOptions options);
  ~Server();
  // Binds and starts serving on background threads. Throws when the address is taken.
  void start();
  // Stops accepting, waits up to `grace_ms` for requests in flight, then closes.
  void stop(int grace_ms = 10000);
  std::uint16_t port() const;

 private:
  const Router& router_;
  ServerOptions options_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace kanri::http
