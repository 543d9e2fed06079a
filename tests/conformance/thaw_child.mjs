// What every conformance suite does with the thaw it started: stop it, boundedly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

// How long a thaw gets to exit after SIGTERM (THAW_TEST_SLOWDOWN scales it).
export const STOP_WAIT_MS = 10000 * Number(process.env.THAW_TEST_SLOWDOWN ?? 1);

// SIGTERM, then a bounded wait for the exit, which must be 0. A thaw that does not exit fails the
// suite with every thread's stack (gdb, when installed) and is killed, instead of holding the
// suite until ctest's timeout. Nothing to do when `child` has exited already.
export async function stopThaw(child, what = 'thaw') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(resolve, STOP_WAIT_MS, 'late'); });
  const outcome = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    const stacks = spawnSync('gdb', ['-p', String(child.pid), '-batch', '-ex',
                                     'thread apply all bt 30'], { encoding: 'utf8' });
    process.stderr.write(`${what} did not exit on SIGTERM; its threads:\n${stacks.stdout ?? ''}` +
                         `${stacks.error ? stacks.error.message : ''}\n`);
    child.kill('SIGKILL');
    await exited;
    assert.fail(`${what} did not exit within ${STOP_WAIT_MS} ms of SIGTERM`);
  }
  assert.equal(outcome[0], 0, `${what} exits 0 on SIGTERM`);
}

// The events an `--events FILE` holds so far, parsed. thaw may be writing the file while it is
// read, so a last line without its newline is not complete yet: it is left for the next read.
export function readEvents(file) {
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean)
    .map((line) => JSON.parse(line));
}
