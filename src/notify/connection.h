// What the SMTP and webhook clients share about outbound connections: TLS set-up without
// POCO's global SSLManager, and one wording for connection failures in the outbox.
#pragma once

#include <Poco/Net/Context.h>

#include <cstdint>
#include <string>

namespace kanri::notify {

// Prepares OpenSSL through POCO once per process; cheap and safe to call from any thread.
void initialize_tls();

// A fresh client TLS context for one connection (TLS 1.2 or later). With verify_certificate
// the server's chain must lead to ca_file (a PEM bundle), or to the system CAs when ca_file is
// empty, and its name must match the host (POCO skips the name check for loopback hosts).
// Throws Poco::Net::SSLContextException when ca_file cannot be loaded.
Poco::Net::Context::Ptr client_tls_context(bool verify_certificate, const std::string& ca_file);

// "host:port", with IPv6 literals in brackets, for messages.
std::string endpoint_name(const std::string& host, std::uint16_t port);

// One sentence for DeliveryResult::reply saying why talking to `endpoint` failed, e.g.
// "connection refused (127.0.0.1:2525)". Call only inside a catch block: it inspects the
// exception being handled.
std::string describe_connection_error(const std::string& endpoint, int timeout_ms);

}  // namespace kanri::notify
