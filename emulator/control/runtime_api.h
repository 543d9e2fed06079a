#ifndef THAW_EMULATOR_CONTROL_RUNTIME_API_H_
#define THAW_EMULATOR_CONTROL_RUNTIME_API_H_

#include <boost/asio/awaitable.hpp>
#include <memory>

#include "core/http/http_server.h"

namespace thaw {

class Instance;

// The Runtime API (/2018-06-01) as one instance's runtime sees it:
//   GET  /runtime/invocation/next            long-polls for the next event; 403
//                                            InvalidStateTransition while the runtime holds an
//                                            unanswered event, or once a newer /next (on any
//                                            connection) replaced this waiting one
//   POST /runtime/invocation/{id}/response   202; 400 InvalidRequestID; 403; 413
//   POST /runtime/invocation/{id}/error      202 (Lambda-Runtime-Function-Error-Type honoured)
//   POST /runtime/init/error                 202; 403 once init is over
// Error bodies are {"errorMessage","errorType"} as the Lambda service and RIE give them.
// Strand-confined to the instance's io_context.
boost::asio::awaitable<http::Response> HandleRuntimeApi(std::shared_ptr<Instance> instance,
                                                        http::Request& request,
                                                        const http::RequestContext& context);

// The error type Lambda records for a Lambda-Runtime-Function-Error-Type value: kept when it
// matches (Runtime|Function).[A-Z][a-zA-Z]+, otherwise Function.Unknown or Runtime.Unknown.
std::string NormalizeErrorType(std::string_view header);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_RUNTIME_API_H_
