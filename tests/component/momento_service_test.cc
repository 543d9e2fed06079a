// The fake Momento end to end in-process: a real gRPC client (the generated stubs) over TCP
// through the Asio acceptor, the connection tracker and the gRPC server, on port 0.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/connection_tracker.h"
#include "fakes/momento/momento_acceptor.h"
#include "fakes/momento/momento_server.h"
#include "proto/momento/cacheclient.grpc.pb.h"
#include "proto/momento/cacheping.grpc.pb.h"
#include "proto/momento/cachepubsub.grpc.pb.h"
#include "proto/momento/controlclient.grpc.pb.h"
#include "tests/util/test_emulator.h"

namespace thaw::momento {
// Named as well: a unity build compiles this file with the others of its binary.
namespace momento_service_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kInstance = 7;
constexpr char kFunction[] = "fn";

// One client connection: a channel that never shares its TCP connection with another.
struct Client {
  explicit Client(uint16_t port) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                        grpc::InsecureChannelCredentials(), args);
    scs = cache_client::Scs::NewStub(channel);
    control = control_client::ScsControl::NewStub(channel);
    ping = cache_client::Ping::NewStub(channel);
  }
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<cache_client::Scs::Stub> scs;
  std::unique_ptr<control_client::ScsControl::Stub> control;
  std::unique_ptr<cache_client::Ping::Stub> ping;
};

// A context as the SDK sends it: `cache` and an empty `authorization`, a 5 s deadline.
std::unique_ptr<grpc::ClientContext> Context(const std::string& cache = "cache",
                                             const std::string& authorization = "") {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!cache.empty()) context->AddMetadata("cache", cache);
  context->AddMetadata("authorization", authorization);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return context;
}

std::optional<std::string> Trailer(const grpc::ClientContext& context, const std::string& key) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(key);
  if (it == trailers.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

class MomentoServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MomentoServerOptions options;
    options.caches = {"cache"};
    Start(options);
  }

  void Start(MomentoServerOptions options) {
    auto server = MomentoServer::Start(std::move(options), ledger_, clock_, tracker_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    MomentoAcceptor::Options acceptor_options;
    acceptor_options.instance = kInstance;
    acceptor_options.function = kFunction;
    auto acceptor =
        MomentoAcceptor::Listen(io_, acceptor_options, tracker_, server_->grpc_server());
    ASSERT_TRUE(acceptor.ok()) << acceptor.status();
    acceptor_ = std::move(*acceptor);
    thread_ = std::thread([this] { io_.run(); });
    client_ = std::make_unique<Client>(acceptor_->port());
  }

  void TearDown() override {
    client_.reset();
    if (!thread_.joinable()) return;
    std::promise<void> closed;
    boost::asio::post(io_, [&] {
      acceptor_.reset();
      closed.set_value();
    });
    closed.get_future().wait();
    server_->Shutdown(std::chrono::milliseconds(0));
    work_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
  }

  size_t CountRpcs(const std::string& method, const std::string& code) {
    return ledger_.Count([&](const Event& e) {
      return e.kind == "momento.rpc" && e.attrs.value("method", "") == method &&
             e.attrs.value("code", "") == code;
    });
  }

  Ledger ledger_;
  SchedulerClock clock_;
  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  ConnectionTracker tracker_{io_, ledger_};
  std::unique_ptr<MomentoServer> server_;
  std::unique_ptr<MomentoAcceptor> acceptor_;
  std::thread thread_;
  std::unique_ptr<Client> client_;
};

TEST_F(MomentoServiceTest, SetGetDeleteRoundTrip) {
  cache_client::SetRequest set;
  set.set_cache_key("k");
  set.set_cache_body("v");
  set.set_ttl_milliseconds(60000);
  cache_client::SetResponse set_response;
  ASSERT_TRUE(client_->scs->Set(Context().get(), set, &set_response).ok());
  EXPECT_EQ(set_response.result(), cache_client::Ok);

  cache_client::GetRequest get;
  get.set_cache_key("k");
  cache_client::GetResponse got;
  ASSERT_TRUE(client_->scs->Get(Context().get(), get, &got).ok());
  EXPECT_EQ(got.result(), cache_client::Hit);
  EXPECT_EQ(got.cache_body(), "v");

  cache_client::DeleteRequest del;
  del.set_cache_key("k");
  cache_client::DeleteResponse deleted;
  ASSERT_TRUE(client_->scs->Delete(Context().get(), del, &deleted).ok());
  ASSERT_TRUE(client_->scs->Get(Context().get(), get, &got).ok());
  EXPECT_EQ(got.result(), cache_client::Miss);
}

TEST_F(MomentoServiceTest, TtlExpiresWhenTheSchedulerClockAdvances) {
  cache_client::SetRequest set;
  set.set_cache_key("k");
  set.set_cache_body("v");
  set.set_ttl_milliseconds(1000);
  cache_client::SetResponse set_response;
  ASSERT_TRUE(client_->scs->Set(Context().get(), set, &set_response).ok());

  cache_client::ItemGetTtlRequest ttl_request;
  ttl_request.set_cache_key("k");
  cache_client::ItemGetTtlResponse ttl;
  ASSERT_TRUE(client_->scs->ItemGetTtl(Context().get(), ttl_request, &ttl).ok());
  ASSERT_TRUE(ttl.has_found());
  EXPECT_LE(ttl.found().remaining_ttl_millis(), 1000u);
  EXPECT_GT(ttl.found().remaining_ttl_millis(), 0u);

  clock_.Advance(std::chrono::seconds(2));
  cache_client::GetRequest get;
  get.set_cache_key("k");
  cache_client::GetResponse got;
  ASSERT_TRUE(client_->scs->Get(Context().get(), get, &got).ok());
  EXPECT_EQ(got.result(), cache_client::Miss);
  ASSERT_TRUE(client_->scs->ItemGetTtl(Context().get(), ttl_request, &ttl).ok());
  EXPECT_TRUE(ttl.has_missing());
}

TEST_F(MomentoServiceTest, SetIfAndSetIfNotExistsStoreOnlyWhenTheConditionHolds) {
  cache_client::SetIfRequest set_if;
  set_if.set_cache_key("k");
  set_if.set_cache_body("v1");
  set_if.set_ttl_milliseconds(60000);
  set_if.mutable_absent();
  cache_client::SetIfResponse response;
  ASSERT_TRUE(client_->scs->SetIf(Context().get(), set_if, &response).ok());
  EXPECT_TRUE(response.has_stored());
  ASSERT_TRUE(client_->scs->SetIf(Context().get(), set_if, &response).ok());
  EXPECT_TRUE(response.has_not_stored());

  set_if.set_cache_body("v2");
  set_if.mutable_equal()->set_value_to_check("v1");
  ASSERT_TRUE(client_->scs->SetIf(Context().get(), set_if, &response).ok());
  EXPECT_TRUE(response.has_stored());
  set_if.mutable_present_and_not_equal()->set_value_to_check("v2");
  ASSERT_TRUE(client_->scs->SetIf(Context().get(), set_if, &response).ok());
  EXPECT_TRUE(response.has_not_stored());

  cache_client::SetIfRequest no_condition;
  no_condition.set_cache_key("k");
  no_condition.set_ttl_milliseconds(1000);
  EXPECT_EQ(client_->scs->SetIf(Context().get(), no_condition, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  cache_client::SetIfNotExistsRequest if_not;
  if_not.set_cache_key("fresh");
  if_not.set_cache_body("x");
  if_not.set_ttl_milliseconds(60000);
  cache_client::SetIfNotExistsResponse if_not_response;
  ASSERT_TRUE(client_->scs->SetIfNotExists(Context().get(), if_not, &if_not_response).ok());
  EXPECT_TRUE(if_not_response.has_stored());
  ASSERT_TRUE(client_->scs->SetIfNotExists(Context().get(), if_not, &if_not_response).ok());
  EXPECT_TRUE(if_not_response.has_not_stored());
}

TEST_F(MomentoServiceTest, GetWithHashAndSetIfHashCompareTheStoredValuesHash) {
  cache_client::GetWithHashRequest get;
  get.set_cache_key("h");
  cache_client::GetWithHashResponse got;
  ASSERT_TRUE(client_->scs->GetWithHash(Context().get(), get, &got).ok());
  EXPECT_TRUE(got.has_missing());

  // absent_or_hash_equal on a missing key stores, and answers the new value's hash.
  cache_client::SetIfHashRequest set;
  set.set_cache_key("h");
  set.set_cache_body("v1");
  set.set_ttl_milliseconds(60000);
  set.mutable_absent_or_hash_equal()->set_hash_to_check("whatever");
  cache_client::SetIfHashResponse response;
  ASSERT_TRUE(client_->scs->SetIfHash(Context().get(), set, &response).ok());
  ASSERT_TRUE(response.has_stored());
  const std::string v1_hash = response.stored().new_hash();
  EXPECT_FALSE(v1_hash.empty());
  ASSERT_TRUE(client_->scs->GetWithHash(Context().get(), get, &got).ok());
  ASSERT_TRUE(got.has_found());
  EXPECT_EQ(got.found().value(), "v1");
  EXPECT_EQ(got.found().hash(), v1_hash);

  // present_and_hash_equal: a stale hash does not store, the current one does.
  set.set_cache_body("v2");
  set.mutable_present_and_hash_equal()->set_hash_to_check("stale");
  ASSERT_TRUE(client_->scs->SetIfHash(Context().get(), set, &response).ok());
  EXPECT_TRUE(response.has_not_stored());
  set.mutable_present_and_hash_equal()->set_hash_to_check(v1_hash);
  ASSERT_TRUE(client_->scs->SetIfHash(Context().get(), set, &response).ok());
  ASSERT_TRUE(response.has_stored());
  const std::string v2_hash = response.stored().new_hash();
  EXPECT_NE(v2_hash, v1_hash);

  // present_and_not_hash_equal / absent_or_not_hash_equal with the current hash do not store.
  set.set_cache_body("v3");
  set.mutable_present_and_not_hash_equal()->set_hash_to_check(v2_hash);
  ASSERT_TRUE(client_->scs->SetIfHash(Context().get(), set, &response).ok());
  EXPECT_TRUE(response.has_not_stored());
  set.mutable_absent_or_not_hash_equal()->set_hash_to_check(v2_hash);
  ASSERT_TRUE(client_->scs->SetIfHash(Context().get(), set, &response).ok());
  EXPECT_TRUE(response.has_not_stored());
  set.mutable_present_and_not_hash_equal()->set_hash_to_check(v1_hash);
  ASSERT_TRUE(client_->scs->SetIfHash(Context().get(), set, &response).ok());
  EXPECT_TRUE(response.has_stored());

  // unconditional (setWithHash) always stores; the same value hashes the same.
  set.set_cache_body("v1");
  set.mutable_unconditional();
  ASSERT_TRUE(client_->scs->SetIfHash(Context().get(), set, &response).ok());
  ASSERT_TRUE(response.has_stored());
  EXPECT_EQ(response.stored().new_hash(), v1_hash);

  // No condition is INVALID_ARGUMENT.
  cache_client::SetIfHashRequest no_condition;
  no_condition.set_cache_key("h");
  no_condition.set_ttl_milliseconds(1000);
  EXPECT_EQ(client_->scs->SetIfHash(Context().get(), no_condition, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(MomentoServiceTest, IncrementCountsAndRefusesNonIntegers) {
  cache_client::IncrementRequest increment;
  increment.set_cache_key("n");
  increment.set_amount(3);
  increment.set_ttl_milliseconds(60000);
  cache_client::IncrementResponse response;
  ASSERT_TRUE(client_->scs->Increment(Context().get(), increment, &response).ok());
  EXPECT_EQ(response.value(), 3);
  ASSERT_TRUE(client_->scs->Increment(Context().get(), increment, &response).ok());
  EXPECT_EQ(response.value(), 6);

  cache_client::SetRequest set;
  set.set_cache_key("s");
  set.set_cache_body("text");
  set.set_ttl_milliseconds(60000);
  cache_client::SetResponse set_response;
  ASSERT_TRUE(client_->scs->Set(Context().get(), set, &set_response).ok());
  increment.set_cache_key("s");
  auto context = Context();
  const grpc::Status status = client_->scs->Increment(context.get(), increment, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(CountRpcs("Increment", "FAILED_PRECONDITION"), 1u);
}

TEST_F(MomentoServiceTest, KeysExistItemGetTypeAndUpdateTtl) {
  cache_client::SetRequest set;
  set.set_cache_key("a");
  set.set_cache_body("1");
  set.set_ttl_milliseconds(60000);
  cache_client::SetResponse set_response;
  ASSERT_TRUE(client_->scs->Set(Context().get(), set, &set_response).ok());

  cache_client::KeysExistRequest exist;
  exist.add_cache_keys("a");
  exist.add_cache_keys("b");
  cache_client::KeysExistResponse exists;
  ASSERT_TRUE(client_->scs->KeysExist(Context().get(), exist, &exists).ok());
  EXPECT_THAT(exists.exists(), ElementsAre(true, false));

  cache_client::ItemGetTypeRequest type_request;
  type_request.set_cache_key("a");
  cache_client::ItemGetTypeResponse type;
  ASSERT_TRUE(client_->scs->ItemGetType(Context().get(), type_request, &type).ok());
  ASSERT_TRUE(type.has_found());
  EXPECT_EQ(type.found().item_type(), cache_client::ItemGetTypeResponse::SCALAR);
  type_request.set_cache_key("b");
  ASSERT_TRUE(client_->scs->ItemGetType(Context().get(), type_request, &type).ok());
  EXPECT_TRUE(type.has_missing());

  cache_client::UpdateTtlRequest update;
  update.set_cache_key("a");
  update.set_increase_to_milliseconds(30000);
  cache_client::UpdateTtlResponse updated;
  ASSERT_TRUE(client_->scs->UpdateTtl(Context().get(), update, &updated).ok());
  EXPECT_TRUE(updated.has_not_set());
  update.set_overwrite_to_milliseconds(120000);
  ASSERT_TRUE(client_->scs->UpdateTtl(Context().get(), update, &updated).ok());
  EXPECT_TRUE(updated.has_set());
  update.set_cache_key("b");
  ASSERT_TRUE(client_->scs->UpdateTtl(Context().get(), update, &updated).ok());
  EXPECT_TRUE(updated.has_missing());
}

TEST_F(MomentoServiceTest, SetBatchAndGetBatchStreamOneAnswerPerItemInOrder) {
  cache_client::SetBatchRequest set_batch;
  for (const char* key : {"x", "y"}) {
    cache_client::SetRequest* item = set_batch.add_items();
    item->set_cache_key(key);
    item->set_cache_body(std::string("value-") + key);
    item->set_ttl_milliseconds(60000);
  }
  auto set_context = Context();
  auto set_reader = client_->scs->SetBatch(set_context.get(), set_batch);
  cache_client::SetResponse set_response;
  int stored = 0;
  while (set_reader->Read(&set_response)) {
    EXPECT_EQ(set_response.result(), cache_client::Ok);
    ++stored;
  }
  ASSERT_TRUE(set_reader->Finish().ok());
  EXPECT_EQ(stored, 2);

  cache_client::GetBatchRequest get_batch;
  for (const char* key : {"y", "missing", "x"}) get_batch.add_items()->set_cache_key(key);
  auto get_context = Context();
  auto get_reader = client_->scs->GetBatch(get_context.get(), get_batch);
  std::vector<std::string> answers;
  cache_client::GetResponse got;
  while (get_reader->Read(&got)) {
    answers.push_back(got.result() == cache_client::Hit ? got.cache_body() : "<miss>");
  }
  ASSERT_TRUE(get_reader->Finish().ok());
  EXPECT_THAT(answers, ElementsAre("value-y", "<miss>", "value-x"));
}

TEST_F(MomentoServiceTest, UnknownCacheIsNotFoundWithoutAnErrTrailer) {
  cache_client::GetRequest get;
  get.set_cache_key("k");
  cache_client::GetResponse got;
  auto context = Context("no-such-cache");
  const grpc::Status status = client_->scs->Get(context.get(), get, &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Trailer(*context, "err"), std::nullopt);

  cache_client::GetBatchRequest batch;
  batch.add_items()->set_cache_key("k");
  auto batch_context = Context("no-such-cache");
  auto reader = client_->scs->GetBatch(batch_context.get(), batch);
  while (reader->Read(&got)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(MomentoServiceTest, MissingCacheMetadataIsInvalidArgument) {
  cache_client::GetRequest get;
  cache_client::GetResponse got;
  EXPECT_EQ(client_->scs->Get(Context("").get(), get, &got).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(MomentoServiceTest, ControlPlaneCreatesListsFlushesAndDeletesCaches) {
  control_client::CreateCacheRequest create;
  create.set_cache_name("other");
  control_client::CreateCacheResponse created;
  ASSERT_TRUE(client_->control->CreateCache(Context("").get(), create, &created).ok());
  EXPECT_EQ(client_->control->CreateCache(Context("").get(), create, &created).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  control_client::ListCachesRequest list;
  control_client::ListCachesResponse listed;
  ASSERT_TRUE(client_->control->ListCaches(Context("").get(), list, &listed).ok());
  ASSERT_EQ(listed.cache_size(), 2);
  EXPECT_EQ(listed.cache(0).cache_name(), "cache");
  EXPECT_EQ(listed.cache(1).cache_name(), "other");
  EXPECT_EQ(listed.cache(0).cache_limits().max_item_size_kb(), 5120u);

  control_client::FlushCacheRequest flush;
  flush.set_cache_name("other");
  control_client::FlushCacheResponse flushed;
  EXPECT_TRUE(client_->control->FlushCache(Context("").get(), flush, &flushed).ok());

  control_client::DeleteCacheRequest del;
  del.set_cache_name("other");
  control_client::DeleteCacheResponse deleted;
  ASSERT_TRUE(client_->control->DeleteCache(Context("").get(), del, &deleted).ok());
  EXPECT_EQ(client_->control->DeleteCache(Context("").get(), del, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(client_->control->FlushCache(Context("").get(), flush, &flushed).error_code(),
            grpc::StatusCode::NOT_FOUND);

  control_client::CreateCacheRequest unnamed;
  EXPECT_EQ(client_->control->CreateCache(Context("").get(), unnamed, &created).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(MomentoServiceTest, PingAnswers) {
  cache_client::PingRequest ping;
  cache_client::PingResponse pong;
  EXPECT_TRUE(client_->ping->Ping(Context("").get(), ping, &pong).ok());
  EXPECT_EQ(CountRpcs("Ping", "OK"), 1u);
}

TEST_F(MomentoServiceTest, EveryRpcIsAttributedToTheListenersInstanceAndConnection) {
  cache_client::GetRequest get;
  get.set_cache_key("k");
  cache_client::GetResponse got;
  ASSERT_TRUE(client_->scs->Get(Context().get(), get, &got).ok());

  auto opened =
      ledger_.WaitFor([](const Event& e) { return e.kind == "momento.connection.opened"; },
                      testing::TestTimeout(), 0, "connection opened");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->instance, kInstance);
  EXPECT_EQ(opened->function, kFunction);
  EXPECT_THAT(opened->attrs.value("peer", ""), HasSubstr("ipv4:127.0.0.1:"));
  EXPECT_EQ(opened->attrs.value("listener", ""), acceptor_->endpoint());
  const std::string connection = opened->attrs.value("connection", "");

  const auto rpcs = ledger_.Select([](const Event& e) { return e.kind == "momento.rpc"; });
  ASSERT_EQ(rpcs.size(), 1u);
  EXPECT_EQ(rpcs[0].instance, kInstance);
  EXPECT_EQ(rpcs[0].function, kFunction);
  EXPECT_EQ(rpcs[0].attrs.value("connection", ""), connection);
  EXPECT_EQ(rpcs[0].attrs.value("method", ""), "Get");
  EXPECT_EQ(rpcs[0].attrs.value("service", ""), "cache_client.Scs");
  EXPECT_EQ(rpcs[0].attrs.value("cache", ""), "cache");
  EXPECT_EQ(rpcs[0].attrs.value("code", ""), "OK");
  EXPECT_EQ(rpcs[0].attrs.value("peer", ""), opened->attrs.value("peer", ""));
}

TEST_F(MomentoServiceTest, EachClientConnectionIsOpenedAndClosedInTheLedger) {
  cache_client::PingRequest ping;
  cache_client::PingResponse pong;
  ASSERT_TRUE(client_->ping->Ping(Context("").get(), ping, &pong).ok());
  Client second(acceptor_->port());
  ASSERT_TRUE(second.ping->Ping(Context("").get(), ping, &pong).ok());

  const auto opened =
      ledger_.Select([](const Event& e) { return e.kind == "momento.connection.opened"; });
  ASSERT_EQ(opened.size(), 2u);
  const auto rpcs = ledger_.Select([](const Event& e) { return e.kind == "momento.rpc"; });
  ASSERT_EQ(rpcs.size(), 2u);
  EXPECT_NE(rpcs[0].attrs.value("connection", ""), rpcs[1].attrs.value("connection", ""));
  EXPECT_EQ(tracker_.open_connections(), 2u);

  const uint64_t since = ledger_.LastSeq();
  client_.reset();  // The client closes its TCP connection.
  auto closed =
      ledger_.WaitFor([](const Event& e) { return e.kind == "momento.connection.closed"; },
                      testing::TestTimeout(), since, "connection closed");
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->attrs.value("connection", ""), rpcs[0].attrs.value("connection", ""));
  EXPECT_EQ(closed->instance, kInstance);
  EXPECT_EQ(closed->attrs.value("reason", ""), "eof");
  EXPECT_GT(closed->attrs.value("bytes_received", 0), 0);

  // The other connection still answers, and is still attributed.
  ASSERT_TRUE(second.ping->Ping(Context("").get(), ping, &pong).ok());
  const auto last = ledger_.Select([](const Event& e) { return e.kind == "momento.rpc"; });
  EXPECT_EQ(last.back().attrs.value("connection", ""), rpcs[1].attrs.value("connection", ""));
}

TEST_F(MomentoServiceTest, MomentoLocalErrorMetadataFailsListedRpcsUpToTheCount) {
  auto faulty = [] {
    auto context = Context();
    context->AddMetadata("request-id", "session-a");
    context->AddMetadata("return-error", "unavailable");
    context->AddMetadata("error-rpcs", "get");
    context->AddMetadata("error-count", "2");
    return context;
  };
  cache_client::GetRequest get;
  get.set_cache_key("k");
  cache_client::GetResponse got;
  EXPECT_EQ(client_->scs->Get(faulty().get(), get, &got).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(client_->scs->Get(faulty().get(), get, &got).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(client_->scs->Get(faulty().get(), get, &got).ok());
  const auto faults = ledger_.Count([](const Event& e) {
    return e.kind == "momento.rpc" && e.attrs.value("fault", "") == "error";
  });
  EXPECT_EQ(faults, 2u);
}

TEST_F(MomentoServiceTest, ADelayLongerThanTheDeadlineIsDeadlineExceeded) {
  auto context = Context();
  context->AddMetadata("delay-rpcs", "get");
  // Scaled under sanitizers: a deadline that passes before the server has matched the call
  // cancels it unseen (then there is nothing to record).
  const auto deadline = std::chrono::milliseconds(static_cast<int>(200 * testing::Slowdown()));
  context->AddMetadata("delay-ms", std::to_string(25 * deadline.count()));
  context->set_deadline(std::chrono::system_clock::now() + deadline);
  cache_client::GetRequest get;
  get.set_cache_key("k");
  cache_client::GetResponse got;
  EXPECT_EQ(client_->scs->Get(context.get(), get, &got).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  // The server gives up too, and records it.
  auto recorded = ledger_.WaitFor(
      [](const Event& e) {
        return e.kind == "momento.rpc" && e.attrs.value("method", "") == "Get";
      },
      testing::TestTimeout(), 0, "the delayed Get");
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->attrs.value("code", ""), "DEADLINE_EXCEEDED");
  EXPECT_EQ(recorded->attrs.value("fault", ""), "delay");
}

class MomentoLimitsTest : public MomentoServiceTest {
 protected:
  void SetUp() override {
    MomentoServerOptions options;
    options.caches = {"cache"};
    options.limits.max_item_bytes = 100;
    options.limits.max_request_bytes = 300;
    Start(options);
  }
};

TEST_F(MomentoLimitsTest, OversizedItemsAndRequestsAreResourceExhaustedWithTheErrTrailer) {
  cache_client::SetRequest set;
  set.set_cache_key("k");
  set.set_cache_body(std::string(150, 'x'));
  set.set_ttl_milliseconds(1000);
  cache_client::SetResponse response;
  auto context = Context();
  EXPECT_EQ(client_->scs->Set(context.get(), set, &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Trailer(*context, "err"), "item_size_limit_exceeded");

  cache_client::SetBatchRequest batch;
  for (int i = 0; i < 5; ++i) {
    cache_client::SetRequest* item = batch.add_items();
    item->set_cache_key("k" + std::to_string(i));
    item->set_cache_body(std::string(90, 'x'));
    item->set_ttl_milliseconds(1000);
  }
  auto batch_context = Context();
  auto reader = client_->scs->SetBatch(batch_context.get(), batch);
  while (reader->Read(&response)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Trailer(*batch_context, "err"), "request_size_limit_exceeded");
  const auto recorded = ledger_.Select([](const Event& e) {
    return e.kind == "momento.rpc" && e.attrs.value("method", "") == "SetBatch";
  });
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].attrs.value("err", ""), "request_size_limit_exceeded");
}

class MomentoServiceLimitsTest : public MomentoServiceTest {
 protected:
  void SetUp() override {
    MomentoServerOptions options;
    options.caches = {"a", "b", "c"};
    options.limits.max_element_bytes = 8;
    options.limits.max_publish_message_bytes = 4;
    options.limits.max_subscriptions = 1;
    options.limits.list_caches_page_size = 2;
    Start(options);
  }
};

TEST_F(MomentoServiceLimitsTest, ACollectionElementOverTheLimitIsElementSizeLimitExceeded) {
  cache_client::SetUnionRequest add;
  add.set_set_name("s");
  add.add_elements("short");
  add.add_elements("longer than eight");
  add.set_ttl_milliseconds(60000);
  cache_client::SetUnionResponse added;
  auto context = Context("a");
  const grpc::Status refused = client_->scs->SetUnion(context.get(), add, &added);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Trailer(*context, "err"), "element_size_limit_exceeded");
  // The words the SDK picks its message by (it reads the details, not the trailer).
  EXPECT_THAT(refused.error_message(), HasSubstr("element size"));

  // Nothing was stored; an element at the limit is fine.
  cache_client::SetFetchRequest fetch;
  fetch.set_set_name("s");
  cache_client::SetFetchResponse fetched;
  ASSERT_TRUE(client_->scs->SetFetch(Context("a").get(), fetch, &fetched).ok());
  EXPECT_TRUE(fetched.has_missing());
  add.clear_elements();
  add.add_elements("12345678");
  EXPECT_TRUE(client_->scs->SetUnion(Context("a").get(), add, &added).ok());

  cache_client::DictionarySetRequest dict;
  dict.set_dictionary_name("d");
  cache_client::DictionaryFieldValuePair* pair = dict.add_items();
  pair->set_field("f");
  pair->set_value("a value too long");
  dict.set_ttl_milliseconds(60000);
  cache_client::DictionarySetResponse dict_set;
  context = Context("a");
  EXPECT_EQ(client_->scs->DictionarySet(context.get(), dict, &dict_set).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Trailer(*context, "err"), "element_size_limit_exceeded");
}

TEST_F(MomentoServiceLimitsTest, TopicMessagesAndSubscriptionsPerCacheAreLimited) {
  namespace ps = cache_client::pubsub;
  auto pubsub = ps::Pubsub::NewStub(client_->channel);
  ps::PublishRequest publish;
  publish.set_cache_name("a");
  publish.set_topic("t");
  publish.mutable_value()->set_text("too long");
  common::Empty published;
  auto context = Context("");
  EXPECT_EQ(pubsub->Publish(context.get(), publish, &published).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Trailer(*context, "err"), "request_size_limit_exceeded");
  publish.mutable_value()->set_binary("1234");
  EXPECT_TRUE(pubsub->Publish(Context("").get(), publish, &published).ok());

  ps::SubscriptionRequest subscribe;
  subscribe.set_cache_name("a");
  subscribe.set_topic("t");
  auto first_context = Context("");
  auto first = pubsub->Subscribe(first_context.get(), subscribe);
  ps::SubscriptionItem item;
  ASSERT_TRUE(first->Read(&item));  // the heartbeat: it is open
  // A second one on another topic of the same cache is over the limit of 1.
  subscribe.set_topic("other");
  auto second_context = Context("");
  auto second = pubsub->Subscribe(second_context.get(), subscribe);
  EXPECT_FALSE(second->Read(&item));
  const grpc::Status refused = second->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("subscribers"));
  EXPECT_EQ(Trailer(*second_context, "err"), "topic_subscriptions_limit_exceeded");
  // The limit is per cache: another cache's topic is served.
  subscribe.set_cache_name("b");
  auto third_context = Context("");
  auto third = pubsub->Subscribe(third_context.get(), subscribe);
  EXPECT_TRUE(third->Read(&item));
  first_context->TryCancel();
  third_context->TryCancel();
}

TEST_F(MomentoServiceLimitsTest, ListCachesPagesWithNextToken) {
  control_client::ListCachesRequest list;
  control_client::ListCachesResponse page;
  ASSERT_TRUE(client_->control->ListCaches(Context("").get(), list, &page).ok());
  ASSERT_EQ(page.cache_size(), 2);
  EXPECT_EQ(page.cache(0).cache_name(), "a");
  EXPECT_EQ(page.cache(1).cache_name(), "b");
  EXPECT_EQ(page.cache(0).topic_limits().max_subscription_count(), 1u);
  EXPECT_EQ(page.next_token(), "b");

  list.set_next_token(page.next_token());
  page.Clear();
  ASSERT_TRUE(client_->control->ListCaches(Context("").get(), list, &page).ok());
  ASSERT_EQ(page.cache_size(), 1);
  EXPECT_EQ(page.cache(0).cache_name(), "c");
  EXPECT_EQ(page.next_token(), "");
}

class MomentoAuthTest : public MomentoServiceTest {
 protected:
  void SetUp() override {
    MomentoServerOptions options;
    options.caches = {"cache"};
    options.api_keys = {"secret-key"};
    Start(options);
  }
};

TEST_F(MomentoAuthTest, OnlyConfiguredKeysAreAccepted) {
  cache_client::GetRequest get;
  get.set_cache_key("k");
  cache_client::GetResponse got;
  EXPECT_EQ(client_->scs->Get(Context("cache", "").get(), get, &got).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(client_->scs->Get(Context("cache", "wrong").get(), get, &got).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(client_->scs->Get(Context("cache", "secret-key").get(), get, &got).ok());
  control_client::ListCachesRequest list;
  control_client::ListCachesResponse listed;
  EXPECT_EQ(client_->control->ListCaches(Context("", "").get(), list, &listed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CountRpcs("Get", "UNAUTHENTICATED"), 2u);
}

}  // namespace
}  // namespace momento_service_test
}  // namespace thaw::momento
