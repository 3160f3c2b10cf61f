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
  summary?: string;
  /** Values for later steps, read from this response's parsed body and headers. */
  capture?: Record<string, (body: any, headers: Record<string, unknown>) => unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Virtual clock start of the recording (fixed, so the documents are reproducible). */
export const SCENARIO_START = Date.UTC(2026, 10, 1, 12, 0, 0);

/** Settings of the recording emulator (besides the in-memory DB and the virtual clock). */
export const SCENARIO_CONFIG: Partial<Config> = { publicUrl: 'http://127.0.0.1:8780', seed: 42 };

export const SCENARIO: Step[] = [
  { method: 'GET', url: '/_sim/health', status: 200, example: 'healthy', summary: 'The emulator is up' },
  { method: 'POST', url: '/_sim/clock/advance', body: { seconds: 60 }, status: 200, example: 'advance', summary: 'Move the virtual clock one minute' },
];
