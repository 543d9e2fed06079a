// Handlers as they are written for API Gateway and function URLs: nothing thaw-specific.

// Answers the event it got, with a cookie, in the response shape of the event's format.
export const echo = async (event) => {
  const body = JSON.stringify({ event });
  if (event.version === '2.0') {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'x-handler': 'echo' },
      cookies: ['seen=yes; Path=/'],
      body,
    };
  }
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json', 'X-Handler': 'echo' },
    multiValueHeaders: { 'Set-Cookie': ['seen=yes; Path=/', 'format=v1; Path=/'] },
    body,
  };
};

// The 2.0 format's shortcut: a bare object is the body of a 200 JSON answer.
export const bare = async (event) => ({ hello: event.pathParameters.name });

// Bytes, base64 in the answer.
export const image = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'image/png' },
  body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]).toString('base64'),
  isBase64Encoded: true,
});

export const fail = async () => {
  throw new Error('boom');
};

// A page whose script calls the API from the browser (same origin): the request carries the
// cookie an earlier answer set, and the results are written into the page.
export const page = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!doctype html><html><body><pre id="out"></pre><script>
    function call(method, url, body) {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url, false);
      if (body) xhr.setRequestHeader('Content-Type', 'application/json');
      xhr.send(body || null);
      return { status: xhr.status, body: xhr.responseText };
    }
    const first = call('GET', '/items/7?tag=a&tag=b');
    const second = call('POST', '/rest/orders/new', JSON.stringify({ n: 1 }));
    document.getElementById('out').textContent = JSON.stringify({
      first: { status: first.status, event: JSON.parse(first.body).event },
      second: { status: second.status, event: JSON.parse(second.body).event },
      cookie: document.cookie,
    });
  </script></body></html>`,
});
