// Plain API Gateway handlers, as written for AWS.
exports.rest = async (event) => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ path: event.path, resource: event.resource, stage: event.requestContext.stage }),
});
exports.items = async (event) => ({ id: event.pathParameters?.id ?? null, routeKey: event.routeKey });
