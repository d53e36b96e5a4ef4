export { SqsEmulator } from './emulator';
export type { ReceiveOptions, SqsEmulatorOptions } from './emulator';
export { ManualClock, systemClock } from './clock';
export type { Clock, Timer } from './clock';
export { SqsError } from './errors';
export { ResponseDroppedError } from '../fault-schedule';
export type { RunningEmulator as RunningServer } from '../loopback';
