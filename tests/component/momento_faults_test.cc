// The fake Momento's server-side faults (MomentoFaults) and minted API keys, end to end
// in-process: EmbeddedMomento as `thaw serve` runs it, one instance listener on port 0, a real
// gRPC client (the generated stubs) over TCP.
#include "fakes/momento/momento_faults.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "absl/strings/escaping.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/connection_tracker.h"
#include "fakes/momento/embedded_momento.h"
#include "fakes/momento/momento_acceptor.h"
#include "fakes/momento/rpc_gate.h"
#include "proto/momento/cacheclient.grpc.pb.h"
#include "tests/util/test_emulator.h"

namespace thaw::momento {
// Named as well: a unity build compiles this file with the others of its binary.
namespace momento_faults_test {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kInstance = 4;
constexpr char kFunction[] = "fn";

struct Client {
  explicit Client(uint16_t port) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    // Reconnect soon after a reset (the default backoff starts at 1 s). The minimum backoff
    // is also gRPC's connect timeout: left at its default, so a delayed handshake is waited for.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 10);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
    channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                        grpc::InsecureChannelCredentials(), args);
    scs = cache_client::Scs::NewStub(channel);
  }
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<cache_client::Scs::Stub> scs;
};

std::unique_ptr<grpc::ClientContext> Context(
    const std::string& authorization = "",
    std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("cache", "cache");
  context->AddMetadata("authorization", authorization);
  context->set_deadline(std::chrono::system_clock::now() + deadline);
  context->set_wait_for_ready(true);
  return context;
}

class MomentoFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MomentoServerOptions options;
    options.caches = {"cache"};
    options.api_keys = api_keys_;
    auto momento = EmbeddedMomento::Start(io_, ledger_, clock_, options);
    ASSERT_TRUE(momento.ok()) << momento.status();
    momento_ = *std::move(momento);
    auto env = momento_->services().Attach(kInstance, kFunction, {});
    ASSERT_TRUE(env.ok()) << env.status();
    endpoint_ = (*env)["THAW_MOMENTO_ENDPOINT"];
    port_ = static_cast<uint16_t>(std::stoi((*env)["THAW_MOMENTO_PORT"]));
    thread_ = std::thread([this] { io_.run(); });
    client_ = std::make_unique<Client>(port_);
  }

  void TearDown() override {
    client_.reset();
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      momento_->Shutdown(std::chrono::milliseconds(0));
      done.set_value();
    });
    done.get_future().wait();
    work_.reset();
    io_.stop();
    thread_.join();
    momento_.reset();
  }

  MomentoFaults& faults() { return momento_->faults(); }

  grpc::Status Get(Client& client, const std::string& authorization = "",
                   std::chrono::milliseconds deadline = std::chrono::seconds(5),
                   grpc::ClientContext** kept = nullptr) {
    cache_client::GetRequest get;
    get.set_cache_key("k");
    cache_client::GetResponse got;
    last_context_ = Context(authorization, deadline);
    grpc::Status status = client.scs->Get(last_context_.get(), get, &got);
    if (kept != nullptr) *kept = last_context_.get();
    return status;
  }

  std::vector<Event> Events(std::string_view kind) {
    return ledger_.Select([kind](const Event& e) { return e.kind == kind; });
  }

  std::set<std::string> api_keys_;
  Ledger ledger_;
  SchedulerClock clock_;
  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::unique_ptr<EmbeddedMomento> momento_;
  std::string endpoint_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<grpc::ClientContext> last_context_;
};

TEST_F(MomentoFaultsTest, MalformedFaultsNameTheField) {
  auto bad = [&](const char* json) {
    auto id = faults().AddFault(nlohmann::json::parse(json));
    EXPECT_FALSE(id.ok()) << json;
    return std::string(id.status().message());
  };
  EXPECT_THAT(bad(R"({"delay":"soon"})"), HasSubstr("delay:"));
  EXPECT_THAT(bad(R"({"error":"TEAPOT"})"), HasSubstr("error:"));
  EXPECT_THAT(bad(R"({"colour":"red","reset":true})"), HasSubstr("colour: unknown field"));
  EXPECT_THAT(bad(R"({"reset":true,"refuse":true})"), HasSubstr("one fault per request"));
  EXPECT_THAT(bad(R"({"refuse":true,"rpc":"Get"})"), HasSubstr("cache/rpc"));
  EXPECT_THAT(bad(R"({"function":"fn"})"), HasSubstr("no fault"));
  EXPECT_THAT(bad(R"({"error":"UNAVAILABLE","count":0})"), HasSubstr("count:"));
  EXPECT_TRUE(faults().ListFaults().empty());
}

TEST_F(MomentoFaultsTest, ErrorWithErrTrailerActsCountTimesOnTheSelectedRpcOnly) {
  auto id = faults().AddFault({{"service", "momento"},
                               {"function", kFunction},
                               {"instance", kInstance},
                               {"rpc", "Get"},
                               {"cache", "cache"},
                               {"error", "NOT_FOUND"},
                               {"err", "store_not_found"},
                               {"count", 1}});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "momento-1");
  ASSERT_TRUE(faults().AddFault({{"instance", kInstance + 1}, {"error", "INTERNAL"}}).ok());
  ASSERT_TRUE(faults().AddFault({{"rpc", "Set"}, {"error", "INTERNAL"}}).ok());

  grpc::ClientContext* context = nullptr;
  grpc::Status first = Get(*client_, "", std::chrono::seconds(5), &context);
  EXPECT_EQ(first.error_code(), grpc::StatusCode::NOT_FOUND);
  const auto& trailers = context->GetServerTrailingMetadata();
  auto err = trailers.find("err");
  ASSERT_NE(err, trailers.end());
  EXPECT_EQ(std::string(err->second.data(), err->second.size()), "store_not_found");
  EXPECT_TRUE(Get(*client_).ok()) << "count 1 is spent; the other faults select other calls";

  const nlohmann::json listed = faults().ListFaults();
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0]["id"], "momento-1");
  EXPECT_EQ(listed[0]["fired"], 1);
  EXPECT_EQ(listed[1]["fired"], 0);
  const auto fired = Events("momento.fault");
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].instance, kInstance);
  EXPECT_EQ(fired[0].attrs.value("fault", ""), "error");
  EXPECT_EQ(fired[0].attrs.value("method", ""), "Get");
  const auto rpcs = Events("momento.rpc");
  EXPECT_EQ(rpcs.front().attrs.value("fault_id", ""), "momento-1");
  EXPECT_TRUE(faults().RemoveFault("momento-2"));
  EXPECT_FALSE(faults().RemoveFault("momento-2"));
  faults().ClearFaults();
  EXPECT_TRUE(faults().ListFaults().empty());
}

TEST_F(MomentoFaultsTest, DelayPastTheDeadlineIsDeadlineExceeded) {
  ASSERT_TRUE(faults().AddFault({{"rpc", "Get"}, {"delay", "2s"}}).ok());
  EXPECT_EQ(Get(*client_, "", std::chrono::milliseconds(200)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(MomentoFaultsTest, CancelEndsTheCallNotTheConnection) {
  ASSERT_TRUE(faults().AddFault({{"rpc", "Get"}, {"cancel", true}, {"count", 1}}).ok());
  const grpc::Status reset = Get(*client_);
  EXPECT_EQ(reset.error_code(), grpc::StatusCode::CANCELLED) << reset.error_message();
  EXPECT_EQ(reset.error_message(), "Cancelled on the server side") << "gRPC's own cancellation";
  EXPECT_TRUE(Get(*client_).ok()) << "spent after one call";
  EXPECT_EQ(Events("momento.connection.opened").size(), 1u) << "the same connection";
  auto recorded = ledger_.WaitFor(
      [](const Event& e) {
        return e.kind == "momento.rpc" && e.attrs.value("fault", "") == "cancel";
      },
      testing::TestTimeout(), 0, "the reset call's record");
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->attrs.value("code", ""), "CANCELLED");

  EXPECT_THAT(
      std::string(faults().AddFault({{"cancel", true}, {"error", "INTERNAL"}}).status().message()),
      HasSubstr("cancel: the call is cancelled, not answered: no \"error\""));
}

TEST_F(MomentoFaultsTest, ResetSendsRstAndTheClientReconnects) {
  ASSERT_TRUE(Get(*client_).ok());
  const std::string first = Events("momento.connection.opened").at(0).attrs["connection"];
  auto id = faults().AddFault({{"reset", true}, {"function", kFunction}});
  ASSERT_TRUE(id.ok());
  // The reset and its record happen before AddFault returns.
  const auto closed = Events("momento.connection.closed");
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].attrs.value("connection", ""), first);
  EXPECT_EQ(closed[0].attrs.value("reason", ""), "reset");
  EXPECT_EQ(closed[0].attrs.value("by", ""), "thaw");
  EXPECT_EQ(closed[0].attrs.value("why", ""), "fault:reset");
  EXPECT_EQ(faults().ListFaults()[0]["fired"], 1);

  // Once the client has seen the RST, its next call goes over a new connection.
  EXPECT_TRUE(client_->channel->WaitForStateChange(
      GRPC_CHANNEL_READY, std::chrono::system_clock::now() + testing::TestTimeout()));
  ASSERT_TRUE(Get(*client_).ok());
  const auto opened = Events("momento.connection.opened");
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(Events("momento.rpc").back().attrs.value("connection", ""),
            opened[1].attrs.value("connection", ""));
}

TEST_F(MomentoFaultsTest, IdleDropResetsIdleConnectionsWhenTheClockAdvancesPastIt) {
  ASSERT_TRUE(Get(*client_).ok());
  ASSERT_TRUE(faults().AddFault({{"idle_drop", "5m"}}).ok());
  clock_.Advance(std::chrono::minutes(4));
  EXPECT_TRUE(Events("momento.connection.closed").empty()) << "idle 4m < 5m";
  ASSERT_TRUE(Get(*client_).ok());  // Activity: idle time starts again.
  clock_.Advance(std::chrono::minutes(4));
  EXPECT_TRUE(Events("momento.connection.closed").empty()) << "idle 4m again";
  clock_.Advance(std::chrono::minutes(2));
  const auto closed = Events("momento.connection.closed");
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].attrs.value("why", ""), "fault:idle_drop");
  const auto fired = Events("momento.fault");
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_GE(fired[0].attrs.value("idle_ms", 0), 6 * 60 * 1000);

  EXPECT_TRUE(client_->channel->WaitForStateChange(
      GRPC_CHANNEL_READY, std::chrono::system_clock::now() + testing::TestTimeout()));
  ASSERT_TRUE(Get(*client_).ok()) << "the client reconnects";
  EXPECT_EQ(Events("momento.connection.opened").size(), 2u);
}

TEST_F(MomentoFaultsTest, RefuseResetsNewConnectionsUntilTheCountIsSpent) {
  ASSERT_TRUE(faults().AddFault({{"refuse", true}, {"count", 1}}).ok());
  Client fresh(port_);
  // wait_for_ready: the refused attempt is retried by the channel, the second is served.
  ASSERT_TRUE(Get(fresh).ok());
  const auto fired = Events("momento.fault");
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].attrs.value("fault", ""), "refuse");
  EXPECT_THAT(fired[0].attrs.value("peer", ""), HasSubstr("ipv4:127.0.0.1:"));
  EXPECT_EQ(Events("momento.connection.opened").size(), 1u) << "a refused one is no connection";
}

TEST_F(MomentoFaultsTest, HandshakeDelayHoldsANewConnectionBeforeGrpcSeesIt) {
  ASSERT_TRUE(faults().AddFault({{"handshake_delay", "300ms"}, {"count", 1}}).ok());
  Client fresh(port_);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(Get(fresh).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(Events("momento.fault").at(0).attrs.value("delay_ms", 0), 300);
}

TEST_F(MomentoFaultsTest, BlackholeNeverAnswersNewConnectionsNorCallsOnOpenOnes) {
  ASSERT_TRUE(Get(*client_).ok());
  ASSERT_TRUE(faults().AddFault({{"blackhole", true}}).ok());
  EXPECT_EQ(Get(*client_, "", std::chrono::milliseconds(200)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  Client fresh(port_);
  EXPECT_EQ(Get(fresh, "", std::chrono::milliseconds(200)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(Events("momento.connection.opened").size(), 1u) << "the new one never reached gRPC";
  faults().ClearFaults();
  EXPECT_TRUE(Get(*client_).ok());
}

// Without any clock advance or call: the faults' watcher notices the idle time passing.
TEST_F(MomentoFaultsTest, IdleDropAlsoActsInRealTime) {
  ASSERT_TRUE(Get(*client_).ok());
  ASSERT_TRUE(faults().AddFault({{"idle_drop", "300ms"}}).ok());
  Client later(port_);  // opened after the fault was added
  ASSERT_TRUE(Get(later).ok());
  auto idle_drop = [](const Event& e) {
    return e.kind == "momento.connection.closed" && e.attrs.value("why", "") == "fault:idle_drop";
  };
  auto first = ledger_.WaitFor(idle_drop, testing::TestTimeout(), 0, "a first idle drop");
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = ledger_.WaitFor(idle_drop, testing::TestTimeout(), first->seq, "a second one");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(first->attrs.value("connection", ""), second->attrs.value("connection", ""));
  EXPECT_EQ(clock_.offset(), SchedulerClock::Duration::zero());
  for (const Event& fired : Events("momento.fault")) {
    EXPECT_GE(fired.attrs.value("idle_ms", 0), 300);
  }
}

// Every call runs on the fake's one completion-queue thread: a held call must hold nothing else.
TEST_F(MomentoFaultsTest, ADelayedCallHoldsNoOtherCall) {
  ASSERT_TRUE(faults().AddFault({{"rpc", "Set"}, {"delay", "30s"}}).ok());
  cache_client::SetRequest set;
  set.set_cache_key("k");
  set.set_cache_body("v");
  cache_client::SetResponse set_response;
  std::unique_ptr<grpc::ClientContext> set_context = Context("", std::chrono::seconds(60));
  auto held = std::async(std::launch::async,
                         [&] { return client_->scs->Set(set_context.get(), set, &set_response); });
  ASSERT_TRUE(ledger_
                  .WaitFor([](const Event& e) { return e.kind == "momento.fault"; },
                           std::chrono::seconds(10), 0, "the delay acting on Set")
                  .ok());

  EXPECT_TRUE(Get(*client_).ok());
  EXPECT_EQ(held.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the Get was answered while the Set is held";

  // A client that gives up ends the hold at once; the call is still recorded.
  set_context->TryCancel();
  EXPECT_EQ(held.get().error_code(), grpc::StatusCode::CANCELLED);
  auto recorded = ledger_.WaitFor(
      [](const Event& e) {
        return e.kind == "momento.rpc" && e.attrs.value("method", "") == "Set";
      },
      std::chrono::seconds(10), 0, "the Set record");
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->attrs.value("code", ""), "DEADLINE_EXCEEDED");
  EXPECT_EQ(recorded->attrs.value("fault", ""), "delay");
}

// A blackholed call without a deadline would wait forever: its client's cancel, or the server's
// shutdown, ends it.
TEST_F(MomentoFaultsTest, ABlackholedCallWithoutADeadlineEndsWhenTheServerShutsDown) {
  ASSERT_TRUE(Get(*client_).ok());
  ASSERT_TRUE(faults().AddFault({{"blackhole", true}}).ok());
  cache_client::GetRequest get;
  get.set_cache_key("k");
  cache_client::GetResponse got;
  grpc::ClientContext context;  // no deadline
  context.AddMetadata("cache", "cache");
  auto held =
      std::async(std::launch::async, [&] { return client_->scs->Get(&context, get, &got); });
  ASSERT_TRUE(ledger_
                  .WaitFor([](const Event& e) { return e.kind == "momento.fault"; },
                           std::chrono::seconds(10), 0, "the blackhole acting on Get")
                  .ok());
  EXPECT_EQ(held.wait_for(std::chrono::seconds(0)), std::future_status::timeout);

  std::promise<void> done;
  boost::asio::post(io_, [&] {
    momento_->Shutdown(std::chrono::milliseconds(0));
    done.set_value();
  });
  done.get_future().wait();
  EXPECT_FALSE(held.get().ok());
  EXPECT_EQ(ledger_
                .Select([](const Event& e) {
                  return e.kind == "momento.rpc" && e.attrs.value("fault", "") == "blackhole";
                })
                .size(),
            1u);
}

// The idle check that runs when a call arrives, on its own: the tracker reads one clock and the
// faults listen to another, so advancing the first moves the connection's idle time without
// the advance-time check running.
TEST(MomentoIdleDropOnActivityTest, ACallOnAConnectionIdleTooLongResetsItAndFailsUnavailable) {
  Ledger ledger;
  SchedulerClock tracker_clock;
  SchedulerClock faults_clock;
  boost::asio::io_context io{1};
  auto work = boost::asio::make_work_guard(io);
  ConnectionTracker tracker(io, ledger, &tracker_clock);
  MomentoFaults faults(ledger, faults_clock, tracker);
  MomentoServerOptions options;
  options.caches = {"cache"};
  options.faults = &faults;
  auto server = MomentoServer::Start(options, ledger, tracker_clock, tracker);
  ASSERT_TRUE(server.ok()) << server.status();
  MomentoAcceptor::Options acceptor_options;
  acceptor_options.faults = &faults;
  auto acceptor = MomentoAcceptor::Listen(io, acceptor_options, tracker, (*server)->grpc_server());
  ASSERT_TRUE(acceptor.ok()) << acceptor.status();
  std::thread thread([&] { io.run(); });

  {
    Client client((*acceptor)->port());
    auto get = [&] {
      cache_client::GetRequest request;
      request.set_cache_key("k");
      cache_client::GetResponse response;
      return client.scs->Get(Context().get(), request, &response);
    };
    ASSERT_TRUE(get().ok());
    ASSERT_TRUE(faults.AddFault({{"idle_drop", "5m"}}).ok());
    tracker_clock.Advance(std::chrono::minutes(6));
    EXPECT_TRUE(ledger.Select([](const Event& e) { return e.kind == "momento.fault"; }).empty());

    EXPECT_EQ(get().error_code(), grpc::StatusCode::UNAVAILABLE);
    const auto fired = ledger.Select([](const Event& e) { return e.kind == "momento.fault"; });
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].attrs.value("fault", ""), "idle_drop");
    EXPECT_EQ(fired[0].attrs.value("method", ""), "Get");
    // The reset is recorded on the acceptor's thread, possibly after the call has failed.
    auto closed =
        ledger.WaitFor([](const Event& e) { return e.kind == "momento.connection.closed"; },
                       testing::TestTimeout());
    ASSERT_TRUE(closed.ok()) << closed.status();
    EXPECT_EQ(closed->attrs.value("why", ""), "fault:idle_drop");
    EXPECT_EQ(
        ledger.Select([](const Event& e) { return e.kind == "momento.connection.closed"; }).size(),
        1u);
    EXPECT_TRUE(client.channel->WaitForStateChange(
        GRPC_CHANNEL_READY, std::chrono::system_clock::now() + testing::TestTimeout()));
    EXPECT_TRUE(get().ok()) << "a new connection, active now";
  }

  std::promise<void> closed;
  boost::asio::post(io, [&] {
    (*acceptor).reset();
    closed.set_value();
  });
  closed.get_future().wait();
  (*server)->Shutdown(std::chrono::milliseconds(0));
  tracker.CloseAll();
  work.reset();
  io.stop();
  thread.join();
}

class MintedKeyTest : public MomentoFaultsTest {
 protected:
  void SetUp() override {
    api_keys_ = {"configured-key"};
    MomentoFaultsTest::SetUp();
  }
};

TEST_F(MintedKeyTest, AMintedV1KeyNamesTheInstanceEndpointAndIsAcceptedNextToConfiguredKeys) {
  const std::string key = momento_->MintApiKey(kInstance, kFunction);
  EXPECT_EQ(momento_->MintApiKey(kInstance, kFunction), key) << "one key per instance";
  EXPECT_NE(momento_->MintApiKey(kInstance + 1, kFunction), key);
  std::string decoded;
  ASSERT_TRUE(absl::Base64Unescape(key, &decoded));
  EXPECT_EQ(absl::Base64Escape(decoded), key) << "the SDK's isBase64 round trip";
  const nlohmann::json body = nlohmann::json::parse(decoded);
  EXPECT_EQ(body["endpoint"], endpoint_);
  const std::string token = body["api_key"];

  EXPECT_TRUE(Get(*client_, token).ok());
  EXPECT_TRUE(Get(*client_, "configured-key").ok());
  EXPECT_EQ(Get(*client_, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Get(*client_, token + "x").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace momento_faults_test
}  // namespace thaw::momento
