export async function handler() {
  return 'from .mjs';
}
