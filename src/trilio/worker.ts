// What the vendor's worker (workloads/manager.py) does to a restore, pure: the checks it makes once it runs (their
// failure shows asynchronously: 202, then `error` right after `starting`), picking the restore up, and the end (the
// restored instances, the metadata rows).
import { randomUUID } from 'node:crypto';
import { isoMicro } from '../core/clock.js';
import { isObj } from '../core/fixtures.js';
import type { Evaluation } from '../core/lifecycle.js';
import { parseTs, type SnapshotFx } from './fixtures.js';
import { addMetadata, CANCEL_MESSAGE, type RestoreKind, uploadedBytes } from './lifecycle.js';
import type { RestoreRow } from './repository.js';

const USER_SELECTED: Record<RestoreKind, string> = {
  oneclick: 'Oneclick Restore',
  selective: 'Selective Restore',
  inplace: 'Inplace Restore',
};

/** An instance a selective or in-place restore lists (what the worker reads of it). */
export interface AskedInstance {
  id: string;
  name?: string;
  include?: boolean;
  vdisks?: { id: string; restore_cinder_volume?: boolean }[];
}

/**
 * What the worker will find, decided from the fixtures at creation: a one-click restore's original VM still in Nova,
 * an in-place restore's VM missing from Nova or volume missing from Cinder. Also the names of the VMs it restores.
 */
export function workerCheck(
  kind: RestoreKind,
  snapshot: SnapshotFx,
  asked: AskedInstance[],
  cloud: { hasServer(id: string): boolean; hasVolume(id: string): boolean },
): { failure: string | null; names: string[] } {
  if (kind === 'oneclick') {
    const present = snapshot.instances.find((i) => cloud.hasServer(i.id));
    const failure = present
      ? `Original instance ${present.name} is still present. Please delete this instance and try again.`
      : null;
    return { failure, names: snapshot.instances.map((i) => i.name) };
  }
  const byId = new Map(snapshot.instances.map((i) => [i.id, i.name]));
  const restored = included(asked);
  const names = restored.map((a) => instanceName(kind, a, byId.get(a.id)));
  if (kind === 'inplace') {
    for (const a of restored) {
      if (!cloud.hasServer(a.id)) return { failure: `instance '${a.id}' in nova is not found`, names };
      for (const d of a.vdisks ?? []) {
        if (d.restore_cinder_volume === false || cloud.hasVolume(d.id)) continue;
        return { failure: `'${d.id}' is not a valid cinder volume`, names };
      }
    }
  }
  return { failure: null, names };
}

/** The worker takes the restore: it sets the host and, for one-click, fills the snapshot's instances in. */
export function pickUp(r: RestoreRow, snapshot: SnapshotFx | undefined, host: string): void {
  r.picked_up = true;
  r.host = r.host_name ?? host;
  if (r.kind !== 'oneclick') return;
  // A new options dict, in the shape (and key order) of the vendor's finished one-click restores.
  const opts = isObj(r.restore_options) ? r.restore_options : {};
  const instances = (snapshot?.instances ?? []).map((i) => ({
    name: i.name,
    id: i.id,
    availability_zone: i.availability_zone ?? 'nova',
  }));
  r.restore_options = {
    name: typeof opts.name === 'string' ? opts.name : r.name,
    oneclickrestore: true,
    restore_type: 'oneclick',
    openstack: { instances },
    type: 'openstack',
    description: typeof opts.description === 'string' ? opts.description : r.description,
  };
}

/** The end: finished fields, restored instances, the metadata rows of the end. */
export function finish(r: RestoreRow, ev: Evaluation, snapshot: SnapshotFx | undefined, version: string): void {
  const finished = ev.finishedAt!;
  const ts = isoMicro(finished);
  const size = r.picked_up === true ? (r.restore_size ?? 0) : 0;
  r.status = ev.state;
  r.finished_at = ts;
  r.time_taken = Math.max(0, Math.round((finished - parseTs(r.created_at)) / 1000));
  r.progress_percent = 100;
  r.size = size;
  if (ev.state === 'available') {
    r.progress_msg = 'Restore from snapshot is complete';
    r.error_msg = null;
    r.uploaded_size = size;
    r.instances = restoredInstances(r, snapshot);
  } else {
    r.progress_msg = '';
    r.error_msg = ev.message ?? (ev.state === 'cancelled' ? CANCEL_MESSAGE : 'Failed restoring snapshot');
    // Uploaded as far as the restore got: a plan's end reports 100 %, so its last phase says how far that was.
    const reached = ev.phaseIndex === -1 ? ev.progress : (r.plan?.phases[r.plan.phases.length - 1]?.progress[1] ?? 0);
    r.uploaded_size = uploadedBytes(size, reached);
  }
  const meta = (key: string, value: string) => addMetadata(r, key, value, ts, version);
  if (ev.state === 'cancelled' && !r.metadata.some((m) => m.key === 'cancel_requested')) meta('cancel_requested', '1');
  meta('data_transfer_time', '0');
  meta('object_store_transfer_time', '0');
  meta('restore_user_selected_value', USER_SELECTED[r.kind ?? 'oneclick']);
}

/** Restored VMs: new ids for one-click and selective (named as asked), the same VMs for in-place. */
function restoredInstances(r: RestoreRow, snapshot: SnapshotFx | undefined): unknown[] {
  const held = snapshot?.instances ?? [];
  const byId = new Map(held.map((i) => [i.id, i]));
  const asked = askedInstances(r.restore_options);
  const picked =
    r.kind === 'oneclick' || asked.length === 0
      ? held.map((i) => ({ id: i.id, name: i.name }))
      : included(asked).map((a) => ({ id: a.id, name: instanceName(r.kind!, a, byId.get(a.id)?.name) }));
  return picked.map((p) => ({
    id: r.kind === 'inplace' ? p.id : randomUUID(),
    name: p.name,
    status: 'available',
    metadata: { config_drive: '', instance_id: p.id, production: '1' },
  }));
}

/** The instances a restore's options list (`openstack.instances`), as validated at create. */
export function askedInstances(options: unknown): AskedInstance[] {
  const openstack = (options as { openstack?: { instances?: unknown } } | null)?.openstack;
  return Array.isArray(openstack?.instances) ? (openstack.instances as AskedInstance[]) : [];
}

/** The instances the restore includes (`include: false` leaves one out). */
const included = (asked: AskedInstance[]) => asked.filter((a) => a.include !== false);

/** A restored VM's name: a selective restore's new name when given, else the original's (else its id). */
const instanceName = (kind: RestoreKind, a: AskedInstance, original: string | undefined) =>
  kind === 'selective' && a.name ? a.name : (original ?? a.id);
