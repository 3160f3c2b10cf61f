// The scenario scripts/openapi.ts plays against the emulator to record the examples of the OpenAPI documents.
// Each step is one real request; a step with `example` puts its response (and request body) into the document of
// the operation it hit, under that example name. `{{name}}` in a url, header or body is a value an earlier step
// captured (an id, a session token). `advance` moves the virtual clock that many seconds before the step.
import type { Config } from '../src/config.js';

export interface Step {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Seconds to advance the virtual clock before this step. */
  advance?: number;
  /** Expected status; the script reports a problem when the emulator answers otherwise. */
  status?: number;
  /** Example name (unique per operation and status). */
  example?: string;
  /** The example's summary; a function of the parsed response body when it states what the response shows. */
  summary?: string | ((body: any) => string);
  /** Values for later steps, read from this response's parsed body and headers. */
  capture?: Record<string, (body: any, headers: Record<string, unknown>) => unknown>;
}

/** Virtual clock start of the recording (fixed, so the documents are reproducible). */
export const SCENARIO_START = Date.UTC(2026, 10, 1, 12, 0, 0);

/** Settings of the recording emulator (besides the in-memory DB and the virtual clock). */
export const SCENARIO_CONFIG: Partial<Config> = { publicUrl: 'http://127.0.0.1:8780', seed: 42 };

const P = 'c76b3355a164498aa95ddbc960adc238'; // project "demo" of the default fixtures
const W = '18b809de-d7c8-41e2-867d-4a306407fb11'; // its workload "API workload"
const S = '2e56d167-bad7-43c7-8ede-a613c3fe7844'; // its snapshot "API taken 2" (2 GiB: a 51.2 s restore)
const T = { 'X-Auth-Token': 'demo-token' };
const oneClick = {
  restore: {
    name: 'One Click Restore',
    description: 'restore everything',
    options: { type: 'openstack', restore_type: 'oneclick', oneclickrestore: true, openstack: {} },
  },
};
const BASIC = { Authorization: `Basic ${Buffer.from('administrator@vsphere.local:VMware1!').toString('base64')}` };
const piece = {
  location_type: 'SFTP',
  location: 'sftp://backup.example.com/backups/vcsa01/2026-11-01',
  location_user: 'backup',
  location_password: 'VMware1!',
  backup_password: 'VMware1!',
};
const REST = { 'vmware-api-session-id': '{{rest}}' };
const API = { 'vmware-api-session-id': '{{api}}' };

export const SCENARIO: Step[] = [
  // ---- control plane: health, readiness, clock
  { method: 'GET', url: '/_sim/health', status: 200, example: 'healthy', summary: 'The emulator is up' },
  { method: 'GET', url: '/_sim/ready', status: 200, example: 'ready', summary: 'Fixtures loaded' },
  { method: 'GET', url: '/_sim/clock', status: 200, example: 'virtual', summary: 'The virtual clock' },

  // ---- Trilio: what there is to restore
  {
    method: 'GET',
    url: `/v1/${P}/workloads`,
    headers: T,
    status: 200,
    example: 'demo',
    summary: 'Workloads of project demo',
  },
  {
    method: 'GET',
    url: `/v1/${P}/workloads/${W}`,
    headers: T,
    status: 200,
    example: 'available',
    summary: 'An available workload',
  },
  {
    method: 'GET',
    url: `/v1/${P}/snapshots?workload_id=${W}`,
    headers: T,
    status: 200,
    example: 'of a workload',
    summary: 'Snapshots of one workload',
  },
  {
    method: 'GET',
    url: `/v1/${P}/snapshots/${S}`,
    headers: T,
    status: 200,
    example: 'available',
    summary: 'An available snapshot',
  },
  {
    method: 'GET',
    url: `/v1/${P}/workloads/${W}/snapshots/${S}`,
    headers: T,
    status: 200,
    example: 'available',
    summary: 'The same snapshot under its workload',
  },
  // ---- Trilio: a one-click restore from start to end
  {
    method: 'POST',
    url: `/v1/${P}/snapshots/${S}`,
    headers: T,
    body: oneClick,
    status: 202,
    example: 'one-click',
    summary: 'Start a one-click restore',
    capture: { restore: (b) => b?.restore?.id },
  },
  {
    method: 'GET',
    url: `/v1/${P}/restores/{{restore}}`,
    headers: T,
    status: 200,
    example: 'just created',
    summary: (b) => `Just created: ${b.restore.status}`,
  },
  {
    method: 'GET',
    url: `/v1/${P}/workloads/${W}`,
    headers: T,
    status: 200,
    example: 'while restoring',
    summary: (b) => `While its restore runs: ${b.workload.status}`,
  },
  {
    method: 'GET',
    url: `/v1/${P}/snapshots/${S}`,
    headers: T,
    status: 200,
    example: 'while restoring',
    summary: (b) => `While its restore runs: ${b.snapshot.status}`,
  },
  {
    method: 'GET',
    url: `/v1/${P}/restores/{{restore}}`,
    headers: T,
    advance: 20,
    status: 200,
    example: 'after 20 s',
    summary: (b) => `20 s later: ${b.restore.status}, ${b.restore.progress_percent} %`,
  },
  {
    method: 'GET',
    url: `/v1/${P}/restores/{{restore}}`,
    headers: T,
    advance: 40,
    status: 200,
    example: 'after 60 s',
    summary: (b) => `60 s later: ${b.restore.status}`,
  },
  {
    method: 'GET',
    url: `/v1/${P}/restores`,
    headers: T,
    status: 200,
    example: 'demo',
    summary: 'Restores of project demo',
  },
  {
    method: 'GET',
    url: `/v1/${P}/restores?limit=1`,
    headers: { ...T, Accept: 'application/xml' },
    status: 200,
    example: 'xml',
    summary: 'The same as XML (Accept: application/xml), one per page',
  },
  {
    method: 'GET',
    url: `/v1/${P}/restores/detail?limit=2`,
    headers: T,
    status: 200,
    example: 'first page',
    summary: 'Detail list, first page of 2 (with restores_links)',
  },
  {
    method: 'GET',
    url: `/v1/${P}/workloads/${W}/snapshots/${S}/restores`,
    headers: T,
    status: 200,
    example: 'of a snapshot',
    summary: 'Restores of one snapshot',
  },
  {
    method: 'GET',
    url: `/v1/${P}/workloads/${W}/snapshots/${S}/restores/detail`,
    headers: T,
    status: 200,
    example: 'of a snapshot',
    summary: 'Detail list of one snapshot',
  },
  {
    method: 'GET',
    url: `/v1/${P}/workloads/${W}/snapshots/${S}/restores/{{restore}}`,
    headers: T,
    status: 200,
    example: 'available',
    summary: 'A finished restore under its snapshot',
  },
  // ---- Trilio: cancel and delete
  {
    method: 'POST',
    url: `/v1/${P}/workloads/${W}/snapshots/${S}/restores`,
    headers: T,
    body: oneClick,
    status: 202,
    example: 'one-click',
    summary: 'Start a one-click restore (workload path)',
    capture: { second: (b) => b?.restore?.id },
  },
  {
    method: 'DELETE',
    url: `/v1/${P}/restores/{{second}}`,
    headers: T,
    status: 400,
    example: 'running',
    summary: 'A running restore cannot be deleted',
  },
  {
    method: 'GET',
    url: `/v1/${P}/restores/{{second}}/cancel`,
    headers: T,
    advance: 5,
    status: 200,
    example: 'cancel',
    summary: 'Cancel a running restore',
  },
  {
    method: 'GET',
    url: `/v1/${P}/restores/{{second}}`,
    headers: T,
    status: 200,
    example: 'after cancel',
    summary: (b) => `Cancel requested: ${b.restore.status}`,
  },
  {
    method: 'GET',
    url: `/v1/${P}/restores/{{second}}`,
    headers: T,
    advance: 5,
    status: 200,
    example: 'after cancel + 5 s',
    summary: (b) => `5 s later: ${b.restore.status}`,
  },
  {
    method: 'DELETE',
    url: `/v1/${P}/restores/{{second}}`,
    headers: T,
    status: 200,
    example: 'finished',
    summary: 'Delete a finished restore',
  },
  {
    method: 'GET',
    url: `/v1/${P}/restores/{{second}}`,
    headers: T,
    status: 404,
    example: 'unknown',
    summary: 'A deleted or unknown restore',
  },
  // ---- Trilio: failures
  { method: 'GET', url: `/v1/${P}/restores`, status: 401, example: 'no token', summary: 'No X-Auth-Token' },
  {
    method: 'POST',
    url: `/v1/${P}/snapshots/${S}`,
    headers: T,
    status: 500,
    example: 'invalid options (legacy)',
    body: { restore: { name: 'bad', options: { type: 'openstack', openstack: {} } } },
    summary: 'Restore options without restore_type: the documented server answers 500 Error (--trilio-errors legacy)',
  },
  {
    method: 'POST',
    url: `/v1/${P}/workloads/${W}/snapshots/00000000-0000-4000-8000-000000000000`,
    headers: T,
    status: 500,
    example: 'unknown snapshot (legacy)',
    body: oneClick,
    summary: 'Wrong snapshot id in the path: 500 Error (--trilio-errors legacy)',
  },

  // ---- vCenter /rest: log in, validate, restore, watch it finish
  {
    method: 'GET',
    url: '/rest/appliance/recovery/restore/job',
    status: 401,
    example: 'no session',
    summary: 'No session',
  },
  {
    method: 'POST',
    url: '/rest/com/vmware/cis/session',
    headers: BASIC,
    status: 200,
    example: 'login',
    summary: 'Log in with Basic credentials',
    capture: { rest: (b) => b?.value },
  },
  {
    method: 'GET',
    url: '/rest/appliance/recovery/restore/job',
    headers: REST,
    status: 200,
    example: 'none',
    summary: 'No job yet',
  },
  {
    method: 'POST',
    url: '/rest/appliance/recovery/restore/validate',
    headers: REST,
    body: { piece },
    status: 200,
    example: 'valid backup',
    summary: 'Validate a backup: its metadata',
  },
  {
    method: 'POST',
    url: '/rest/appliance/recovery/restore/job',
    headers: REST,
    body: { piece },
    status: 200,
    example: 'started',
    summary: 'Start the restore job',
  },
  {
    method: 'GET',
    url: '/rest/appliance/recovery/restore/job',
    headers: REST,
    advance: 20,
    status: 200,
    example: 'after 20 s',
    summary: (b) => `20 s later: ${b.value.state}, ${b.value.progress} %`,
  },
  {
    method: 'POST',
    url: '/rest/appliance/recovery/restore/job',
    headers: REST,
    body: { piece },
    status: 400,
    example: 'in use',
    summary: 'One job at a time',
  },
  {
    method: 'GET',
    url: '/rest/appliance/recovery/restore/job',
    headers: REST,
    advance: 60,
    status: 200,
    example: 'after 80 s',
    summary: (b) => `80 s later: ${b.value.state}`,
  },
  {
    method: 'GET',
    url: '/rest/appliance/recovery/restore/job',
    headers: { ...REST, Accept: 'application/xml' },
    status: 200,
    example: 'xml',
    summary: 'The same as XML (Accept: application/xml)',
  },
  {
    method: 'POST',
    url: '/rest/appliance/recovery/restore/job',
    headers: REST,
    body: { piece },
    status: 400,
    example: 'configured',
    summary: 'After a successful restore the appliance is configured',
  },
  {
    method: 'DELETE',
    url: '/rest/com/vmware/cis/session',
    headers: REST,
    status: 200,
    example: 'logout',
    summary: 'Log out',
  },

  // ---- control plane: reset the appliance, rules, forced states
  {
    method: 'POST',
    url: '/_sim/reset?api=vcenter',
    status: 200,
    example: 'vcenter',
    summary: 'Back to the fixtures, vCenter only',
  },

  // ---- vCenter /api: the same with the newer API, then cancel
  {
    method: 'POST',
    url: '/api/session',
    headers: BASIC,
    status: 201,
    example: 'login',
    summary: 'Log in with Basic credentials',
    capture: { api: (b) => b },
  },
  { method: 'GET', url: '/api/session', headers: API, status: 200, example: 'current', summary: 'The current session' },
  {
    method: 'POST',
    url: '/api/appliance/recovery/restore?action=validate',
    headers: API,
    body: piece,
    status: 200,
    example: 'valid backup',
    summary: 'Validate a backup: its metadata',
  },
  {
    method: 'POST',
    url: '/api/appliance/recovery/restore?action=validate',
    headers: API,
    status: 500,
    body: { ...piece, location: 'sftp://backup.example.com/backups/nowhere' },
    example: 'no backup there',
    summary: 'Nothing at that location',
  },
  {
    method: 'POST',
    url: '/api/appliance/recovery/restore/job',
    headers: API,
    body: piece,
    status: 201,
    example: 'started',
    summary: 'Start the restore job',
  },
  {
    method: 'POST',
    url: '/api/appliance/recovery/restore/job?action=cancel',
    headers: API,
    advance: 10,
    status: 200,
    example: 'cancel',
    summary: 'Cancel the running job',
  },
  {
    method: 'GET',
    url: '/api/appliance/recovery/restore/job',
    headers: API,
    status: 200,
    example: 'after cancel',
    summary: (b) => `After cancel: ${b.state}`,
  },
  {
    method: 'POST',
    url: '/api/appliance/recovery/restore/job?action=cancel',
    headers: API,
    status: 200,
    example: 'nothing to cancel',
    summary: 'Nothing running',
  },
  { method: 'DELETE', url: '/api/session', headers: API, status: 204, example: 'logout', summary: 'Log out' },

  // ---- control plane
  {
    method: 'POST',
    url: '/_sim/rules',
    status: 201,
    example: 'next restore fails',
    summary: 'The next restore of project demo ends in error',
    body: {
      id: 'next-restore-fails',
      match: { api: 'trilio', operation: 'restores.create', project: P },
      max: 1,
      effects: { outcome: { state: 'error', message: 'Failed restoring snapshot: injected' } },
    },
  },
  { method: 'GET', url: '/_sim/rules', status: 200, example: 'one rule', summary: 'The rules with their counters' },
  { method: 'GET', url: '/_sim/rules/next-restore-fails', status: 200, example: 'one rule', summary: 'One rule' },
  {
    method: 'POST',
    url: `/v1/${P}/snapshots/${S}`,
    headers: T,
    body: oneClick,
    status: 202,
    capture: { third: (b) => b?.restore?.id },
  },
  {
    method: 'PUT',
    url: '/_sim/trilio/restores/{{third}}/state',
    body: { state: 'executing' },
    status: 200,
    example: 'executing',
    summary: 'Jump to executing',
  },
  {
    method: 'PUT',
    url: '/_sim/trilio/restores/{{third}}/state',
    body: { state: 'available' },
    status: 200,
    example: 'available',
    summary: 'End now',
  },
  {
    method: 'PUT',
    url: '/_sim/trilio/restores/{{third}}/state',
    body: { state: 'executing' },
    status: 409,
    example: 'finished',
    summary: 'A finished restore cannot move',
  },
  {
    method: 'DELETE',
    url: '/_sim/rules/next-restore-fails',
    status: 200,
    example: 'removed',
    summary: 'Remove a rule',
  },
  { method: 'DELETE', url: '/_sim/rules', status: 200, example: 'all removed', summary: 'Remove every rule' },
  {
    method: 'POST',
    url: '/_sim/clock/advance',
    body: { seconds: 60 },
    status: 200,
    example: 'one minute',
    summary: 'Move the virtual clock one minute',
  },
  {
    method: 'PUT',
    url: '/_sim/clock',
    body: { speed: 10 },
    status: 200,
    example: 'speed',
    summary: 'Change the speed factor',
  },
  { method: 'GET', url: '/_sim/metrics', status: 200, example: 'metrics', summary: 'Prometheus metrics' },
  {
    method: 'POST',
    url: '/_sim/reset',
    status: 200,
    example: 'everything',
    summary: 'Back to the fixtures: both APIs, rules and journal',
  },
];
