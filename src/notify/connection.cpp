#include "notify/connection.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SSLException.h>

#include <exception>
#include <mutex>

namespace kanri::notify {

void initialize_tls() {
  // Never uninitialized: worker threads may still be connecting while the process ends.
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
}

Poco::Net::Context::Ptr client_tls_context(bool verify_certificate, const std::string& ca_file) {
  initialize_tls();
  using Poco::Net::Context;
  Context::Params params;
  params.verificationMode = verify_certificate ? Context::VERIFY_RELAXED : Context::VERIFY_NONE;
  params.caLocation = verify_certificate ? ca_file : std::string();
  // A configured bundle replaces the system CAs, so "trust only our relay's CA" is possible.
  params.loadDefaultCAs = verify_certificate && ca_file.empty();
  // OpenSSL's DEFAULT follows the system policy (Debian: SECLEVEL=2) instead of POCO's "ALL".
  params.cipherList = "DEFAULT";
  // A context per connection, never SSLManager's default one: that one is built from a
  // Poco::Util::Application configuration and may bring a console certificate prompt.
  Context::Ptr context = new Context(Context::TLS_CLIENT_USE, params);
  context->requireMinimumProtocol(Context::PROTO_TLSV1_2);
  context->enableExtendedCertificateVerification(verify_certificate);
  return context;
}

std::string endpoint_name(const std::string& host, std::uint16_t port) {
  const bool ipv6_literal = host.find(':') != std::string::npos;
  return (ipv6_literal ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string describe_connection_error(const std::string& endpoint, int timeout_ms) {
  const std::string where = " (" + endpoint + ")";
  try {
    throw;
  } catch (const Poco::Net::ConnectionRefusedException&) {
    return "connection refused" + where;
  } catch (const Poco::TimeoutException&) {
    return "no answer within " + std::to_string(timeout_ms) + " ms" + where;
  } catch (const Poco::Net::DNSException& e) {
    return "cannot resolve host" + where + ": " + e.message();
  } catch (const Poco::Net::ConnectionResetException&) {
    return "connection reset by the server" + where;
  } catch (const Poco::Net::ConnectionAbortedException&) {
    return "connection aborted" + where;
  } catch (const Poco::Net::SSLConnectionUnexpectedlyClosedException&) {
    return "TLS failed: the server closed the connection" + where;
  } catch (const Poco::Net::CertificateValidationException& e) {
    return "TLS failed: server certificate rejected" + where + ": " + e.message();
  } catch (const Poco::Net::InvalidCertificateException& e) {
    return "TLS failed: server certificate rejected" + where + ": " + e.message();
  } catch (const Poco::Net::SSLException& e) {
    return "TLS failed" + where + ": " + e.message();
  } catch (const Poco::Net::NoMessageException&) {
    return "the server closed the connection without answering" + where;
  } catch (const Poco::Exception& e) {
    return "connection failed" + where + ": " + e.displayText();
  } catch (const std::exception& e) {
    return "connection failed" + where + ": " + e.what();
  } catch (...) {
    return "connection failed" + where;
  }
}

}  // namespace kanri::notify
