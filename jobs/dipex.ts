/**
 * DIPEX's tools/job-runner.sh (OS2mo/os2mo-data-import-and-export @2fd126c7): every `crontab.RUN_*` toggle and
 * job function, and what this runner does with it. `check`, `list` and `run` warn about a toggle that is on
 * while its job is not provided here; `run` maps DIPEX job names to their counterparts.
 * docs/migrating-from-dipex.md is the operator's version of this table.
 */
import type { JobDefinition } from '../orchestrator/job.js';
import type { Settings } from '../orchestrator/settings-store.js';
import { toggleOn } from '../orchestrator/setting-spec.js';

export interface DipexJob {
  /** DIPEX's job function. */
  job: string;
  /** Its `crontab.` toggle (none for jobs DIPEX never scheduled). */
  toggle?: string;
  /** The stage a command job replacing it would have. */
  stage: 'pre' | 'import' | 'prepare' | 'export' | 'report';
  /** This runner's job doing the same work, when there is one. */
  counterpart?: string;
  /** What DIPEX ran, relative to its checkout: the example command of a command job. */
  command?: string;
  /** Retired in DIPEX itself (its job-runner.sh no longer runs it). */
  retired?: string;
}

/** In DIPEX's order (imports, prepare, exports, reports), then jobs DIPEX itself has retired. */
export const dipexJobs: readonly DipexJob[] = [
  {
    job: 'sanity_check_mo_data',
    toggle: 'RUN_MO_DATA_SANITY_CHECK',
    stage: 'pre',
    counterpart: 'sanity_check_mo_data',
  },
  {
    job: 'imports_test_ad_connectivity',
    toggle: 'RUN_CHECK_AD_CONNECTIVITY',
    stage: 'import',
    command: '.venv/bin/python3 -m integrations.ad_integration.test_connectivity --test-read-settings',
  },
  {
    job: 'imports_test_ad_connectivity_writer',
    stage: 'import',
    command: '.venv/bin/python3 -m integrations.ad_integration.test_connectivity --test-write-settings',
  },
  {
    job: 'imports_sdtool_plus',
    toggle: 'RUN_SDTOOL_PLUS',
    stage: 'import',
    counterpart: 'imports_sdtool_plus',
  },
  {
    job: 'imports_sd_changed_at',
    toggle: 'RUN_SD_CHANGED_AT',
    stage: 'import',
    counterpart: 'imports_sd_changed_at',
  },
  {
    job: 'imports_opus_diff_import',
    toggle: 'RUN_OPUS_DIFF_IMPORT',
    stage: 'import',
    command: '.venv/bin/python3 integrations/opus/opus_diff_import.py',
  },
  {
    job: 'imports_ad_sync',
    toggle: 'RUN_AD_SYNC',
    stage: 'import',
    command: '.venv/bin/python3 -m integrations.ad_integration.ad_sync',
  },
  {
    job: 'imports_manager_sync',
    toggle: 'RUN_MANAGER_SYNC',
    stage: 'import',
    counterpart: 'imports_manager_sync',
  },
  { job: 'exports_cpr_uuid', toggle: 'RUN_CPR_UUID', stage: 'prepare', counterpart: 'exports_cpr_uuid' },
  {
    job: 'exports_cache_loracache',
    toggle: 'RUN_CACHE_LORACACHE',
    stage: 'prepare',
    counterpart: 'exports_cache_loracache',
  },
  {
    job: 'exports_historic_cache_loracache',
    toggle: 'RUN_CACHE_HISTORIC_LORACACHE',
    stage: 'prepare',
    counterpart: 'exports_historic_cache_loracache',
  },
  {
    job: 'exports_historic_skip_past_cache_loracache',
    toggle: 'RUN_CACHE_HISTORIC_SKIP_PAST_LORACACHE',
    stage: 'prepare',
    counterpart: 'exports_historic_skip_past_cache_loracache',
  },
  {
    job: 'exports_lc_for_jobs_db',
    toggle: 'RUN_LC_FOR_JOBS_DB_EXPORT',
    stage: 'prepare',
    counterpart: 'exports_cache_loracache',
  },
  {
    job: 'exports_actual_state_export',
    toggle: 'RUN_ACTUAL_STATE_EXPORT',
    stage: 'export',
    counterpart: 'exports_actual_state_export',
  },
  {
    job: 'exports_historic_sql_export',
    toggle: 'RUN_HISTORIC_SQL_EXPORT',
    stage: 'export',
    counterpart: 'exports_historic_sql_export',
  },
  { job: 'exports_os2sync', toggle: 'RUN_OS2SYNC', stage: 'export', counterpart: 'exports_os2sync' },
  {
    job: 'exports_queries_ballerup',
    toggle: 'RUN_QUERIES_BALLERUP',
    stage: 'export',
    command: '.venv/bin/python3 exporters/ballerup.py',
  },
  {
    job: 'exports_queries_alleroed',
    toggle: 'RUN_QUERIES_ALLEROED',
    stage: 'export',
    command: '.venv/bin/python3 customers/Alleroed/alleroed_reports.py',
  },
  {
    job: 'exports_viborg_eksterne',
    toggle: 'RUN_EXPORTS_VIBORG_EKSTERNE',
    stage: 'export',
    command: '.venv/bin/python3 exporters/viborg_eksterne/viborg_eksterne.py',
  },
  {
    job: 'exports_os2phonebook_export',
    toggle: 'RUN_EXPORTS_OS2MO_PHONEBOOK',
    stage: 'export',
    counterpart: 'exports_os2phonebook_export',
    command:
      '.venv/bin/python3 exporters/os2phonebook/os2phonebook_export.py generate-json && ' +
      '.venv/bin/python3 exporters/os2phonebook/os2phonebook_export.py transfer-json',
  },
  {
    job: 'exports_sync_mo_uuid_to_ad',
    toggle: 'RUN_EXPORTS_MO_UUID_TO_AD',
    stage: 'export',
    command: '.venv/bin/python3 -m integrations.ad_integration.sync_mo_uuid_to_ad --sync-all',
  },
  {
    job: 'exports_ad_life_cycle',
    toggle: 'RUN_EXPORTS_AD_LIFE_CYCLE',
    stage: 'export',
    command: '.venv/bin/python3 -m integrations.ad_integration.ad_life_cycle --create-ad-accounts',
  },
  {
    job: 'exports_mo_to_ad_sync',
    toggle: 'RUN_EXPORTS_MO_TO_AD_SYNC',
    stage: 'export',
    command: '.venv/bin/python3 -m integrations.ad_integration.mo_to_ad_sync',
  },
  {
    job: 'exports_mox_rollekatalog',
    toggle: 'RUN_MOX_ROLLE',
    stage: 'export',
    counterpart: 'exports_mox_rollekatalog',
    command: '.venv/bin/python3 -m exporters.os2rollekatalog.os2rollekatalog_integration',
  },
  {
    job: 'exports_plan2learn',
    toggle: 'RUN_PLAN2LEARN',
    stage: 'export',
    command:
      '.venv/bin/python3 exporters/plan2learn/plan2learn.py --lora && .venv/bin/python3 exporters/plan2learn/ship_files.py',
  },
  {
    job: 'reports_viborg_managers',
    toggle: 'RUN_VIBORG_MANAGERS',
    stage: 'report',
    command: '.venv/bin/python3 reports/viborg_managers.py',
  },
  {
    job: 'reports_frederikshavn',
    toggle: 'RUN_REPORTS_FREDERIKSHAVN',
    stage: 'report',
    command:
      '.venv/bin/python3 customers/Frederikshavn/Frederikshavn_reports.py && ' +
      '.venv/bin/python3 customers/Frederikshavn/employee_survey.py',
  },
  {
    job: 'reports_employee_phonebook_for_frederikshavn',
    toggle: 'RUN_EMPLOYEE_PHONEBOOK_FREDERIKSHAVN',
    stage: 'report',
    command: '.venv/bin/python3 customers/Frederikshavn/frederikshavn_employee_phonebook.py',
  },
  {
    job: 'reports_safetynet_frederikshavn',
    toggle: 'RUN_SAFETYNET_FREDERIKSHAVN',
    stage: 'report',
    command: '.venv/bin/python3 -m reports.safetynet.safetynet',
  },
  { job: 'reports_csv', toggle: 'RUN_REPORTS_CSV', stage: 'report', counterpart: 'reports_csv' },
  {
    job: 'reports_managers_and_org_units_holstebro',
    toggle: 'RUN_REPORTS_MANAGERS_HOLSTEBRO',
    stage: 'report',
    command: 'poetry run python -m reports.holstebro.manager_report',
  },
  // Retired in DIPEX itself: a toggle left in an old settings file ran nothing there either.
  {
    job: 'exports_mox_stsorgsync',
    toggle: 'RUN_MOX_STS_ORGSYNC',
    stage: 'export',
    retired: '2022-12, replaced by exports_os2sync: turn on crontab.RUN_OS2SYNC',
  },
  { job: 'imports_opgavefordeler', toggle: 'RUN_OPGAVEFORDELER', stage: 'import', retired: '2023-01' },
  { job: 'imports_aak_los', toggle: 'RUN_IMPORTS_AAK_LOS', stage: 'import', retired: '2025-11' },
  { job: 'imports_aak_los', toggle: 'RUN_AAK_LOS', stage: 'import', retired: '2025-11' },
  {
    job: 'imports_sd_fix_departments',
    toggle: 'RUN_SD_FIX_DEPARTMENTS',
    stage: 'import',
    retired: '2023-10',
  },
  { job: 'imports_sd_update_primary', toggle: 'RUN_SD_UPDATE_PRIMARY', stage: 'import', retired: '2023-07' },
  { job: 'imports_update_primary', toggle: 'RUN_UPDATE_PRIMARY', stage: 'import', retired: '2023-07' },
  {
    job: 'imports_test_sd_connectivity',
    toggle: 'RUN_CHECK_SD_CONNECTIVITY',
    stage: 'import',
    retired: '2023-10',
  },
  {
    job: 'imports_test_opus_connectivity',
    toggle: 'RUN_CHECK_OPUS_CONNECTIVITY',
    stage: 'import',
    retired: '2022-11',
  },
  { job: 'imports_mox_db_clear', toggle: 'RUN_MOX_DB_CLEAR', stage: 'import', retired: '2022-12' },
  { job: 'imports_ballerup_apos', toggle: 'RUN_BALLERUP_APOS', stage: 'import', retired: '2023-07' },
  { job: 'imports_ballerup_udvalg', toggle: 'RUN_BALLERUP_UDVALG', stage: 'import', retired: '2023-07' },
  { job: 'imports_kle_online', toggle: 'RUN_KLE_ONLINE', stage: 'import', retired: '2023-07' },
  { job: 'imports_ad_group_into_mo', toggle: 'RUN_AD_GROUP_INTO_MO', stage: 'import', retired: '2026-05' },
  { job: 'exports_viborg_emus', toggle: 'RUN_EXPORT_EMUS', stage: 'export', retired: '2023-10' },
  {
    job: 'exports_ad_life_cycle_disable_accounts',
    toggle: 'RUN_EXPORTS_AD_LIFE_CYCLE_DISABLE_ACCOUNTS',
    stage: 'export',
    retired: '2023-07',
  },
  { job: 'exports_ad_enddate_fixer', toggle: 'RUN_AD_ENDDATE_FIXER', stage: 'export', retired: '2026-01' },
  { job: 'exports_test', toggle: 'RUN_EXPORTS_TEST', stage: 'export', retired: 'a no-op' },
  { job: 'reports_sd_db_overview', toggle: 'RUN_SD_DB_OVERVIEW', stage: 'report', retired: '2024-01' },
  { job: 'reports_opus_db_overview', toggle: 'RUN_OPUS_DB_OVERVIEW', stage: 'report', retired: '2022-11' },
  { job: 'reports_svendborg', toggle: 'RUN_REPORTS_SVENDBORG', stage: 'report', retired: '2023-08' },
  {
    job: 'reports_svendborg_engagements',
    toggle: 'RUN_REPORTS_SVENDBORG_ENGAGEMENTS',
    stage: 'report',
    retired: '2023-08',
  },
  { job: 'reports_MED_medlemmer', toggle: 'RUN_MED_MEDLEMMER', stage: 'report', retired: '2021' },
  {
    job: 'reports_egedal_manager_cpr',
    toggle: 'RUN_REPORTS_MANAGERS_EGEDAL',
    stage: 'report',
    retired: '2025-10',
  },
];

/** DIPEX's stage functions, which `job-runner.sh NAME` also accepted, and this runner's stage names. */
export const dipexStages: Readonly<Record<string, string>> = {
  imports: 'imports',
  prepare_exports: 'prepare',
  exports: 'exports',
  reports: 'reports',
};

/** Other crontab keys DIPEX's runner read, and what this runner does with them (the docs list them too). */
export interface DipexKeyNotice {
  key: string;
  /** The warning, or undefined when the value needs none. */
  notice(value: unknown, settings: Settings): string | undefined;
}

const isSet = (v: unknown) => v !== undefined && v !== null && v !== '';

export const dipexKeyNotices: readonly DipexKeyNotice[] = [
  {
    key: 'crontab.SVC_USER',
    notice: (v, s) =>
      isSet(v) && isSet(s.get('crontab.SVC_KEYTAB'))
        ? 'crontab.SVC_USER/crontab.SVC_KEYTAB: this runner does not run kinit before the night as DIPEX did; ' +
          'if a command job needs a Kerberos ticket, add a pre job to runner.jobs, e.g. ' +
          `"kinit_svc_user": {"stage": "pre", "command": "kinit -k -t '${String(s.get('crontab.SVC_KEYTAB'))}' '${String(v)}'"} ` +
          '(a failing pre job skips the imports and everything after them)'
        : undefined,
  },
  {
    // DIPEX's GraphQL cache reads `primary_manager_responsibility` and only writes this key into its legacy settings.
    key: 'exporters.actual_state.manager_responsibility_class',
    notice: (v, s) => {
      if (!isSet(v)) return undefined;
      const primary = s.get('primary_manager_responsibility');
      if (!isSet(primary))
        return (
          'exporters.actual_state.manager_responsibility_class is not read (DIPEX stopped reading it too): ' +
          `set "primary_manager_responsibility": ${JSON.stringify(v)} to pick each unit's manager by that responsibility`
        );
      return primary === v
        ? undefined
        : 'exporters.actual_state.manager_responsibility_class differs from primary_manager_responsibility; ' +
            'only primary_manager_responsibility is read: remove the other key';
    },
  },
  {
    key: 'crontab.CRON_LOG_FILE',
    notice: (v) =>
      isSet(v)
        ? 'crontab.CRON_LOG_FILE is ignored (DIPEX dropped it too): each run logs to {runner.state_dir}/logs/<run>/ ' +
          '(run.jsonl and one file per job) and to stdout/stderr (the journal)'
        : undefined,
  },
];

function commandJobExample(entry: DipexJob): string {
  const command = entry.command ?? `<the command DIPEX's ${entry.job} ran>`;
  const example = {
    [entry.job]: { stage: entry.stage, command: `cd /opt/dipex/os2mo-data-import-and-export && ${command}` },
  };
  return `"runner.jobs": ${JSON.stringify(example)}`;
}

/** Whether this runner has the entry's counterpart among `jobs` (the catalogue and the operator's command jobs). */
export function provided(entry: DipexJob, jobs: readonly JobDefinition[]): string | undefined {
  const names = new Set(jobs.map((j) => j.name));
  if (names.has(entry.job)) return entry.job; // an operator command job of the same name keeps it running
  if (entry.counterpart && names.has(entry.counterpart)) return entry.counterpart;
  return undefined;
}

/**
 * One warning per DIPEX toggle that is on while its job is not provided here (naming the toggle and the command
 * job that keeps it running), per `crontab.RUN_*` key neither DIPEX nor this runner knows, and per DIPEX key this
 * runner ignores.
 */
export function dipexWarnings(settings: Settings, jobs: readonly JobDefinition[]): string[] {
  const out: string[] = [];
  const ownToggles = new Set(jobs.flatMap((j) => j.toggle));
  const known = new Set(dipexJobs.flatMap((e) => (e.toggle ? [`crontab.${e.toggle}`] : [])));
  for (const entry of dipexJobs) {
    if (!entry.toggle) continue;
    const key = `crontab.${entry.toggle}`;
    if (!toggleOn(settings.get(key)) || provided(entry, jobs)) continue;
    if (entry.retired) {
      out.push(
        `${key} is on, but DIPEX's own job-runner.sh retired ${entry.job} (${entry.retired}); ` +
          'this runner has no counterpart and runs nothing for it: remove the key',
      );
      continue;
    }
    out.push(
      `${key} is on, but this runner does not provide DIPEX's ${entry.job}: it will not run. ` +
        `To keep running it, add a command job: ${commandJobExample(entry)}`,
    );
  }
  for (const key of Object.keys(settings.raw)) {
    if (
      /^crontab\.RUN_/.test(key) &&
      !known.has(key) &&
      !ownToggles.has(key) &&
      toggleOn(settings.get(key))
    ) {
      out.push(
        `${key} is on, but it is neither a toggle of DIPEX's job-runner.sh nor of this runner: nothing runs for it. ` +
          'A customer-specific job keeps running as a command job in runner.jobs (see docs/migrating-from-dipex.md)',
      );
    }
  }
  for (const n of dipexKeyNotices) {
    const text = n.notice(settings.get(n.key), settings);
    if (text) out.push(text);
  }
  return out;
}

export type DipexNameResolution =
  | { kind: 'counterpart'; name: string; note: string }
  | { kind: 'none'; message: string }
  | { kind: 'unknown' };

/** A job name given to `run` that this runner does not know: DIPEX's name for one of ours, or none. */
export function resolveDipexName(name: string, jobs: readonly JobDefinition[]): DipexNameResolution {
  const stage = dipexStages[name];
  if (stage && stage !== name) {
    return {
      kind: 'counterpart',
      name: stage,
      note: `${name} is DIPEX's stage name: running the stage ${stage}`,
    };
  }
  const entry = dipexJobs.find((e) => e.job === name);
  if (!entry) return { kind: 'unknown' };
  const ours = provided(entry, jobs);
  if (ours && ours !== name) {
    return {
      kind: 'counterpart',
      name: ours,
      note: `${name} is DIPEX's name: running its counterpart ${ours}`,
    };
  }
  if (entry.retired) {
    return {
      kind: 'none',
      message: `${name} is a DIPEX job that DIPEX itself retired (${entry.retired}); this runner has no counterpart`,
    };
  }
  return {
    kind: 'none',
    message:
      `${name} is a DIPEX job this runner does not provide; to keep running it, add a command job: ` +
      commandJobExample(entry),
  };
}
