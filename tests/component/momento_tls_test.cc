// The fake Momento over TLS (MomentoAcceptor::Options::tls, TlsBridge) in-process: a real gRPC
// C++ client that trusts only the per-run CA and checks a Momento name, through the acceptor,
// the bridge, the connection tracker and the gRPC server; connection faults act as in plaintext.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "core/event_kinds.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "core/tls/certificate_authority.h"
#include "core/tls/endpoint_names.h"
#include "core/tls/server_context.h"
#include "fakes/momento/connection_tracker.h"
#include "fakes/momento/momento_acceptor.h"
#include "fakes/momento/momento_faults.h"
#include "fakes/momento/momento_server.h"
#include "fakes/momento/rpc_gate.h"
#include "proto/momento/cacheclient.grpc.pb.h"
#include "tests/util/test_emulator.h"

namespace thaw::momento {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr int64_t kInstance = 3;
constexpr char kFunction[] = "fn";
constexpr char kBase[] = "cell-1.example.momentohq.com";

// One TLS client connection (its own subchannel), checking the certificate against `host`.
struct Client {
  Client(uint16_t port, const std::string& roots, const std::string& host = "") {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 10);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
    args.SetSslTargetNameOverride(host.empty() ? std::string("cache.") + kBase : host);
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = roots;
    channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                        grpc::SslCredentials(ssl), args);
    scs = cache_client::Scs::NewStub(channel);
  }
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<cache_client::Scs::Stub> scs;
};

class MomentoTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("thaw-momento-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto ca = tls::CertificateAuthority::Create(dir_.string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
    auto leaf = ca_->Issue(tls::MomentoEndpointNames(kBase));
    ASSERT_TRUE(leaf.ok()) << leaf.status();
    auto context = tls::MakeServerContext(*leaf, tls::kAlpnH2);
    ASSERT_TRUE(context.ok()) << context.status();

    MomentoServerOptions options;
    options.caches = {"cache"};
    options.faults = &faults_;
    auto server = MomentoServer::Start(options, ledger_, clock_, tracker_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    MomentoAcceptor::Options acceptor_options;
    acceptor_options.instance = kInstance;
    acceptor_options.function = kFunction;
    acceptor_options.faults = &faults_;
    acceptor_options.tls = *context;
    auto acceptor =
        MomentoAcceptor::Listen(io_, acceptor_options, tracker_, server_->grpc_server());
    ASSERT_TRUE(acceptor.ok()) << acceptor.status();
    acceptor_ = *std::move(acceptor);
    thread_ = std::thread([this] { io_.run(); });
    client_ = std::make_unique<Client>(acceptor_->port(), ca_->certificate_pem());
  }

  void TearDown() override {
    client_.reset();
    if (thread_.joinable()) {
      std::promise<void> done;
      boost::asio::post(io_, [&] {
        acceptor_.reset();
        server_->Shutdown(std::chrono::milliseconds(0));
        tracker_.CloseAll();
        done.set_value();
      });
      done.get_future().wait();
      work_.reset();
      io_.stop();
      thread_.join();
    }
    server_.reset();
    fs::remove_all(dir_);
  }

  grpc::Status Get(Client& client, std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    cache_client::GetRequest get;
    get.set_cache_key("k");
    cache_client::GetResponse got;
    grpc::ClientContext context;
    context.AddMetadata("cache", "cache");
    context.AddMetadata("authorization", "");
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    context.set_wait_for_ready(true);
    return client.scs->Get(&context, get, &got);
  }

  std::vector<Event> Events(std::string_view kind) {
    return ledger_.Select([kind](const Event& e) { return e.kind == kind; });
  }

  fs::path dir_;
  std::unique_ptr<tls::CertificateAuthority> ca_;
  Ledger ledger_;
  SchedulerClock clock_;
  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  ConnectionTracker tracker_{io_, ledger_, &clock_};
  MomentoFaults faults_{ledger_, clock_, tracker_};
  std::unique_ptr<MomentoServer> server_;
  std::unique_ptr<MomentoAcceptor> acceptor_;
  std::thread thread_;
  std::unique_ptr<Client> client_;
};

TEST_F(MomentoTlsTest, CallsOverTlsAreServedAndAttributedToTheConnection) {
  cache_client::SetRequest set;
  set.set_cache_key("k");
  set.set_cache_body("v");
  set.set_ttl_milliseconds(60000);
  cache_client::SetResponse set_response;
  grpc::ClientContext set_context;
  set_context.AddMetadata("cache", "cache");
  set_context.AddMetadata("authorization", "");
  ASSERT_TRUE(client_->scs->Set(&set_context, set, &set_response).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Get(*client_).ok());

  const auto opened = Events(kinds::kMomentoConnectionOpened);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].instance, kInstance);
  EXPECT_EQ(opened[0].function, kFunction);
  EXPECT_THAT(opened[0].attrs.value("peer", ""), HasSubstr("ipv4:127.0.0.1:"));
  const auto rpcs = Events(kinds::kMomentoRpc);
  ASSERT_EQ(rpcs.size(), 4u);
  for (const Event& rpc : rpcs) {
    EXPECT_EQ(rpc.instance, kInstance);
    EXPECT_EQ(rpc.attrs.value("connection", ""), opened[0].attrs.value("connection", ""));
    EXPECT_EQ(rpc.attrs.value("peer", ""), opened[0].attrs.value("peer", ""));
  }
}

// A raw TLS client: the HTTP/2 preface and a SETTINGS frame, the server's first bytes, then
// its close. (gRPC C++ 1.51's TLS client keeps its socket open after its channel is destroyed,
// so it cannot show a client's close.)
TEST_F(MomentoTlsTest, AClientsCloseIsTheConnectionsCloseWithTheBytesOnTheWire) {
  boost::asio::io_context io;
  boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
  context.add_certificate_authority(boost::asio::buffer(ca_->certificate_pem()));
  context.set_verify_mode(boost::asio::ssl::verify_peer);
  const unsigned char alpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(context.native_handle(), alpn, sizeof(alpn));
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(io, context);
  stream.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), acceptor_->port()});
  stream.handshake(boost::asio::ssl::stream_base::client);
  const std::string preface =
      std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + std::string("\0\0\0\4\0\0\0\0\0", 9);
  boost::asio::write(stream, boost::asio::buffer(preface));
  char frame[9];
  boost::asio::read(stream, boost::asio::buffer(frame));  // the server's SETTINGS header
  EXPECT_EQ(frame[3], 4) << "an HTTP/2 SETTINGS frame from gRPC, through the bridge";
  auto opened =
      ledger_.WaitFor([](const Event& e) { return e.kind == kinds::kMomentoConnectionOpened; },
                      testing::TestTimeout(), 0, "the TLS connection's open");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->instance, kInstance);

  // close_notify first: the client then reads to the end before closing, so it leaves no unread
  // bytes behind (a close with unread bytes would be a reset, not an EOF).
  boost::system::error_code ignored;
  stream.shutdown(ignored);
  stream.next_layer().close();
  auto closed =
      ledger_.WaitFor([](const Event& e) { return e.kind == kinds::kMomentoConnectionClosed; },
                      testing::TestTimeout(), 0, "the TLS connection's close");
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->attrs.value("by", ""), "client");
  // gRPC's own frames (its SETTINGS ack) can reach the socket after the client closed it, and
  // the kernel then answers with a reset: seen under ASan about one run in two. Either way the
  // close is the client's, with its bytes. (To do: have the bridge finish close_notify first.)
  EXPECT_THAT(closed->attrs.value("reason", ""), ::testing::AnyOf("eof", "error"));
  EXPECT_EQ(closed->attrs.value("connection", ""), opened->attrs.value("connection", ""));
  EXPECT_GT(closed->attrs.value("bytes_received", 0), static_cast<int>(preface.size()));
}

TEST_F(MomentoTlsTest, AClientWithoutH2InItsAlpnIsRefused) {
  boost::asio::io_context io;
  boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
  context.add_certificate_authority(boost::asio::buffer(ca_->certificate_pem()));
  const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(context.native_handle(), alpn, sizeof(alpn));
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(io, context);
  stream.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), acceptor_->port()});
  boost::system::error_code ec;
  stream.handshake(boost::asio::ssl::stream_base::client, ec);
  EXPECT_TRUE(ec);
  auto failed =
      ledger_.WaitFor([](const Event& e) { return e.kind == kinds::kMomentoConnectionTlsFailed; },
                      testing::TestTimeout(), 0, "the refused handshake");
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_TRUE(Events(kinds::kMomentoConnectionOpened).empty());
}

TEST_F(MomentoTlsTest, AClientThatDoesNotTrustTheCaIsRecordedAndNeverReachesGrpc) {
  const fs::path other_dir = dir_ / "other";
  fs::create_directories(other_dir);
  auto other = tls::CertificateAuthority::Create(other_dir.string());
  ASSERT_TRUE(other.ok());
  Client untrusting(acceptor_->port(), (*other)->certificate_pem());
  EXPECT_EQ(Get(untrusting, std::chrono::milliseconds(500)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  auto failed =
      ledger_.WaitFor([](const Event& e) { return e.kind == kinds::kMomentoConnectionTlsFailed; },
                      testing::TestTimeout(), 0, "the failed handshake");
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(failed->instance, kInstance);
  EXPECT_THAT(failed->attrs.value("peer", ""), HasSubstr("ipv4:127.0.0.1:"));
  EXPECT_TRUE(Events(kinds::kMomentoConnectionOpened).empty());

  // A name the certificate does not carry is refused by the client too (gRPC checks the name
  // after the handshake, so the server sees a connection open and close).
  Client wrong_name(acceptor_->port(), ca_->certificate_pem(), "cache.other.example.com");
  EXPECT_NE(Get(wrong_name, std::chrono::milliseconds(500)).error_code(), grpc::StatusCode::OK);
  EXPECT_TRUE(Events(kinds::kMomentoRpc).empty());

  EXPECT_TRUE(Get(*client_).ok());
}

TEST_F(MomentoTlsTest, ResetSendsRstToTheTlsClientWhichReconnects) {
  ASSERT_TRUE(Get(*client_).ok());
  const std::string first = Events(kinds::kMomentoConnectionOpened).at(0).attrs["connection"];
  ASSERT_TRUE(faults_.AddFault({{"reset", true}, {"function", kFunction}}).ok());
  const auto closed = Events(kinds::kMomentoConnectionClosed);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].attrs.value("connection", ""), first);
  EXPECT_EQ(closed[0].attrs.value("reason", ""), "reset");
  EXPECT_EQ(closed[0].attrs.value("by", ""), "thaw");

  EXPECT_TRUE(client_->channel->WaitForStateChange(
      GRPC_CHANNEL_READY, std::chrono::system_clock::now() + testing::TestTimeout()));
  ASSERT_TRUE(Get(*client_).ok());
  const auto opened = Events(kinds::kMomentoConnectionOpened);
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(Events(kinds::kMomentoRpc).back().attrs.value("connection", ""),
            opened[1].attrs.value("connection", ""));
  EXPECT_EQ(Events(kinds::kMomentoConnectionClosed).size(), 1u) << "no second close is recorded";
}

TEST_F(MomentoTlsTest, RefuseBlackholeAndHandshakeDelayActBeforeTheTlsHandshake) {
  ASSERT_TRUE(faults_.AddFault({{"refuse", true}, {"count", 1}}).ok());
  {
    Client fresh(acceptor_->port(), ca_->certificate_pem());
    ASSERT_TRUE(Get(fresh).ok());  // the refused attempt is retried, the second served
  }
  EXPECT_EQ(Events(kinds::kMomentoConnectionOpened).size(), 1u);
  EXPECT_TRUE(Events(kinds::kMomentoConnectionTlsFailed).empty()) << "a refusal is no handshake";

  ASSERT_TRUE(faults_.AddFault({{"handshake_delay", "300ms"}, {"count", 1}}).ok());
  {
    Client fresh(acceptor_->port(), ca_->certificate_pem());
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(Get(fresh).ok());
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  }

  ASSERT_TRUE(faults_.AddFault({{"blackhole", true}}).ok());
  Client fresh(acceptor_->port(), ca_->certificate_pem());
  EXPECT_EQ(Get(fresh, std::chrono::milliseconds(300)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(Events(kinds::kMomentoConnectionOpened).size(), 2u) << "the new one never reached gRPC";
  EXPECT_TRUE(Events(kinds::kMomentoConnectionTlsFailed).empty());
}

}  // namespace
}  // namespace thaw::momento
