'use strict';

module.exports.list = async (event) => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ orders: [1, 2], stage: event.requestContext.stage }),
});

module.exports.get = async (event) => ({
  statusCode: 200,
  body: JSON.stringify({ id: event.pathParameters.id, route: event.routeKey }),
});
