// Shared by the conformance suites: runs a real `thaw serve` on a kernel-chosen port with the
// sample echo function configured under several names, one per behaviour (_HANDLER).
//
// Needs two environment variables (CTest sets them, see CMakeLists.txt):
//   THAW_BINARY    the thaw executable
//   THAW_ECHO_DIR  the directory holding the echo sample's `bootstrap`
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));

// Function name -> handler. Each suite invokes these by name.
export const FUNCTIONS = {
  echo: 'echo',
  failing: 'error',
  crasher: 'crash',
  ctx: 'context',
  printer: 'print',
  sleeper: 'sleep',
};

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const arnOf = (name) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

const READY = /^thaw: listening on http:\/\/127\.0\.0\.1:(\d+)\b/;
const READY_DEADLINE_MS = 20000;
const STOP_DEADLINE_MS = 10000;
const KEEP_OUTPUT = 256 * 1024;

function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run these suites through CTest ` +
                    '(ctest -L conformance) or set THAW_BINARY and THAW_ECHO_DIR yourself');
  }
  return value;
}

// Imports an npm module installed in tests/conformance/node_modules, or fails with the fix.
export async function requireModule(name) {
  try {
    return await import(name);
  } catch (e) {
    if (e && e.code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error(`${name} is not installed in ${join(HERE, 'node_modules')}: ` +
                      'run scripts/install-test-deps.sh (npm ci in tests/conformance) first',
                      { cause: e });
    }
    throw e;
  }
}

function configYaml(echoDir, functions) {
  const lines = ['functions:'];
  for (const [name, handler] of Object.entries(functions)) {
    lines.push(`  ${name}:`,
               '    runtime: provided.al2023',
               `    handler: ${handler}`,
               `    code: ${JSON.stringify(echoDir)}`,
               '    memory: 128',
               '    timeout: 5',
               '    environment: {GREETING: conformance}');
  }
  lines.push('settings:', '  account_concurrency: 50', '');
  return lines.join('\n');
}

// Starts `thaw serve --port 0` and resolves once it printed its ready line.
// Returns {port, endpoint, output(), dumpOutput(), stop()}; stop() sends SIGTERM, waits for the
// exit and resolves {code, signal}.
export async function startThaw({ functions = FUNCTIONS } = {}) {
  const binary = requireEnv('THAW_BINARY');
  const echoDir = requireEnv('THAW_ECHO_DIR');
  if (!existsSync(binary)) throw new Error(`THAW_BINARY ${binary} does not exist: build thaw`);
  if (!existsSync(join(echoDir, 'bootstrap'))) {
    throw new Error(`${echoDir}/bootstrap does not exist: build thaw_echo_function`);
  }

  const dir = mkdtempSync(join(tmpdir(), 'thaw-conformance-'));
  const config = join(dir, 'thaw.yaml');
  writeFileSync(config, configYaml(echoDir, functions));

  const child = spawn(binary, ['serve', '--port', '0', '--config', config],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output += chunk;
    if (output.length > KEEP_OUTPUT) output = output.slice(-KEEP_OUTPUT);
  };
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let exit = null;
  exited.then((e) => { exit = e; });
  // Should this test process end without stop() (a crash, a timeout), thaw goes with it.
  const orphanGuard = () => { if (!exit) child.kill('SIGKILL'); };
  process.on('exit', orphanGuard);
  exited.then(() => process.off('exit', orphanGuard));

  const ready = new Promise((resolve, reject) => {
    let pending = '';
    let seen = false;
    const deadline = setTimeout(() => {
      reject(new Error(`thaw printed no ready line within ${READY_DEADLINE_MS} ms:\n${output}`));
    }, READY_DEADLINE_MS);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', keep);
    // Both pipes keep being drained after the ready line, so thaw never blocks on a write.
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      if (seen) return;
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const m = READY.exec(line);
        if (m) {
          seen = true;
          clearTimeout(deadline);
          resolve(Number(m[1]));
          return;
        }
      }
    });
    child.on('error', (e) => {
      clearTimeout(deadline);
      reject(new Error(`cannot start ${binary}: ${e.message}`));
    });
    exited.then(({ code, signal }) => {
      if (seen) return;
      clearTimeout(deadline);
      reject(new Error(`thaw exited before it was ready (code ${code}, signal ${signal}):\n` +
                       output));
    });
  });

  let port;
  try {
    port = await ready;
  } catch (e) {
    if (!exit && child.pid !== undefined) {  // no pid: it never started, nothing to end
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  let stopping = null;
  const stop = () => {
    stopping ??= (async () => {
      try {
        if (exit) return exit;
        child.kill('SIGTERM');
        let timer;
        const deadline = new Promise((resolve) => {
          timer = setTimeout(() => resolve(null), STOP_DEADLINE_MS);
        });
        const result = await Promise.race([exited, deadline]);
        clearTimeout(timer);
        if (!result) {
          child.kill('SIGKILL');
          await exited;
          throw new Error(`thaw did not exit within ${STOP_DEADLINE_MS} ms of SIGTERM:\n` +
                          output);
        }
        return result;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })();
    return stopping;
  };

  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    output: () => output,
    // Writes the end of thaw's output to stderr (CTest shows it when the suite fails).
    dumpOutput: (bytes = 16 * 1024) => {
      process.stderr.write(`--- last ${bytes} bytes of thaw's output ---\n` +
                           `${output.slice(-bytes)}\n--- end of thaw's output ---\n`);
    },
    stop,
  };
}
