#ifndef THAW_FAKES_MOMENTO_SCS_COLLECTIONS_H_
#define THAW_FAKES_MOMENTO_SCS_COLLECTIONS_H_

#include "fakes/momento/cache_store.h"
#include "fakes/momento/call_dispatcher.h"
#include "proto/momento/cacheclient.grpc.pb.h"

namespace thaw::momento {

// The collection RPCs of `cache_client.Scs` (Dictionary*, Set{Fetch,Sample,Union,Difference,
// Contains,Length,Pop}, List*, SortedSet*) over a CacheStore, answered as @gomomento/sdk 1.118.1
// reads them: a missing collection is the response's `missing` case (the SDK's Miss), a read of
// present elements `found`. Writes carry a CollectionTtl (ttl_milliseconds + refresh_ttl).
// Errors are the store's (cache_store.h): an item of another type is FAILED_PRECONDITION.
//
// Every method declared in cacheclient.proto must be registered here or in ScsService: on the
// async API an unrequested method's calls wait for a handler forever instead of UNIMPLEMENTED.
//
// `store` and `service` must outlive it.
class ScsCollections {
 public:
  ScsCollections(CacheStore& store, cache_client::Scs::AsyncService& service);
  ScsCollections(const ScsCollections&) = delete;
  ScsCollections& operator=(const ScsCollections&) = delete;

  void Register(CallDispatcher& dispatcher);

 private:
  void RegisterDictionaries(CallDispatcher& dispatcher);
  void RegisterSets(CallDispatcher& dispatcher);
  void RegisterLists(CallDispatcher& dispatcher);
  void RegisterSortedSets(CallDispatcher& dispatcher);

  CacheStore& store_;
  cache_client::Scs::AsyncService& service_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_SCS_COLLECTIONS_H_
