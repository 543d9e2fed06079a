// thaw_grpc_floor: the least a gRPC C++ server can do for the calls thaw_momento_bench measures,
// so the benchmark can tell the fake Momento's own cost from gRPC's on this machine with its
// client. It serves `cache_client.Scs` Get, Set, DictionaryGet and SortedSetFetch with canned
// answers of the shape and size the fake gives the benchmark's reads (a 3-byte hit; one 3-byte
// field; ranks 0-9 of the seeded sorted set, with scores), on the fake's architecture at its
// leanest: gRPC's async API, one completion queue, one thread that polls and answers (as
// fakes/momento/call_dispatcher.h), and no per-call work besides (no metadata read, no done
// notification, no record, no store).
//
//   thaw_grpc_floor [--port PORT] [--adopt]
//
// --adopt: accept the connections itself and hand each to gRPC with AddInsecureChannelFromFd
// (non-blocking, TCP_NODELAY), as the fake's ConnectionTracker does, instead of gRPC's listener.
//
// It also accepts (and ignores) the benchmark's seeding (DictionarySet, SortedSetPut), so that
// `thaw_momento_bench --momento-port PORT --no-floor` can measure it alone, e.g. under a profiler.
// Prints "thaw_grpc_floor: listening on 127.0.0.1:PORT" once serving; stops on SIGTERM/SIGINT.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/server_posix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "proto/momento/cacheclient.grpc.pb.h"

namespace thaw::bench {
namespace {

namespace cc = cache_client;

// The same data thaw_momento_bench seeds the fake with: a 3-byte value, 10 members "m000".. with
// their ranks as scores.
constexpr char kValue[] = "xxx";
constexpr int kFetchCount = 10;

// A tag of the completion queue: one call of one method, from its request to its answer.
class Tag {
 public:
  virtual ~Tag() = default;
  virtual void Proceed(bool ok) = 0;
};

// How to ask gRPC for a call of one method, and what to answer it.
template <typename Request, typename Response>
struct CannedMethod {
  void (*request)(cc::Scs::AsyncService*, grpc::ServerContext*, Request*,
                  grpc::ServerAsyncResponseWriter<Response>*, grpc::ServerCompletionQueue*, void*);
  Response answer;
};

template <typename Request, typename Response>
class CannedCall final : public Tag {
 public:
  CannedCall(cc::Scs::AsyncService* service, grpc::ServerCompletionQueue* cq,
             const CannedMethod<Request, Response>* method)
      : service_(service), cq_(cq), method_(method) {
    method_->request(service_, &context_, &request_, &responder_, cq_, this);
  }

  void Proceed(bool ok) override {
    // Not ok before the answer: the server is shutting down. After it: the answer went (or not).
    if (!ok || answered_) {
      delete this;
      return;
    }
    new CannedCall(service_, cq_, method_);  // The next call of this method.
    answered_ = true;
    responder_.Finish(method_->answer, grpc::Status::OK, this);
  }

 private:
  cc::Scs::AsyncService* const service_;
  grpc::ServerCompletionQueue* const cq_;
  const CannedMethod<Request, Response>* const method_;
  grpc::ServerContext context_;
  Request request_;
  grpc::ServerAsyncResponseWriter<Response> responder_{&context_};
  bool answered_ = false;
};

struct CannedMethods {
  CannedMethod<cc::GetRequest, cc::GetResponse> get;
  CannedMethod<cc::SetRequest, cc::SetResponse> set;
  CannedMethod<cc::DictionaryGetRequest, cc::DictionaryGetResponse> dictionary_get;
  CannedMethod<cc::SortedSetFetchRequest, cc::SortedSetFetchResponse> sorted_set_fetch;
  // The benchmark's seeding.
  CannedMethod<cc::DictionarySetRequest, cc::DictionarySetResponse> dictionary_set;
  CannedMethod<cc::SortedSetPutRequest, cc::SortedSetPutResponse> sorted_set_put;
};

void FillAnswers(CannedMethods& methods) {
  methods.get.request = [](cc::Scs::AsyncService* service, grpc::ServerContext* context,
                           cc::GetRequest* request,
                           grpc::ServerAsyncResponseWriter<cc::GetResponse>* responder,
                           grpc::ServerCompletionQueue* cq, void* tag) {
    service->RequestGet(context, request, responder, cq, cq, tag);
  };
  methods.get.answer.set_result(cc::Hit);
  methods.get.answer.set_cache_body(kValue);

  methods.set.request = [](cc::Scs::AsyncService* service, grpc::ServerContext* context,
                           cc::SetRequest* request,
                           grpc::ServerAsyncResponseWriter<cc::SetResponse>* responder,
                           grpc::ServerCompletionQueue* cq, void* tag) {
    service->RequestSet(context, request, responder, cq, cq, tag);
  };
  methods.set.answer.set_result(cc::Ok);

  methods.dictionary_get.request =
      [](cc::Scs::AsyncService* service, grpc::ServerContext* context,
         cc::DictionaryGetRequest* request,
         grpc::ServerAsyncResponseWriter<cc::DictionaryGetResponse>* responder,
         grpc::ServerCompletionQueue* cq,
         void* tag) { service->RequestDictionaryGet(context, request, responder, cq, cq, tag); };
  cc::DictionaryGetResponse::DictionaryGetResponsePart* part =
      methods.dictionary_get.answer.mutable_found()->add_items();
  part->set_result(cc::Hit);
  part->set_cache_body(kValue);

  methods.sorted_set_fetch.request =
      [](cc::Scs::AsyncService* service, grpc::ServerContext* context,
         cc::SortedSetFetchRequest* request,
         grpc::ServerAsyncResponseWriter<cc::SortedSetFetchResponse>* responder,
         grpc::ServerCompletionQueue* cq,
         void* tag) { service->RequestSortedSetFetch(context, request, responder, cq, cq, tag); };
  auto* elements = methods.sorted_set_fetch.answer.mutable_found()->mutable_values_with_scores();
  for (int i = 0; i < kFetchCount; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "m%03d", i);
    cc::SortedSetElement* element = elements->add_elements();
    element->set_value(name);
    element->set_score(i);
  }

  methods.dictionary_set.request =
      [](cc::Scs::AsyncService* service, grpc::ServerContext* context,
         cc::DictionarySetRequest* request,
         grpc::ServerAsyncResponseWriter<cc::DictionarySetResponse>* responder,
         grpc::ServerCompletionQueue* cq,
         void* tag) { service->RequestDictionarySet(context, request, responder, cq, cq, tag); };
  methods.sorted_set_put.request =
      [](cc::Scs::AsyncService* service, grpc::ServerContext* context,
         cc::SortedSetPutRequest* request,
         grpc::ServerAsyncResponseWriter<cc::SortedSetPutResponse>* responder,
         grpc::ServerCompletionQueue* cq,
         void* tag) { service->RequestSortedSetPut(context, request, responder, cq, cq, tag); };
}

// A loopback listening socket on `port` (0: any); -1 on failure. Its port goes to *bound.
int Listen(int port, int* bound) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, SOMAXCONN) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *bound = ntohs(addr.sin_port);
  return fd;
}

// Hands every connection accepted on `listener` to `server` until the listener is shut down.
void AdoptConnections(int listener, grpc::Server* server) {
  for (;;) {
    const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    grpc::AddInsecureChannelFromFd(server, fd);
  }
}

int Main(int argc, char** argv) {
  int port = 0;
  bool adopt = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else if (arg == "--adopt") {
      adopt = true;
    } else {
      std::fprintf(stderr, "usage: thaw_grpc_floor [--port PORT] [--adopt]\n");
      return 2;
    }
  }
  // As thaw does (cli/cli.cc), so that Debian abseil's deadlock detector is not part of the floor.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Blocked before gRPC starts its threads, so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  CannedMethods methods;
  FillAnswers(methods);
  cc::Scs::AsyncService service;
  grpc::ServerBuilder builder;
  int bound_port = 0;
  int listener = -1;
  if (adopt) {
    listener = Listen(port, &bound_port);
  } else {
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                             &bound_port);
  }
  builder.RegisterService(&service);
  std::unique_ptr<grpc::ServerCompletionQueue> cq = builder.AddCompletionQueue();
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0 || (adopt && listener < 0)) {
    std::fprintf(stderr, "thaw_grpc_floor: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  new CannedCall(&service, cq.get(), &methods.get);
  new CannedCall(&service, cq.get(), &methods.set);
  new CannedCall(&service, cq.get(), &methods.dictionary_get);
  new CannedCall(&service, cq.get(), &methods.sorted_set_fetch);
  new CannedCall(&service, cq.get(), &methods.dictionary_set);
  new CannedCall(&service, cq.get(), &methods.sorted_set_put);
  std::thread poller([&cq] {
    void* tag = nullptr;
    bool ok = false;
    while (cq->Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);
  });
  std::thread acceptor;
  if (adopt)
    acceptor = std::thread([listener, &server] { AdoptConnections(listener, server.get()); });
  std::printf("thaw_grpc_floor: listening on 127.0.0.1:%d\n", bound_port);
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  if (adopt) {
    shutdown(listener, SHUT_RDWR);  // Ends accept4.
    acceptor.join();
    close(listener);
  }
  server->Shutdown(std::chrono::system_clock::now());
  cq->Shutdown();  // After the server's: every call still waiting returns not ok, and goes.
  poller.join();
  return 0;
}

}  // namespace
}  // namespace thaw::bench

int main(int argc, char** argv) { return thaw::bench::Main(argc, argv); }
