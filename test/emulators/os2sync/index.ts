export { startOs2syncEmulator } from './server.js';
export type { Os2syncEmulator, Os2syncEmulatorOptions } from './server.js';
export type { FkState, LoggedRequest, Os2syncFaults, OrgUnitRecord, UserRecord } from './types.js';
