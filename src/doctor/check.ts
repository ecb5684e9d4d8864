/** One line of `snapask doctor`: passed, failed (with the fix), or skipped (not a failure: why it was not run). */
export type CheckResult =
  | { name: string; status: 'ok'; detail: string }
  | { name: string; status: 'failed'; detail: string; fix: string }
  | { name: string; status: 'skipped'; detail: string };

export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
export const failed = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'failed', detail, fix });
export const skipped = (name: string, detail: string): CheckResult => ({ name, status: 'skipped', detail });

/** "✓ name: detail", "✗ name: detail; fix: ...", "- name: skipped (why)". */
export function formatCheck(c: CheckResult): string {
  if (c.status === 'ok') return `✓ ${c.name}: ${c.detail}`;
  if (c.status === 'skipped') return `- ${c.name}: skipped (${c.detail})`;
  return `✗ ${c.name}: ${c.detail}; fix: ${c.fix}`;
}
