// Reads a secret or parameter through the Parameters and Secrets extension's local endpoint,
// with the session token header (unless the event says token: false), as AWS documents it.
export async function handler(event) {
  const port = process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';
  const path = event.secretId !== undefined
    ? `/secretsmanager/get?secretId=${encodeURIComponent(event.secretId)}`
    : `/systemsmanager/parameters/get?name=${encodeURIComponent(event.name)}`;
  const headers = event.token === false
    ? {} : { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN };
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: res.status, body: await res.text() };
}
