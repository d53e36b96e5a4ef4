import { GroupGate } from '../../../local/event-source/group-gate';

async function isSettled(promise: Promise<void>): Promise<boolean> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('GroupGate', () => {
  it('admits a batch at once when none of its groups is held', async () => {
    const gate = new GroupGate();

    const first = gate.admit(['a']);
    const other = gate.admit(['b']);

    expect(await isSettled(first.ready)).toBe(true);
    expect(await isSettled(other.ready)).toBe(true);
  });

  it('holds a batch sharing a group until the earlier holder releases it', async () => {
    const gate = new GroupGate();
    const first = gate.admit(['a']);
    const second = gate.admit(['b', 'a']);

    const beforeRelease = await isSettled(second.ready);
    first.release();

    expect(beforeRelease).toBe(false);
    expect(await isSettled(second.ready)).toBe(true);
  });

  it('keeps admission order: a later batch of a group waits behind an earlier waiting one', async () => {
    const gate = new GroupGate();
    const first = gate.admit(['a']);
    const second = gate.admit(['a', 'b']);
    const third = gate.admit(['b']);

    first.release();
    const thirdBeforeSecondReleases = await isSettled(third.ready);
    second.release();

    expect(thirdBeforeSecondReleases).toBe(false);
    expect(await isSettled(third.ready)).toBe(true);
  });

  it('forgets a group once its last holder releases it', async () => {
    const gate = new GroupGate();
    const only = gate.admit(['a', 'b']);

    only.release();
    await isSettled(only.ready);

    expect(gate.activeGroups).toBe(0);
  });
});
