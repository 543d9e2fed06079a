// HttpServer with Options::tls: HTTPS with a certificate from the per-run CA, checked by a Beast
// TLS client that verifies the chain and the name, and by curl.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "core/http/http_server.h"
#include "core/tls/certificate_authority.h"
#include "core/tls/server_context.h"
#include "tests/util/http_client.h"
#include "tests/util/run_command.h"

namespace thaw::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;
using ::thaw::testing::RunCommand;

struct Answer {
  int status = 0;
  std::string body;
  std::string error;
};

// A blocking HTTPS client that trusts only `ca_pem` and checks the certificate against
// `host` (SNI and name), sending `requests` GETs over one connection.
std::vector<Answer> HttpsGets(uint16_t port, const std::string& ca_pem, const std::string& host,
                              int requests = 1) {
  asio::io_context io;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.add_certificate_authority(asio::buffer(ca_pem));
  context.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<tcp::socket> stream(io, context);
  SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
  stream.set_verify_callback(asio::ssl::host_name_verification(host));
  std::vector<Answer> answers;
  beast::error_code ec;
  stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (!ec) stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return {Answer{0, "", ec.message()}};
  beast::flat_buffer buffer;
  for (int i = 0; i < requests; ++i) {
    beast::http::request<beast::http::string_body> request{beast::http::verb::get,
                                                           "/n/" + std::to_string(i), 11};
    request.set(beast::http::field::host, host);
    beast::http::write(stream, request, ec);
    beast::http::response<beast::http::string_body> response;
    if (!ec) beast::http::read(stream, buffer, response, ec);
    if (ec) {
      answers.push_back({0, "", ec.message()});
      break;
    }
    answers.push_back({static_cast<int>(response.result_int()), response.body(), ""});
  }
  return answers;
}

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("thaw-https-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto ca = tls::CertificateAuthority::Create(dir_.string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
    auto leaf = ca_->Issue({"localhost", "127.0.0.1", "secretsmanager.us-east-1.amazonaws.com"});
    ASSERT_TRUE(leaf.ok()) << leaf.status();
    auto context = tls::MakeServerContext(*leaf);
    ASSERT_TRUE(context.ok()) << context.status();
    HttpServer::Options options;
    options.tls = *context;
    options.body_limit = 1024;
    auto server = HttpServer::Listen(
        io_, "127.0.0.1", 0,
        [](Request& request, const RequestContext& context) -> asio::awaitable<Response> {
          if (context.body_too_large)
            co_return MakeResponse(request, 413, "too large", "text/plain");
          co_return MakeResponse(request, 200,
                                 "you asked for " + std::string(request.target()) + " with " +
                                     std::to_string(request.body().size()) + " bytes",
                                 "text/plain");
        },
        options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (thread_.joinable()) {
      std::promise<void> closed;
      asio::post(io_, [&] {
        server_->Close();
        closed.set_value();
      });
      closed.get_future().wait();
      io_.stop();
      thread_.join();
    }
    server_.reset();
    fs::remove_all(dir_);
  }

  std::string Curl(const std::string& args) { return "curl -sS --max-time 20 " + args + " 2>&1"; }

  fs::path dir_;
  std::unique_ptr<tls::CertificateAuthority> ca_;
  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(HttpsServerTest, ServesRequestsOverTlsWithKeepAlive) {
  auto answers = HttpsGets(server_->port(), ca_->certificate_pem(), "localhost", 3);
  ASSERT_EQ(answers.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(answers[i].status, 200) << answers[i].error;
    EXPECT_EQ(answers[i].body, "you asked for /n/" + std::to_string(i) + " with 0 bytes");
  }
}

TEST_F(HttpsServerTest, AClientThatDoesNotTrustTheCaFailsAndTheServerServesOn) {
  const fs::path other_dir = dir_ / "other";
  fs::create_directories(other_dir);
  auto other = tls::CertificateAuthority::Create(other_dir.string());
  ASSERT_TRUE(other.ok());
  auto refused = HttpsGets(server_->port(), (*other)->certificate_pem(), "localhost");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].status, 0);
  EXPECT_THAT(refused[0].error, HasSubstr("certificate verify failed"));

  auto wrong_name = HttpsGets(server_->port(), ca_->certificate_pem(), "example.com");
  EXPECT_EQ(wrong_name[0].status, 0);

  // A plaintext request gets no HTTP answer from a TLS server.
  testing::HttpClient plain(server_->port(), std::chrono::seconds(5));
  EXPECT_EQ(plain.Get("/plain").status, 0);

  auto served = HttpsGets(server_->port(), ca_->certificate_pem(), "localhost");
  EXPECT_EQ(served[0].status, 200) << served[0].error;
}

TEST_F(HttpsServerTest, CurlTrustsTheCaFileAndNothingElse) {
  const std::string url = "https://localhost:" + std::to_string(server_->port()) + "/curl";
  auto [out, status] = RunCommand(Curl("--cacert " + ca_->certificate_path() + " " + url));
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out, "you asked for /curl with 0 bytes");

  // Another run's CA is not this run's: curl refuses the certificate (its exit 60, "SSL
  // certificate problem").
  const fs::path other_dir = dir_ / "other";
  fs::create_directories(other_dir);
  auto other = tls::CertificateAuthority::Create(other_dir.string());
  ASSERT_TRUE(other.ok());
  auto [refused_out, refused_status] =
      RunCommand(Curl("--cacert " + (*other)->certificate_path() + " " + url));
  EXPECT_EQ(refused_status, 60) << refused_out;

  // By IP address, matched against the certificate's IP SAN.
  auto [ip_out, ip_status] =
      RunCommand(Curl("--cacert " + ca_->certificate_path() +
                      " https://127.0.0.1:" + std::to_string(server_->port()) + "/ip"));
  EXPECT_EQ(ip_status, 0) << ip_out;
  EXPECT_EQ(ip_out, "you asked for /ip with 0 bytes");

  // By a real AWS name resolved to the loopback, as in the sandbox.
  auto [aws_out, aws_status] = RunCommand(
      Curl("--cacert " + ca_->certificate_path() +
           " --resolve secretsmanager.us-east-1.amazonaws.com:" + std::to_string(server_->port()) +
           ":127.0.0.1 https://secretsmanager.us-east-1.amazonaws.com:" +
           std::to_string(server_->port()) + "/aws"));
  EXPECT_EQ(aws_status, 0) << aws_out;
  EXPECT_EQ(aws_out, "you asked for /aws with 0 bytes");
}

TEST_F(HttpsServerTest, AnOversizedBodyIsAnsweredOverTls) {
  const fs::path big = dir_ / "big";
  std::ofstream(big) << std::string(64 * 1024, 'x');
  auto [out, status] = RunCommand(
      Curl("--cacert " + ca_->certificate_path() + " -w ' %{http_code}' --data-binary @" +
           big.string() + " https://localhost:" + std::to_string(server_->port()) + "/big"));
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out, "too large 413");
}

}  // namespace
}  // namespace thaw::http
