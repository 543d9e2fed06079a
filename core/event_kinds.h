#ifndef THAW_CORE_EVENT_KINDS_H_
#define THAW_CORE_EVENT_KINDS_H_

// Every kind of ledger event, defined once. Producers append with these and readers (queries,
// `thaw check`'s rules, thaw::testing, the report, the admin API) compare with these, so a kind
// cannot be spelled two ways. The README's "Events" list documents each one's attributes.
namespace thaw::kinds {

// Families, for prefix matches ("every momento.* event").
inline constexpr char kInstanceFamily[] = "instance.";
inline constexpr char kInvokeFamily[] = "invoke.";
inline constexpr char kMomentoFamily[] = "momento.";
inline constexpr char kAwsFamily[] = "aws.";

// An instance's life (emulator/control).
inline constexpr char kInstanceSpawned[] = "instance.spawned";
inline constexpr char kInstanceReady[] = "instance.ready";
inline constexpr char kInstanceInitError[] = "instance.init_error";
inline constexpr char kInstanceInitTimeout[] = "instance.init_timeout";
inline constexpr char kInstanceFrozen[] = "instance.frozen";
inline constexpr char kInstanceThawed[] = "instance.thawed";
inline constexpr char kInstanceExited[] = "instance.exited";
inline constexpr char kInstanceStopping[] = "instance.stopping";
inline constexpr char kInstanceKillRequested[] = "instance.kill_requested";
inline constexpr char kInstanceGone[] = "instance.gone";

// A sandboxed instance tried to reach something outside (emulator/sandbox): a connection or
// datagram caught by the egress trap (attrs: host (the name it resolved, else the address),
// address, port (TCP/UDP), protocol), or, where there is no trap or for record types other than
// A/AAAA, a name thaw does not serve, looked up through the sandbox's resolver (attrs: host,
// query).
inline constexpr char kSandboxEgressBlocked[] = "sandbox.egress_blocked";

// Invocations (emulator/control).
inline constexpr char kInvokeStart[] = "invoke.start";
inline constexpr char kInvokeEnd[] = "invoke.end";
inline constexpr char kInvokeThrottled[] = "invoke.throttled";
inline constexpr char kInvokeQueued[] = "invoke.queued";
inline constexpr char kInvokeDropped[] = "invoke.dropped";
inline constexpr char kInvokeAsyncDone[] = "invoke.async_done";
inline constexpr char kInvokeRetryScheduled[] = "invoke.retry_scheduled";

// The packaging check (emulator/package), recorded by `thaw check` before its first step: one
// event per problem found in a function's code directory (function set, instance 0; attrs: file
// (relative to the code directory, "" for the directory as a whole), severity ("error" or
// "note"), reason).
inline constexpr char kPackageProblem[] = "package.problem";

// The scheduler clock.
inline constexpr char kClockAdvanced[] = "clock.advanced";
// An instance whose program the clock preload cannot reach (statically linked, Go): its clocks
// stay real although its function has virtual time. Attrs: reason, executable.
inline constexpr char kClockNotVirtual[] = "clock.not_virtual";

// `thaw check`: a scenario step begins.
inline constexpr char kScenarioStep[] = "scenario.step";

// The fake Momento (fakes/momento).
inline constexpr char kMomentoConnectionOpened[] = "momento.connection.opened";
inline constexpr char kMomentoConnectionClosed[] = "momento.connection.closed";
inline constexpr char kMomentoConnectionUnwatched[] = "momento.connection.unwatched";
// A client whose TLS handshake with the fake failed (e.g. it does not trust thaw's CA); it never
// reached gRPC, so it has no opened or closed event.
inline constexpr char kMomentoConnectionTlsFailed[] = "momento.connection.tls_failed";
inline constexpr char kMomentoRpc[] = "momento.rpc";
inline constexpr char kMomentoFault[] = "momento.fault";
// A topic subscription (Pubsub/Subscribe) registered with its topic / ended.
inline constexpr char kMomentoSubscriptionOpened[] = "momento.subscription.opened";
inline constexpr char kMomentoSubscriptionClosed[] = "momento.subscription.closed";

// The fake AWS (fakes/aws).
inline constexpr char kAwsRequest[] = "aws.request";
inline constexpr char kAwsRotation[] = "aws.rotation";
inline constexpr char kAwsExtension[] = "aws.extension";
inline constexpr char kAwsNote[] = "aws.note";
inline constexpr char kAwsSecretRotated[] = "aws.secret.rotated";

}  // namespace thaw::kinds

#endif  // THAW_CORE_EVENT_KINDS_H_
