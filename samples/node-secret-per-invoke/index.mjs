// A read-through cache in front of a slow lookup: the sample's Lambda handler.
import { CacheGetResponse, CacheSetResponse } from '@gomomento/sdk';
import { getMomentoClient } from './momento.mjs';

const CACHE = process.env.CACHE_NAME ?? 'orders';

async function slowLookup(id) {
  return { id, status: 'shipped', computedAt: new Date().toISOString() };
}

export async function handler(event) {
  const id = String(event.orderId ?? '42');
  const momento = await getMomentoClient();
  const cached = await momento.get(CACHE, id);
  if (cached.type === CacheGetResponse.Error) throw cached.innerException();
  if (cached.type === CacheGetResponse.Hit) return { ...JSON.parse(cached.valueString()), cached: true };
  const order = await slowLookup(id);
  const stored = await momento.set(CACHE, id, JSON.stringify(order));
  if (stored.type === CacheSetResponse.Error) throw stored.innerException();
  return { ...order, cached: false };
}
