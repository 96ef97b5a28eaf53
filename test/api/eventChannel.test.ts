import { describe, expect, it } from 'vitest';
import { EventChannel } from '../../src/api/eventChannel.ts';

async function drain<T>(iterator: AsyncIterableIterator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterator) out.push(value);
  return out;
}

describe('EventChannel', () => {
  it('gives the first iterator its seed and every event published before it was opened', async () => {
    const channel = new EventChannel<string>();
    channel.seedBacklog(['state']);
    channel.publish('a');
    channel.publish('b');
    const first = channel.iterate(() => ['now']);
    channel.publish('c');
    channel.end();
    expect(await drain(first)).toEqual(['state', 'a', 'b', 'c']);
  });

  it('starts later iterators from catchUp(), without keeping anything for them', async () => {
    const channel = new EventChannel<string>();
    channel.publish('a');
    void channel.iterate().return?.();
    channel.publish('b');
    const second = channel.iterate(() => ['now']);
    channel.publish('c');
    channel.end();
    expect(await drain(second)).toEqual(['now', 'c']);
  });

  it('drops the backlog past its limit, and the first iterator then starts from catchUp()', async () => {
    const channel = new EventChannel<number>({ backlogLimit: 3 });
    for (let i = 0; i < 4; i++) channel.publish(i);
    const first = channel.iterate(() => [99]);
    channel.publish(4);
    channel.end();
    expect(await drain(first)).toEqual([99, 4]);
  });

  it('fails every open iterator with the error the channel ended with', async () => {
    const channel = new EventChannel<number>();
    const first = channel.iterate();
    channel.end(new Error('boom'));
    await expect(first.next()).rejects.toThrow('boom');
  });
});
