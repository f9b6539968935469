/** Hand-made normalized models and configs for testing the pure mapping layer. */
import type {
  AddressRec,
  EngagementRec,
  ItUserRec,
  MoModel,
  PersonRec,
  UnitRec,
} from '../../../jobs/os2sync/model.js';
import { canonicalizeModel, emptyUnit } from '../../../jobs/os2sync/model.js';
import type { Os2syncConfig } from '../../../jobs/os2sync/config.js';

/** A readable uuid: `u(7)` = `00000000-0000-4000-8000-000000000007`. */
export function u(n: number, prefix = '0'): string {
  return `${prefix.repeat(8)}-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

export const TOP = u(1, 'a');
export const SYSTEM_AD = u(1, 'd');
export const SYSTEM_FK = u(2, 'd');
export const SYSTEM_OTHER = u(3, 'd');

export function config(over: Partial<Os2syncConfig> = {}): Os2syncConfig {
  return {
    cvr: '12345678',
    apiUrl: 'http://127.0.0.1:1/api',
    apiKey: undefined,
    topUnit: TOP,
    caVerifyMo: true,
    caVerifyOs2sync: true,
    hashCachePath: '/nonexistent',
    phoneClasses: [],
    landlineClasses: [],
    emailClasses: [],
    xferCpr: false,
    useLcDb: false,
    ignoredLevels: [],
    ignoredTypes: [],
    autowash: false,
    syncManagers: false,
    templates: {},
    userKeyItSystem: 'Active Directory',
    filterUsersByItSystem: false,
    uuidFromItSystems: [],
    filterHierarchyNames: [],
    useContactForTasks: false,
    employeeEngagementAddress: [],
    truncateLength: 200,
    enableKle: true,
    pnumberField: 'PNR',
    timeoutMs: 1000,
    retry: { maxAttempts: 1, baseDelayMs: 1, maxTimeMs: 1 },
    downAfterFailures: 5,
    hierarchyPollMs: 1,
    hierarchyTimeoutMs: 1,
    timezone: 'Europe/Copenhagen',
    ...over,
  };
}

export function unit(uuid: string, parent: string | null, over: Partial<UnitRec> = {}): UnitRec {
  return { ...emptyUnit(uuid, `Unit ${uuid.slice(-4)}`), parent, ...over };
}

export function itUser(
  n: number,
  system: 'Active Directory' | 'FK-ORG UUID' | 'Other',
  userKey: string,
  engagementUuid: string | null = null,
): ItUserRec {
  const systemUuid =
    system === 'Active Directory' ? SYSTEM_AD : system === 'FK-ORG UUID' ? SYSTEM_FK : SYSTEM_OTHER;
  return { uuid: u(n, 'c'), userKey, itSystemUuid: systemUuid, itSystemName: system, engagementUuid };
}

export function address(n: number, scope: string, name: string, over: Partial<AddressRec> = {}): AddressRec {
  return {
    uuid: u(n, 'b'),
    name,
    typeUuid: u(n, 'e'),
    scope,
    typeUserKey: scope,
    typeName: scope,
    visibilityScope: null,
    engagementUuid: null,
    ...over,
  };
}

export function engagement(
  n: number,
  unitUuid: string,
  jobFunction: string,
  over: Partial<EngagementRec> = {},
): EngagementRec {
  return {
    uuid: u(n, 'f'),
    unitUuid,
    jobFunction,
    isPrimary: false,
    startDate: '2020-01-01',
    stopDate: null,
    ...over,
  };
}

export function person(n: number, over: Partial<PersonRec> = {}): PersonRec {
  return {
    uuid: u(n, '9'),
    userKey: `BVN${n}`,
    givenName: 'Jens',
    surname: 'Ærø',
    nicknameGivenName: '',
    nicknameSurname: '',
    cpr: '0101701234',
    itUsers: [],
    addresses: [],
    engagements: [],
    ...over,
  };
}

export function model(
  units: UnitRec[],
  persons: PersonRec[] = [],
  hierarchyClasses: [string, string][] = [],
): MoModel {
  return canonicalizeModel({
    units: new Map(units.map((x) => [x.uuid, x])),
    hierarchyClasses: new Map(hierarchyClasses),
    persons,
  });
}
